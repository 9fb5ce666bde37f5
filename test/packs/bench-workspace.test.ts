import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { generateWorkspace, mutateOneAction } from "../../bench/workspace.js"
import { componentsOf, filesUnder, readYaml, run } from "./support.js"

const scratch = mkdtempSync(join(tmpdir(), "packsmith-bench-ws-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(filesUnder(dir, "").map((file) => [file, readFileSync(join(dir, file), "utf8")]))

describe("bench workspace generator", () => {
  const dir = join(scratch, "a")
  const stats = generateWorkspace(dir, { packs: 8, actionsPerPack: 4 })

  it("counts the files and bytes it wrote", () => {
    const files = filesUnder(dir, "")
    // pack.yaml + tool runtime + 4 actions with scripts + trigger + rule; every fourth pack has a second runtime.
    expect(files.length).toBe(8 * 12 + 2)
    expect(stats.files).toBe(files.length)
    expect(stats.bytes).toBe(files.reduce((sum, file) => sum + Buffer.byteLength(readFileSync(join(dir, file), "utf8")), 0))
  })

  it("is deterministic", () => {
    const other = join(scratch, "b")
    expect(generateWorkspace(other, { packs: 8, actionsPerPack: 4 })).toEqual(stats)
    expect(snapshot(other)).toEqual(snapshot(dir))
  })

  it("writes Attune-format packs whose references resolve", () => {
    for (const pack of ["p0001", "p0004", "p0005", "p0007"]) {
      const root = join(dir, pack)
      expect(readYaml(join(root, "pack.yaml"))).toMatchObject({ ref: pack, dependencies: ["core"] })
      const actions = componentsOf(root, "actions")
      expect(actions).toHaveLength(4)
      const local = new Set(actions.map(([, action]) => action["ref"]))
      for (const [, action] of actions) {
        expect(Object.keys(action["parameters"] as object)).toEqual(expect.arrayContaining(["target", "count", "mode", "verbose", "labels"]))
        expect(filesUnder(join(root, "actions"), "")).toContain(String(action["entry_point"]))
      }
      const [, rule] = componentsOf(root, "rules")[0]!
      const action = String(rule["action_ref"])
      expect(local.has(action) || action === "core.echo").toBe(true)
      expect([`${pack}.event`, "core.intervaltimer"]).toContain(rule["trigger_ref"])
    }
  })

  it("writes scripts that run", async () => {
    const root = join(dir, "p0001", "actions")
    const shell = await run(["sh", "a03.sh"], { cwd: root, stdin: "target='x'\n" })
    expect(shell.stdout).toBe("target=x\n")
    const python = await run(["python3", "a00.py"], { cwd: root, stdin: '{"target":"y","count":2}\n' })
    expect(JSON.parse(python.stdout)).toEqual({ ok: true, target: "y", count: 2 })
    const node = await run(["node", "a01.js"], { cwd: root, stdin: '{"target":"z"}\n' })
    expect(JSON.parse(node.stdout)).toEqual({ ok: true, target: "z", count: 1 })
  })

  it("mutateOneAction changes one description, differently each time", () => {
    const dirC = join(scratch, "c")
    generateWorkspace(dirC, { packs: 2, actionsPerPack: 2 })
    const before = snapshot(dirC)
    const changed = mutateOneAction(dirC)
    const first = snapshot(dirC)
    mutateOneAction(dirC)
    const second = snapshot(dirC)
    const diff = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((file) => a[file] !== b[file])
    expect(diff(before, first)).toEqual(["p0001/actions/a00.yaml"])
    expect(changed).toBe(join(dirC, "p0001", "actions", "a00.yaml"))
    expect(diff(first, second)).toEqual(["p0001/actions/a00.yaml"])
    expect(readYaml(changed)["description"]).toMatch(/\(rev 2\)$/)
  })
})
