import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, cpSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { REPO, runCli } from "./run.js"

const tmp = () => mkdtempSync(path.join(tmpdir(), "packsmith-cli-"))

const writeBadPack = (root: string) => {
  mkdirSync(path.join(root, "demo/actions"), { recursive: true })
  writeFileSync(path.join(root, "demo/pack.yaml"), "ref: demo\nversion: 1.0.0\nlable: Demo\n")
  writeFileSync(path.join(root, "demo/actions/hi.yaml"), [
    "ref: demo.hi",
    "runner_type: shell",
    "entry_point: hi.sh",
    "parameters:",
    "  b: {type: integer, default: \"x\"}",
    "",
  ].join("\n"))
}

describe("packsmith validate", () => {
  it("exits 0 on the core pack and the Attune-format fixture", () => {
    const r = runCli(["validate", "packs", "test/fixtures/attune-compat"])
    expect(r.stdout).toContain("2 packs")
    expect(r.stdout).toContain("0 errors")
    expect(r.code).toBe(0)
  })

  it("reports every error as file:line:col with a code and a hint, and exits 1", () => {
    const root = tmp()
    writeBadPack(root)
    const r = runCli(["validate", root], { cwd: root })
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/demo\/pack\.yaml:3:1 {2}error PS2001 {2}unknown key "lable"/)
    expect(r.stdout).toContain('hint: did you mean "label"?')
    expect(r.stdout).toMatch(/demo\/actions\/hi\.yaml:5:\d+ {2}error PS4007/)
    expect(r.stdout).toMatch(/demo\/actions\/hi\.yaml:3:\d+ {2}error PS4001/)
  })

  it("prints a stable JSON document with --json", () => {
    const root = tmp()
    writeBadPack(root)
    const r = runCli(["validate", root, "--json"], { cwd: root })
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout) as { ok: boolean; errors: number; diagnostics: Array<Record<string, unknown>> }
    expect(doc.ok).toBe(false)
    expect(doc.errors).toBe(doc.diagnostics.filter((d) => d.severity === "error").length)
    const unknownKey = doc.diagnostics.find((d) => d.code === "PS2001")
    expect(unknownKey).toMatchObject({ file: "demo/pack.yaml", line: 3, column: 1, pointer: "/lable", hint: 'did you mean "label"?' })
    for (const d of doc.diagnostics) expect(Object.keys(d).sort()).toEqual(["code", "column", "file", "hint", "line", "message", "pointer", "severity"])
  })

  it("fails warnings only with --strict", () => {
    const root = tmp()
    cpSync(path.join(REPO, "packs/core"), path.join(root, "core"), { recursive: true })
    // A native action naming a host binary is a warning (resolved on the worker).
    writeFileSync(path.join(root, "core/actions/uname.yaml"), "ref: core.uname\nrunner_type: native\nentry_point: uname\n")
    const lenient = runCli(["validate", root])
    expect(lenient.stdout).toContain("1 warning")
    expect(lenient.code).toBe(0)
    expect(runCli(["validate", root, "--strict"]).code).toBe(1)
  })
})

describe("packsmith compile and bundle", () => {
  it("writes a bundle whose digest inspect verifies, and the same sources give the same digest", () => {
    const dir = tmp()
    const a = runCli(["compile", "packs", "-o", path.join(dir, "a.json")])
    expect(a.code).toBe(0)
    const digest = a.stdout.trim()
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const b = runCli(["compile", "packs", "-o", path.join(dir, "b.json"), "--workspace", "other"])
    expect(b.stdout.trim()).toBe(digest)
    const inspect = runCli(["bundle", "inspect", path.join(dir, "a.json"), "--json"])
    expect(inspect.code).toBe(0)
    const summary = JSON.parse(inspect.stdout) as { digest: string; digest_verified: boolean; packs: Array<{ ref: string; counts: Record<string, number> }> }
    expect(summary.digest).toBe(digest)
    expect(summary.digest_verified).toBe(true)
    expect(summary.packs.map((p) => p.ref)).toEqual(["core"])
    expect(summary.packs[0]!.counts.actions).toBe(4)
    expect(summary.packs[0]!.counts.runtimes).toBe(9)
  })

  it("refuses a bundle whose body was altered, and one that is truncated", () => {
    const dir = tmp()
    const file = path.join(dir, "a.json")
    expect(runCli(["compile", "packs", "-o", file]).code).toBe(0)
    const text = readFileSync(file, "utf8")
    writeFileSync(path.join(dir, "tampered.json"), text.replace('"ref":"core.echo"', '"ref":"core.echoo"'))
    const tampered = runCli(["bundle", "inspect", path.join(dir, "tampered.json")])
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toContain("digest mismatch")
    writeFileSync(path.join(dir, "truncated.json"), text.slice(0, text.length / 2))
    const truncated = runCli(["bundle", "inspect", path.join(dir, "truncated.json")])
    expect(truncated.code).toBe(1)
    expect(truncated.stderr).toContain("truncated or corrupt")
  })

  it("diffs two bundles field by field", () => {
    const dir = tmp()
    cpSync(path.join(REPO, "packs/core"), path.join(dir, "src/core"), { recursive: true })
    expect(runCli(["compile", path.join(dir, "src"), "-o", path.join(dir, "before.json")]).code).toBe(0)
    const echo = path.join(dir, "src/core/actions/echo.yaml")
    writeFileSync(echo, readFileSync(echo, "utf8").replace(/^description: .*$/m, "description: Says it back"))
    expect(runCli(["compile", path.join(dir, "src"), "-o", path.join(dir, "after.json")]).code).toBe(0)
    const diff = runCli(["bundle", "diff", path.join(dir, "before.json"), path.join(dir, "after.json"), "--json"])
    expect(diff.code).toBe(0)
    const doc = JSON.parse(diff.stdout) as { added: unknown[]; removed: unknown[]; changed: Array<{ kind: string; ref: string; fields: Array<{ pointer: string; after: unknown }> }> }
    expect(doc.added).toEqual([])
    expect(doc.removed).toEqual([])
    expect(doc.changed).toEqual([{ kind: "actions", ref: "core.echo", fields: [expect.objectContaining({ pointer: "/description", after: "Says it back" })] }])
  })

  it("fails compile with exit 1 and writes nothing when a pack has errors", () => {
    const root = tmp()
    writeBadPack(root)
    const out = path.join(root, "bundle.json")
    const r = runCli(["compile", root, "-o", out])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("PS2001")
    expect(() => readFileSync(out)).toThrow()
  })
})

describe("packsmith schema and usage", () => {
  it("prints the JSON Schema of a file kind", () => {
    const r = runCli(["schema", "action"])
    expect(r.code).toBe(0)
    const schema = JSON.parse(r.stdout) as Record<string, unknown>
    expect(JSON.stringify(schema)).toContain("runner_type")
  })

  it("exits 2 on usage errors", () => {
    expect(runCli(["no-such-command"]).code).toBe(2)
    expect(runCli(["schema", "nonsense"]).code).toBe(2)
  })
})
