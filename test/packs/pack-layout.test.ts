import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { parseDocument } from "yaml"
import { describe, expect, it } from "vitest"
import { CORE_PACK, MON_PACK, componentsOf, filesUnder, readYaml, run, which } from "./support.js"

type Doc = Record<string, unknown>

const PACKS = { core: CORE_PACK, mon: MON_PACK } as const
const qualify = (pack: string, ref: string): string => (ref.includes(".") ? ref : `${pack}.${ref}`)
const refsIn = (pack: string, folder: string): Set<string> =>
  new Set(componentsOf(pack, folder).map(([, doc]) => String(doc["ref"])))

describe.each(Object.entries(PACKS))("pack %s", (packRef, pack) => {
  it("parses every YAML file without errors or warnings", () => {
    const files = filesUnder(pack, ".yaml")
    expect(files.length).toBeGreaterThan(5)
    for (const file of files) {
      const doc = parseDocument(readFileSync(join(pack, file), "utf8"), { uniqueKeys: true })
      expect({ file, errors: doc.errors.map(String), warnings: doc.warnings.map(String) }).toEqual({
        file,
        errors: [],
        warnings: [],
      })
    }
  })

  it("has a pack.yaml with ref, semver version and flat conf_schema", () => {
    const manifest = readYaml(join(pack, "pack.yaml"))
    expect(manifest["ref"]).toBe(packRef)
    expect(manifest["version"]).toMatch(/^\d+\.\d+\.\d+$/)
    const confSchema = manifest["conf_schema"] as Record<string, Doc>
    expect(confSchema["type"]).toBeUndefined()
    for (const field of Object.values(confSchema)) expect(typeof field["type"]).toBe("string")
  })

  it.each(["actions", "triggers", "sensors", "rules", "runtimes", "permission_sets", "queues"])(
    "names every %s component <pack>.<name>",
    (folder) => {
      for (const [file, doc] of componentsOf(pack, folder)) {
        expect({ file, ref: doc["ref"] }).toEqual({ file, ref: expect.stringMatching(new RegExp(`^${packRef}\\.[a-z0-9][a-z0-9_-]*$`)) })
      }
    },
  )

  it("has every action entry point or workflow file, executable", () => {
    const actions = componentsOf(pack, "actions")
    expect(actions.length).toBeGreaterThan(0)
    for (const [file, action] of actions) {
      const target = action["workflow_file"] ?? action["entry_point"]
      expect({ file, target: typeof target }).toEqual({ file, target: "string" })
      const path = join(pack, "actions", String(target))
      expect({ file, exists: existsSync(path) }).toEqual({ file, exists: true })
      if (action["workflow_file"] === undefined) {
        expect({ file, executable: (statSync(path).mode & 0o111) !== 0 }).toEqual({ file, executable: true })
        expect(action).toMatchObject({ parameter_delivery: "stdin" })
        expect(["dotenv", "json", "yaml"]).toContain(action["parameter_format"])
        expect(["text", "json", "yaml", "jsonl"]).toContain(action["output_format"])
      }
    }
  })

  it("has every sensor entry point, and sensors name triggers that exist", () => {
    const triggers = refsIn(pack, "triggers")
    for (const [file, sensor] of componentsOf(pack, "sensors")) {
      const path = join(pack, "sensors", String(sensor["entry_point"]))
      expect({ file, exists: existsSync(path) }).toEqual({ file, exists: true })
      for (const trigger of sensor["trigger_types"] as Array<string>) {
        expect(triggers.has(qualify(packRef, trigger))).toBe(true)
      }
    }
  })

  it("has scripts that at least compile", async () => {
    for (const script of filesUnder(pack, ".py")) {
      const result = await run(["python3", "-m", "py_compile", script], {
        cwd: pack,
        env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONPYCACHEPREFIX: "/tmp/packsmith-pycache" },
      })
      expect({ script, code: result.code, stderr: result.stderr }).toEqual({ script, code: 0, stderr: "" })
    }
    for (const script of filesUnder(pack, ".sh")) {
      const result = await run(["sh", "-n", script], { cwd: pack })
      expect({ script, code: result.code, stderr: result.stderr }).toEqual({ script, code: 0, stderr: "" })
    }
  })
})

