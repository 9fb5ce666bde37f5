/**
 * A synthetic workspace of Attune-format packs for the compile and register benchmarks.
 * Deterministic: the same options always write byte-identical files. Packs depend on `core`, which the
 * benchmarks compile alongside from packs/core.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"

export interface WorkspaceOptions {
  readonly packs?: number
  readonly actionsPerPack?: number
}

export interface WorkspaceStats {
  readonly files: number
  readonly bytes: number
}

type Runner = "shell" | "python" | "core.nodejs" | "tool"

interface ActionKind {
  readonly runner: Runner
  readonly extension: string
  readonly format: "dotenv" | "json"
}

const ACTION_KINDS: ReadonlyArray<ActionKind> = [
  { runner: "shell", extension: ".sh", format: "dotenv" },
  { runner: "python", extension: ".py", format: "json" },
  { runner: "core.nodejs", extension: ".js", format: "json" },
  { runner: "tool", extension: ".py", format: "json" },
]

const MODES = ["fast", "safe", "thorough"] as const
const q = (value: string): string => JSON.stringify(value)
const pad = (n: number, width: number): string => String(n).padStart(width, "0")

const packYaml = (ref: string, index: number): string => `ref: ${ref}
label: ${q(`Bench Pack ${index}`)}
description: ${q(`Synthetic pack ${index} for compile benchmarks`)}
version: "1.${index % 10}.${index % 7}"
author: "Bench"
email: "bench@example.com"
system: false
enabled: true
conf_schema:
  api_url:
    type: string
    description: "Service endpoint"
    default: ${q(`https://svc-${index}.example.com`)}
  retries:
    type: integer
    default: ${index % 5}
    minimum: 0
    maximum: 10
  api_token:
    type: string
    secret: true
config:
  api_url: ${q(`https://svc-${index}.example.com`)}
  retries: ${index % 5}
meta:
  category: bench
  keywords: [bench, ${q(`group-${index % 12}`)}]
tags: [bench, ${q(`tier-${index % 3}`)}]
runtime_deps: [shell, python, node]
dependencies: [core]
`

const toolRuntimeYaml = (ref: string): string => `ref: ${ref}.tool
pack_ref: ${ref}
name: ${q(`Tool ${ref}`)}
aliases: [${q(`${ref}-tool`)}]
description: "Python in UTF-8 mode with the pack's own requirements"
distributions:
  verification:
    commands:
      - binary: python3
        args: ["--version"]
        exit_code: 0
        pattern: "Python 3\\\\."
        priority: 1
execution_config:
  interpreter:
    binary: python3
    args: ["-X", "utf8", "-u"]
    file_extension: ".py"
  environment:
    env_type: virtualenv
    dir_name: ".venv"
    create_command: [python3, "-m", venv, "--copies", "{env_dir}"]
    interpreter_path: "{env_dir}/bin/python3"
  dependencies:
    manifest_file: requirements.txt
    install_command: ["{interpreter}", "-m", pip, install, "-r", "{manifest_path}"]
  env_vars:
    PYTHONPATH: {value: "{pack_dir}/lib", operation: prepend}
    TOOL_HOME: "{env_dir}"
versions:
  - version: "3.12"
    is_default: true
    execution_config:
      interpreter: {binary: python3.12, args: ["-X", "utf8", "-u"], file_extension: ".py"}
`

const bashRuntimeYaml = (ref: string): string => `ref: ${ref}.bash
pack_ref: ${ref}
name: ${q(`Bash ${ref}`)}
aliases: [${q(`${ref}-bash`)}]
description: "GNU bash for scripts that need arrays"
distributions:
  verification:
    commands:
      - {binary: bash, args: ["--version"], exit_code: 0, pattern: "GNU bash", priority: 1}
execution_config:
  interpreter: {binary: bash, args: [], file_extension: ".sh"}
`

const actionYaml = (ref: string, name: string, kind: ActionKind, index: number): string => {
  const runner = kind.runner === "tool" ? `${ref}.tool` : kind.runner
  const json = kind.format === "json"
  const secret = index % 2 === 0 ? `  token:\n    type: string\n    description: "Credential for the target"\n    secret: true\n` : ""
  const output = json
    ? `output_schema:
  ok: {type: boolean, required: true}
  target: {type: string, required: true}
  count: {type: integer}
`
    : ""
  return `ref: ${ref}.${name}
label: ${q(`Action ${name} of ${ref}`)}
description: ${q(`Synthetic ${kind.runner} action ${index} of pack ${ref}`)}
enabled: true
runner_type: ${runner}
entry_point: ${name}${kind.extension}
parameter_delivery: stdin
parameter_format: ${kind.format}
output_format: ${json ? "json" : "text"}
parameters:
  target:
    type: string
    description: "What to act on"
    required: true
    position: 0
  count:
    type: integer
    default: ${1 + (index % 4)}
    minimum: 0
    maximum: 100
  mode:
    type: string
    enum: [${MODES.join(", ")}]
    default: ${MODES[index % MODES.length]}
  verbose:
    type: boolean
    default: false
  labels:
    type: object
    description: "Free-form labels"
${secret}${output}timeout: ${30 + index}
tags: [bench, ${kind.runner.replace(".", "-")}]
`
}

const SHELL_SCRIPT = `#!/bin/sh
# Reads dotenv parameters (single-line values) and prints the target.
target=
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        target=*) target=\${line#target=}; target=\${target#\\'}; target=\${target%\\'} ;;
    esac
done
printf 'target=%s\\n' "$target"
`

const PYTHON_SCRIPT = `#!/usr/bin/env python3
import json
import sys

params = json.loads(sys.stdin.read() or "{}")
print(json.dumps({"ok": True, "target": params.get("target", ""), "count": params.get("count", 1)}))
`

const NODE_SCRIPT = `let input = ""
process.stdin.setEncoding("utf8")
process.stdin.on("data", (chunk) => { input += chunk })
process.stdin.on("end", () => {
  const params = input.trim() ? JSON.parse(input) : {}
  process.stdout.write(JSON.stringify({ ok: true, target: params.target ?? "", count: params.count ?? 1 }) + "\\n")
})
`

const scriptFor = (kind: ActionKind): string =>
  kind.extension === ".sh" ? SHELL_SCRIPT : kind.extension === ".js" ? NODE_SCRIPT : PYTHON_SCRIPT

const triggerYaml = (ref: string): string => `ref: ${ref}.event
label: "Service Event"
description: "Something happened in the service"
enabled: true
type: webhook
parameters:
  source: {type: string, default: "any"}
output:
  id: {type: string, required: true}
  value: {type: integer, required: true}
  source: {type: string}
`

const ruleYaml = (ref: string, index: number, firstAction: string): string => {
  // Every fifth pack is driven by a core timer instead of its own trigger, every seventh calls core.echo.
  const timer = index % 5 === 0
  const actionRef = index % 7 === 0 ? "core.echo" : `${ref}.${firstAction}`
  const [id, value] = timer ? ["fired_at", "execution_count"] : ["id", "value"]
  const params = index % 7 === 0
    ? `  message: "fired {{ event.payload.${id} }}"`
    : `  target: "{{ event.payload.${id} }}"\n  count: "{{ event.payload.${value} }}"\n  labels: {rule: "{{ system.rule.ref }}"}`
  return `ref: ${ref}.on_event
label: "On Event"
description: ${q(`Runs ${actionRef} on each ${timer ? "timer tick" : "service event"}`)}
trigger_ref: ${timer ? "core.intervaltimer" : `${ref}.event`}
action_ref: ${actionRef}
conditions: ${timer ? "{}" : `{expression: 'event.payload.value >= ${index % 50}'}`}
action_params:
${params}
trigger_params: ${timer ? "{unit: minutes, interval: 5}" : "{source: any}"}
enabled: true
`
}

/** Writes `packs` packs of `actionsPerPack` actions each under `dir` (created if missing; nothing is deleted). */
export const generateWorkspace = (dir: string, opts: WorkspaceOptions = {}): WorkspaceStats => {
  const packs = opts.packs ?? 200
  const actionsPerPack = opts.actionsPerPack ?? 10
  const packWidth = Math.max(4, String(packs).length)
  const actionWidth = Math.max(2, String(actionsPerPack - 1).length)
  let files = 0
  let bytes = 0
  const write = (path: string, content: string, mode = 0o644): void => {
    writeFileSync(path, content, { mode })
    files += 1
    bytes += Buffer.byteLength(content)
  }

  for (let p = 1; p <= packs; p++) {
    const ref = `p${pad(p, packWidth)}`
    const root = join(dir, ref)
    for (const sub of ["runtimes", "actions", "triggers", "rules"]) mkdirSync(join(root, sub), { recursive: true })
    write(join(root, "pack.yaml"), packYaml(ref, p))
    write(join(root, "runtimes", "tool.yaml"), toolRuntimeYaml(ref))
    if (p % 4 === 0) write(join(root, "runtimes", "bash.yaml"), bashRuntimeYaml(ref))
    const actionNames: Array<string> = []
    for (let a = 0; a < actionsPerPack; a++) {
      const kind = ACTION_KINDS[(p + a) % ACTION_KINDS.length]!
      const name = `a${pad(a, actionWidth)}`
      actionNames.push(name)
      write(join(root, "actions", `${name}.yaml`), actionYaml(ref, name, kind, a))
      write(join(root, "actions", `${name}${kind.extension}`), scriptFor(kind), 0o755)
    }
    write(join(root, "triggers", "event.yaml"), triggerYaml(ref))
    write(join(root, "rules", "on_event.yaml"), ruleYaml(ref, p, actionNames[0] ?? "a00"))
  }
  return { files, bytes }
}

