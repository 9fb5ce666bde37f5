/**
 * One small workspace and one compiler per fuzz suite (so garbage also goes through the compiler's caches),
 * a file written per run, and the invariants every report must keep whatever the input.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Cause, Chunk, Effect, Exit, ManagedRuntime, Option } from "effect"
import fc from "fast-check"
import { expect } from "vitest"
import { ALL_CODES, CODES } from "../../src/compiler/codes.js"
import { CompileFailed, PackCompiler, type CompileReport } from "../../src/compiler/index.js"
import type { Diagnostic } from "../../src/domain/Diagnostic.js"
import { FILE_KINDS, type FileKind } from "../../src/domain/FileKinds.js"

/** Where a file of each kind goes in pack `p`. */
export const KIND_FILES: Readonly<Record<FileKind, string>> = {
  pack: "p/pack.yaml",
  runtime: "p/runtimes/f.yaml",
  action: "p/actions/f.yaml",
  workflow: "p/actions/workflows/f.workflow.yaml",
  trigger: "p/triggers/f.yaml",
  sensor: "p/sensors/f.yaml",
  rule: "p/rules/f.yaml",
  profile: "p/profiles/f.yaml",
  agent: "p/agents/f.yaml",
  permission_set: "p/permission_sets/f.yaml",
  queue: "p/queues/f.yaml",
}

export const kindArb: fc.Arbitrary<FileKind> = fc.constantFrom(...FILE_KINDS)

const PACK_YAML = 'ref: p\nversion: "1.0.0"\n'

/** A valid file of every kind, each self-contained in pack `p` (with hello.sh, p.hello and p.shell). */
export const VALID_FILES: Readonly<Record<FileKind, string>> = {
  pack: 'ref: p\nversion: "1.0.0"\nconf_schema:\n  region: {type: string, default: eu}\nconfig:\n  region: us\n',
  runtime: "ref: p.lua\nname: Lua\naliases: [lua]\nexecution_config:\n  interpreter: {binary: lua, args: [], file_extension: .lua}\n",
  action: "ref: p.f\nentry_point: hello.sh\nparameters:\n  who: {type: string, default: world, position: 0}\n  n: {type: integer, minimum: 1, default: 2}\n",
  workflow: "ref: p.flow\ntasks:\n  - name: one\n    action: hello\n    input: {name: '{{ parameters.x }}'}\n    next: [{do: two}]\n  - name: two\n    action: hello\n    input: {name: b}\n",
  trigger: "ref: p.f\nparameters:\n  path: {type: string, required: true}\noutput:\n  size: {type: integer}\n",
  sensor: "ref: p.f\nrunner_type: shell\nentry_point: watch.sh\ntrigger_types: [p.tick]\npoll_interval: 5\n",
  rule: "ref: p.f\ntrigger_ref: tick\naction_ref: hello\naction_params: {name: '{{ event.payload.x }}'}\nconditions: [{field: x, operator: equals, value: 1}]\n",
  profile: "ref: p.f\nruntime: shell\ncommand_name: bash\nfixed_args: [-e]\nenv: {LANG: C.UTF-8}\n",
  agent: "apiVersion: scarab/v1\nkind: AgentManifest\nmetadata: {name: f, version: 1.0.0}\nspec:\n  trust_level: sandboxed\n  capabilities: [fs.read, tool.invoke:p.hello]\n  network: {policy: allowlist, allowlist: ['api.example.com:443']}\n",
  permission_set: "ref: p.f\ngrants:\n  - {resource: actions, verbs: [read]}\n",
  queue: "ref: p.f\ndispatch_action: hello\nitem_schema:\n  id: {type: string, required: true}\naction_params: {name: '{{ item.id }}'}\n",
}

const BASE: Readonly<Record<string, string>> = {
  "p/pack.yaml": PACK_YAML,
  "p/runtimes/shell.yaml": "ref: p.shell\nname: Shell\naliases: [shell, bash, sh]\n",
  "p/actions/hello.yaml": "ref: p.hello\nentry_point: hello.sh\nparameters:\n  name: {type: string, required: true}\n",
  "p/actions/hello.sh": "#!/bin/sh\necho hello\n",
  "p/sensors/watch.sh": "#!/bin/sh\nsleep 1\n",
  "p/triggers/tick.yaml": "ref: p.tick\n",
}

export interface Validated {
  readonly report: CompileReport
  /** Diagnostics about the fuzzed file, its path relative to the workspace. */
  readonly about: (rel: string) => ReadonlyArray<Diagnostic>
}

export class FuzzWorkspace {
  readonly root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-fuzz-")))
  private readonly runtime = ManagedRuntime.make(PackCompiler.Default)
  private written: Array<string> = []

  constructor() {
    for (const [rel, content] of Object.entries(BASE)) this.put(rel, content)
    this.written = []
  }