describe("core pack", () => {
  const runtimes = new Map(componentsOf(CORE_PACK, "runtimes").map(([, doc]) => [String(doc["ref"]), doc]))

  it("ships the core runtimes", () => {
    expect([...runtimes.keys()].sort()).toEqual(
      ["core.go", "core.java", "core.native", "core.nodejs", "core.perl", "core.python", "core.r", "core.ruby", "core.shell"],
    )
    for (const runtime of runtimes.values()) {
      expect(runtime["pack_ref"]).toBe("core")
      expect((runtime["aliases"] as Array<string>).length).toBeGreaterThan(0)
      expect(runtime["distributions"]).toBeDefined()
    }
  })

  it.each([
    ["core.python", ["3.11", "3.12", "3.13"], "3.12"],
    ["core.nodejs", ["18", "20", "22"], "20"],
  ])("%s has versions %j with %s as default, each a complete execution_config", (ref, versions, fallback) => {
    const entries = runtimes.get(ref)!["versions"] as Array<Doc>
    expect(entries.map((entry) => entry["version"])).toEqual(versions)
    expect(entries.filter((entry) => entry["is_default"] === true).map((entry) => entry["version"])).toEqual([fallback])
    for (const entry of entries) {
      const config = entry["execution_config"] as Doc
      expect(Object.keys(config).sort()).toEqual(["dependencies", "env_vars", "environment", "interpreter"])
    }
  })

  it("never hides dependency install failures", () => {
    const installs = [...runtimes.values()].flatMap((runtime) => {
      const configs = [runtime["execution_config"], ...((runtime["versions"] as Array<Doc> | undefined) ?? []).map((v) => v["execution_config"])]
      return configs.map((config) => JSON.stringify(((config as Doc | undefined)?.["dependencies"] as Doc | undefined)?.["install_command"] ?? []))
    })
    for (const install of installs) {
      expect(install).not.toContain("|| true")
      expect(install).not.toContain("/dev/null")
    }
  })

  it("uses only the documented template variables", () => {
    const text = filesUnder(join(CORE_PACK, "runtimes"), ".yaml")
      .map((file) => readFileSync(join(CORE_PACK, "runtimes", file), "utf8"))
      .join("\n")
    const used = new Set([...text.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1]))
    expect([...used].sort()).toEqual(["env_dir", "interpreter", "manifest_path", "pack_dir"])
  })

  // Only probes binaries present on this host; a pattern that does not match real output is a bug.
  it("has verification patterns that match the real output of installed interpreters", () => {
    let probed = 0
    for (const runtime of runtimes.values()) {
      const verification = (runtime["distributions"] as Doc)["verification"] as Doc
      for (const command of (verification["commands"] as Array<Doc> | undefined) ?? []) {
        const binary = String(command["binary"])
        if (which(binary) === undefined) continue
        const result = spawnSync(binary, (command["args"] as Array<string>) ?? [], { encoding: "utf8", timeout: 20_000 })
        const output = `${result.stdout}${result.stderr}`
        expect({ binary, status: result.status }).toEqual({ binary, status: command["exit_code"] ?? 0 })
        expect({ binary, matches: new RegExp(String(command["pattern"])).test(output) }).toEqual({ binary, matches: true })
        probed += 1
      }
    }
    expect(probed).toBeGreaterThanOrEqual(2)
  })

  it("versions of the host's python3 and node are recognised by exactly one version entry", () => {
    for (const [ref, binary] of [["core.python", "python3"], ["core.nodejs", "node"]] as const) {
      const output = spawnSync(binary, ["--version"], { encoding: "utf8" })
      const text = `${output.stdout}${output.stderr}`
      const matching = (runtimes.get(ref)!["versions"] as Array<Doc>).filter((version) => {
        const commands = ((version["distributions"] as Doc)["verification"] as Doc)["commands"] as Array<Doc>
        return commands.some((command) => new RegExp(String(command["pattern"])).test(text))
      })
      expect(matching.length).toBeLessThanOrEqual(1)
    }
  })

  it("declares the parameter contracts of its actions", () => {
    const actions = new Map(componentsOf(CORE_PACK, "actions").map(([, doc]) => [String(doc["ref"]), doc]))
    expect([...actions.keys()].sort()).toEqual(["core.echo", "core.http_request", "core.noop", "core.sleep"])
    expect(actions.get("core.echo")).toMatchObject({
      runner_type: "shell",
      parameter_format: "dotenv",
      parameters: { message: { type: "string", required: true } },
    })
    expect(actions.get("core.sleep")).toMatchObject({
      parameter_format: "dotenv",
      parameters: { seconds: { type: "integer", default: 1, minimum: 0, maximum: 3600 } },
    })
    expect(actions.get("core.http_request")).toMatchObject({
      runner_type: "python",
      parameter_format: "json",
      output_format: "json",
      parameters: {
        url: { type: "string", required: true },
        method: { default: "GET", enum: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] },
        headers: { type: "object" },
        body: { type: "string" },
        json_body: { type: "object" },
        timeout: { type: "integer", default: 30 },
        verify_ssl: { type: "boolean", default: true },
        auth_token: { secret: true },
      },
    })
    expect(Object.keys(actions.get("core.http_request")!["output_schema"] as Doc).sort()).toEqual(
      ["body", "elapsed_ms", "headers", "json", "status_code", "success", "url"],
    )
  })

  it("gives every trigger a type, flat parameters and a flat output", () => {
    const triggers = new Map(componentsOf(CORE_PACK, "triggers").map(([, doc]) => [String(doc["ref"]), doc]))
    expect(Object.fromEntries([...triggers].map(([ref, doc]) => [ref, doc["type"]]))).toEqual({
      "core.crontimer": "cron",
      "core.datetimetimer": "one_shot",
      "core.intervaltimer": "interval",
    })
    for (const trigger of triggers.values()) {
      expect((trigger["parameters"] as Doc)["properties"]).toBeUndefined()
      expect(((trigger["output"] as Doc)["type"] as Doc)["type"]).toBe("string")
    }
  })

  it("has a scarab agent manifest and a runtime profile over core.python", () => {
    const agents = componentsOf(CORE_PACK, "agents")
    expect(agents[0]![1]).toMatchObject({ apiVersion: "scarab/v1", kind: "AgentManifest", metadata: { version: "1.0.0" } })
    const profiles = componentsOf(CORE_PACK, "profiles")
    expect(profiles[0]![1]).toMatchObject({ runtime: "core.python" })
  })
})