const DESCRIPTION_LINE = /^description: "(.*?)(?: \(rev (\d+)\))?"$/m

/**
 * Changes the description of one action (the first action of the first pack), a different text on
 * every call, so a re-compile has exactly one changed component. Returns the file it rewrote.
 */
export const mutateOneAction = (dir: string): string => {
  const firstPack = readdirSync(dir).filter((name) => !name.startsWith(".")).sort()[0]
  if (firstPack === undefined) throw new Error(`no packs under ${dir}`)
  const actionsDir = join(dir, firstPack, "actions")
  const firstAction = readdirSync(actionsDir).filter((name) => name.endsWith(".yaml")).sort()[0]
  if (firstAction === undefined) throw new Error(`no action YAML under ${actionsDir}`)
  const file = join(actionsDir, firstAction)
  const text = readFileSync(file, "utf8")
  const match = DESCRIPTION_LINE.exec(text)
  if (match === null) throw new Error(`no description line in ${file}`)
  const revision = Number(match[2] ?? "0") + 1
  writeFileSync(file, text.replace(DESCRIPTION_LINE, `description: ${q(`${match[1]} (rev ${revision})`)}`))
  return file
}

// `node --import tsx bench/workspace.ts <dir> [packs] [actionsPerPack]`
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [dir, packs, actions] = process.argv.slice(2)
  if (dir === undefined) {
    console.error("usage: workspace.ts <dir> [packs] [actionsPerPack]")
    process.exit(2)
  }
  const stats = generateWorkspace(dir, {
    ...(packs !== undefined ? { packs: Number(packs) } : {}),
    ...(actions !== undefined ? { actionsPerPack: Number(actions) } : {}),
  })
  console.log(`${stats.files} files, ${stats.bytes} bytes in ${dir}`)
}