  private put(rel: string, content: string | Uint8Array): void {
    const abs = path.join(this.root, rel)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.writeFileSync(abs, content)
  }

  /** Writes the run's files; the previous run's files are removed (base files restored). */
  write(files: Readonly<Record<string, string | Uint8Array>>): void {
    for (const rel of this.written) {
      const base = BASE[rel]
      if (base !== undefined) this.put(rel, base)
      else fs.rmSync(path.join(this.root, rel), { force: true })
    }
    this.written = Object.keys(files)
    for (const [rel, content] of Object.entries(files)) this.put(rel, content)
  }

  abs(rel: string): string {
    return path.join(this.root, rel)
  }

  /** validate, bounded in time, with every report invariant checked. */
  async validate(): Promise<Validated> {
    const outcome = await this.runtime.runPromise(
      Effect.flatMap(PackCompiler, (c) => c.validate([this.root])).pipe(Effect.timeoutOption("10 seconds")),
    )
    expect(Option.isSome(outcome), "validate did not finish within 10 seconds").toBe(true)
    const report = Option.getOrThrow(outcome)
    assertWellFormed(this.root, report.diagnostics)
    return {
      report,
      about: (rel) => report.diagnostics.filter((d) => path.resolve(this.root, d.file) === this.abs(rel)),
    }
  }

  /** compile fails only with CompileFailed, and exactly when validate reports an error. */
  async compileAgrees(report: CompileReport): Promise<void> {
    const exit = await this.runtime.runPromiseExit(
      Effect.flatMap(PackCompiler, (c) => c.compile([this.root], { sourceRoot: "fuzz" })).pipe(Effect.timeoutOption("10 seconds")),
    )
    if (Exit.isSuccess(exit)) {
      expect(Option.isSome(exit.value), "compile did not finish within 10 seconds").toBe(true)
      expect(report.diagnostics.filter((d) => d.severity === "error")).toEqual([])
      return
    }
    expect(Chunk.toArray(Cause.defects(exit.cause))).toEqual([])
    expect(Cause.isInterrupted(exit.cause)).toBe(false)
    const failures = Chunk.toArray(Cause.failures(exit.cause))
    expect(failures.length).toBe(1)
    expect(failures[0]).toBeInstanceOf(CompileFailed)
    expect((failures[0] as CompileFailed).diagnostics.some((d) => d.severity === "error")).toBe(true)
  }

  async dispose(): Promise<void> {
    await this.runtime.dispose()
    fs.rmSync(this.root, { recursive: true, force: true })
  }
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ALL_CODES)

/** Lines as YAML counts them (CRLF, CR and LF each end one). */
export const linesOf = (text: string): Array<string> => text.split(/\r\n|\r|\n/)

/**
 * Every diagnostic has a known code with its documented severity, is never an internal error, and points
 * into a file of the workspace at a line and column that exist in that file.
 */
export const assertWellFormed = (root: string, diagnostics: ReadonlyArray<Diagnostic>, packs: ReadonlyArray<string> = ["p"]): void => {
  // Each file is read once, however many diagnostics it has (a file may have a hundred thousand).
  const linesOfFile = new Map<string, ReadonlyArray<string> | undefined>()
  const fileLines = (abs: string): ReadonlyArray<string> | undefined => {
    if (!linesOfFile.has(abs)) {
      const stat = fs.statSync(abs, { throwIfNoEntry: false })
      linesOfFile.set(abs, stat?.isFile() !== true || stat.size > 1024 * 1024 ? undefined : linesOf(fs.readFileSync(abs, "utf8")))
    }
    return linesOfFile.get(abs)
  }
  for (const d of diagnostics) {
    const where = `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`
    expect(KNOWN_CODES.has(d.code), where).toBe(true)
    expect(d.code, where).not.toBe("PS5003")
    expect(d.severity, where).toBe(CODES[d.code as keyof typeof CODES].severity)
    const abs = path.resolve(root, d.file)
    const rel = path.relative(root, abs)
    expect(rel.startsWith("..") || path.isAbsolute(rel), where).toBe(false)
    expect(packs, where).toContain(rel.split(path.sep)[0])
    expect(Number.isInteger(d.line) && d.line >= 1, where).toBe(true)
    expect(Number.isInteger(d.column) && d.column >= 1, where).toBe(true)
    const lines = fileLines(abs)
    if (lines === undefined) continue
    expect(d.line, where).toBeLessThanOrEqual(lines.length)
    expect(d.column, where).toBeLessThanOrEqual((lines[d.line - 1] ?? "").length + 1)
  }
}

/** Per-property budget: runs stop (without failing) once it is spent, so the suite stays fast. */
export const budget = (numRuns: number, ms = 5_000): fc.Parameters<unknown> => ({
  numRuns,
  plugins: [fc.interruptAfterTimeLimit(ms)],
})