describe("attune-compat fixture (mon)", () => {
  const actions = new Set([...refsIn(MON_PACK, "actions"), ...refsIn(CORE_PACK, "actions"), "core.ask"])
  const triggers = new Set([...refsIn(MON_PACK, "triggers"), ...refsIn(CORE_PACK, "triggers")])
  const runtimes = new Set([...refsIn(MON_PACK, "runtimes"), ...refsIn(CORE_PACK, "runtimes")])

  it("references only actions and tasks that exist in its workflow graph", () => {
    const graph = readYaml(join(MON_PACK, "actions", "workflows", "remediate.workflow.yaml"))
    const tasks = graph["tasks"] as Array<Doc>
    const names = new Set(tasks.map((task) => String(task["name"])))
    for (const task of tasks) {
      expect({ task: task["name"], action: actions.has(String(task["action"])) }).toEqual({ task: task["name"], action: true })
      for (const transition of (task["next"] as Array<Doc> | undefined) ?? []) {
        for (const target of transition["do"] as Array<string>) expect(names.has(target)).toBe(true)
      }
    }
    expect(Object.keys(graph).sort()).toEqual(["output_map", "tasks", "vars", "version"])
  })

  it("has rules whose trigger and action resolve, in all three condition formats", () => {
    const rules = componentsOf(MON_PACK, "rules").map(([, rule]) => rule)
    for (const rule of rules) {
      expect(triggers.has(qualify("mon", String(rule["trigger_ref"])))).toBe(true)
      expect(actions.has(qualify("mon", String(rule["action_ref"])))).toBe(true)
    }
    const shapes = rules.map((rule) => {
      const conditions = rule["conditions"]
      if (Array.isArray(conditions)) return conditions.length === 0 ? "empty" : "legacy"
      if (conditions !== null && typeof conditions === "object" && "expression" in conditions) return "expression"
      return Object.keys(conditions as Doc).length === 0 ? "empty" : "other"
    })
    expect(new Set(shapes)).toEqual(new Set(["expression", "legacy", "empty"]))
  })

  it("runs actions on runtimes that exist", () => {
    for (const [file, action] of componentsOf(MON_PACK, "actions")) {
      const runner = action["runner_type"]
      if (typeof runner === "string" && runner.includes(".")) expect({ file, known: runtimes.has(runner) }).toEqual({ file, known: true })
    }
  })

  it("passes its own pack tests", async () => {
    const manifest = readYaml(join(MON_PACK, "pack.yaml"))
    const runner = ((manifest["testing"] as Doc)["runners"] as Record<string, Doc>)["shell"]!
    const result = await run(["sh", String(runner["entry_point"])], { cwd: MON_PACK })
    expect(result.stdout).toMatch(/\d+ passed, 0 failed/)
    expect(result.code).toBe(0)
  })
})
