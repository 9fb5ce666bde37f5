/**
 * The registry commands as a user runs them (the built CLI), against an embedded database in a temporary
 * PACKSMITH_DATA_DIR: pack register/list/show, action list/show, bundle list, runtime list, start.
 */
import { execFile } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { type CliResult, REPO } from "./run.js"

/**
 * `runCli` without blocking: these commands open a database, and a long run of synchronous spawns starves
 * the test worker's own messaging.
 */
const runCli = (args: ReadonlyArray<string>, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> => {
  if (!existsSync(path.join(REPO, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)")
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO, "bin/packsmith.js"), ...args], {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null
      resolve({ code, stdout, stderr })
    })
  })
}

const EVERY_KIND = path.join(REPO, "test/compiler/fixtures/every-kind")
const DIGEST = /sha256:[0-9a-f]{64}/

const tmp = () => mkdtempSync(path.join(tmpdir(), "packsmith-cli-registry-"))

describe("packsmith registry commands (embedded database)", () => {
  const root = tmp()
  // DATABASE_URL is cleared so the embedded database is used even when the suite runs against PostgreSQL.
  const env = { PACKSMITH_DATA_DIR: path.join(root, "data"), DATABASE_URL: "" }
  const cli = (...args: Array<string>) => runCli(args, { cwd: root, env })
  let digest = ""

  beforeAll(async () => {
    const first = await cli("pack", "register", EVERY_KIND)
    expect(first.stderr).toContain("wrote revision 1")
    expect(first.code).toBe(0)
    digest = DIGEST.exec(first.stdout)?.[0] ?? ""
  }, 120_000)

  it("pack register compiles a directory, registers it and reports what changed; again it is unchanged", async () => {
    expect(digest).toMatch(DIGEST)
    const again = await cli("pack", "register", EVERY_KIND)
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe(`unchanged workspace default revision 1 (${digest})`)
    expect(again.stderr).toContain("warning PS4004")
    expect(again.stderr).toContain(`nothing to write`)
    expect(again.stderr).toContain(`(database ${env.PACKSMITH_DATA_DIR})`)
  })

  it("pack register --json prints { ok, workspace, revision, digest, unchanged, database, counts, diagnostics }", async () => {
    const r = await cli("pack", "register", EVERY_KIND, "--json")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as Record<string, any>
    expect(Object.keys(doc).sort()).toEqual(["counts", "database", "diagnostics", "digest", "ok", "revision", "unchanged", "workspace"])
    expect(doc).toMatchObject({ ok: true, workspace: "default", revision: 1, digest, unchanged: true })
    expect(doc["counts"]["actions"]).toEqual({ added: 0, updated: 0, removed: 0 })
    expect(doc["diagnostics"].map((d: { code: string }) => d.code)).toContain("PS4004")
  })

  it("pack list prints a table, and --json a stable document", async () => {
    const table = await cli("pack", "list")
    expect(table.code).toBe(0)
    const lines = table.stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^PACK\s+VERSION\s+REVISION\s+ACTIONS\s+RUNTIMES\s+TRIGGERS\s+SENSORS\s+RULES\s+LABEL$/)
    expect(lines[1]).toMatch(/^core\s+1\.0\.0\s+1\s+4\s+4\s+2\s+1\s+0\s+/)
    expect(lines[2]).toMatch(/^ops\s+0\.2\.0\s+1\s+3\s+0\s+1\s+1\s+3\s+Ops$/)
    const json = JSON.parse((await cli("pack", "list", "--json")).stdout) as { workspace: string; packs: Array<Record<string, unknown>> }
    expect(json.workspace).toBe("default")
    expect(json.packs.map((p) => p["ref"])).toEqual(["core", "ops"])
    expect(Object.keys(json.packs[0]!).sort()).toEqual(
      ["adhoc", "counts", "created_at", "description", "digest", "label", "ref", "revision", "updated_at", "version"],
    )
    expect(json.packs[1]).toMatchObject({ ref: "ops", version: "0.2.0", adhoc: false, revision: 1, digest })
    expect(json.packs[1]!["counts"]).toMatchObject({ actions: 3, rules: 3, workflows: 2, profiles: 1, agents: 1, queues: 1 })
  })

  it("pack show lists components by kind; --json carries the manifest", async () => {
    const human = await cli("pack", "show", "ops")
    expect(human.code).toBe(0)
    expect(human.stdout).toContain("pack       ops 0.2.0")
    expect(human.stdout).toContain(`source     revision 1 (${digest})`)
    expect(human.stdout).toMatch(/rules \(3\)\n {2}ops\.every_minute\n {2}ops\.nightly_cron\n {2}ops\.page_on_disk/)
    const json = JSON.parse((await cli("pack", "show", "ops", "--json")).stdout) as Record<string, any>
    expect(Object.keys(json).sort()).toEqual(["components", "pack", "workspace"])
    expect(json["pack"]["manifest"]["ref"]).toBe("ops")
    expect(json["components"]["actions"]).toEqual(["ops.deploy", "ops.deploy_region", "ops.nightly"])
  })

  it("action list filters by pack; action show explains one action", async () => {
    const list = await cli("action", "list", "--pack", "ops")
    expect(list.code).toBe(0)
    expect(list.stdout.trim().split("\n").map((line) => line.split(/\s+/)[0])).toEqual(
      ["ACTION", "ops.deploy", "ops.deploy_region", "ops.nightly"],
    )
    expect(list.stdout).toMatch(/ops\.deploy\s+workflow ops\.deploy\s+yes\s+Deploy/)
    const all = JSON.parse((await cli("action", "list", "--json")).stdout) as { actions: Array<Record<string, unknown>> }
    expect(all.actions).toHaveLength(7)
    expect(Object.keys(all.actions[0]!).sort()).toEqual(
      ["adhoc", "description", "enabled", "entry_point", "label", "pack", "ref", "runtime", "updated_at", "workflow"],
    )
    const show = await cli("action", "show", "ops.deploy_region")
    expect(show.code).toBe(0)
    expect(show.stdout).toContain("runs with   core.shell")
    expect(show.stdout).toContain("entry point deploy_region.sh")
    expect(show.stdout).toMatch(/parameters \(\* required\)\n {2}region\* {2}string/)
    const json = JSON.parse((await cli("action", "show", "core.echo", "--json")).stdout) as { action: Record<string, any> }
    expect(json.action).toMatchObject({ ref: "core.echo", pack: "core", runtime: "core.shell", adhoc: false })
    expect(json.action["definition"]["ref"]).toBe("core.echo")
  })

  it("a missing ref exits 1 with a did-you-mean", async () => {
    const action = await cli("action", "show", "core.ecoh")
    expect(action.code).toBe(1)
    expect(action.stderr.trim()).toBe("packsmith: action core.ecoh not found in workspace default; did you mean core.echo?")
    expect(action.stdout).toBe("")
    const pack = await cli("pack", "show", "opz")
    expect(pack.code).toBe(1)
    expect(pack.stderr).toContain("did you mean ops?")
    const workspace = await cli("pack", "list", "--workspace", "defualt")
    expect(workspace.code).toBe(1)
    expect(workspace.stderr).toContain("workspace defualt not found; did you mean default?")
    const filtered = await cli("action", "list", "--pack", "nope")
    expect(filtered.code).toBe(1)
    expect(filtered.stderr).toContain("pack nope not found")
  })

  it("bundle list and runtime list read the registry", async () => {
    const bundles = await cli("bundle", "list")
    expect(bundles.code).toBe(0)
    expect(bundles.stdout.trim()).toMatch(new RegExp(`^REVISION\\s+DIGEST\\s+CREATED\\s+PACKS\\s+ACTIONS\\s+RUNTIMES\\s+FILES\\n1\\s+${digest.slice(0, 19)}\\s+\\S+\\s+2\\s+7\\s+4\\s+4$`))
    const json = JSON.parse((await cli("bundle", "list", "--json")).stdout) as { bundles: Array<Record<string, any>> }
    expect(json.bundles).toHaveLength(1)
    expect(json.bundles[0]).toMatchObject({ revision: 1, digest, packs: 2, files: 4 })
    expect(json.bundles[0]!["counts"]).toMatchObject({ actions: 7, runtimes: 4 })
    const runtimes = await cli("runtime", "list")
    expect(runtimes.code).toBe(0)
    expect(runtimes.stdout).toMatch(/core\.python\s+core\s+Python\s+python, python3\s+3\.11, 3\.12\*/)
    const runtimeJson = JSON.parse((await cli("runtime", "list", "--json")).stdout) as { runtimes: Array<Record<string, any>> }
    expect(runtimeJson.runtimes.map((r) => r["ref"])).toEqual(["core.native", "core.nodejs", "core.python", "core.shell"])
  })

  it("registers a bundle file into another workspace", async () => {
    const file = path.join(root, "bundle.json")
    const compiled = await runCli(["compile", EVERY_KIND, "-o", file], { cwd: root, env })
    expect(compiled.code).toBe(0)
    const r = await cli("pack", "register", file, "--workspace", "files")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`registered workspace files revision 1 (${digest})`)
    expect((await cli("pack", "list", "--workspace", "files")).stdout).toMatch(/^ops\s/m)
    const truncated = path.join(root, "truncated.json")
    writeFileSync(truncated, "{\"format\": \"packsmith.bundle/v1\", \"digest\"")
    const bad = await cli("pack", "register", truncated, "--workspace", "files")
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("not a complete JSON document")
    const missing = await cli("pack", "register", path.join(root, "nothing-here"))
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("no such file or directory")
  })

  it("a directory that does not compile is refused with its diagnostics", async () => {
    const broken = path.join(root, "broken")
    mkdirSync(path.join(broken, "demo"), { recursive: true })
    writeFileSync(path.join(broken, "demo/pack.yaml"), "ref: demo\nversion: 1.0.0\nlable: Demo\n")
    const r = await cli("pack", "register", broken, "--workspace", "broken")
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("PS2001")
    expect(r.stderr).toContain("do not compile")
  })

  it("an unreachable database exits 3 and never prints the password", async () => {
    const r = await runCli(["pack", "list", "--db", "postgres://registry:hunter2@127.0.0.1:1/packsmith"], { cwd: root, env })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain("cannot connect to PostgreSQL at postgres://registry:***@127.0.0.1:1/packsmith")
    expect(r.stderr).toContain("Is PostgreSQL running")
    expect(r.stdout + r.stderr).not.toContain("hunter2")
    const fromEnv = await runCli(["action", "list"], { cwd: root, env: { ...env, DATABASE_URL: "postgresql://u:hunter2@127.0.0.1:1/x" } })
    expect(fromEnv.code).toBe(3)
    expect(fromEnv.stdout + fromEnv.stderr).not.toContain("hunter2")
  })
})

describe("packsmith start", () => {
  it("compiles ./packs and registers the bundle, then reports it unchanged", async () => {
    const root = tmp()
    cpSync(path.join(REPO, "packs/core"), path.join(root, "packs/core"), { recursive: true })
    // Neither variable set: the defaults (.packsmith/data under the working directory) are what is tested.
    const env = { PACKSMITH_DATA_DIR: undefined, DATABASE_URL: undefined }
    const first = await runCli(["start"], { cwd: root, env })
    expect(first.code).toBe(0)
    const digest = /^digest (sha256:[0-9a-f]{64})$/m.exec(first.stdout)?.[1]
    expect(digest).toBeDefined()
    expect(first.stdout).toContain(`registered workspace default revision 1 (${digest})`)
    const second = await runCli(["start"], { cwd: root, env })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain(`unchanged workspace default revision 1 (${digest})`)
    const listed = await runCli(["pack", "list"], { cwd: root, env })
    expect(listed.stdout).toMatch(/^core\s/m)
  }, 120_000)
})
