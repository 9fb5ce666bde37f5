import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { MAX_DEPTH, MAX_SCALAR_CHARS, MAX_YAML_BYTES } from "../../src/compiler/limits.js"
import { CASES } from "./cases/index.js"
import { compare, found, materialize, show, validateWorkspace } from "./workspace.js"

const roots: Array<string> = []
const workspace = (c: Parameters<typeof materialize>[0]) => {
  const root = materialize(c)
  roots.push(root)
  return root
}

afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true })
})

describe("invalid-pack corpus", () => {
  it("starts from a workspace that has no diagnostics at all", async () => {
    const root = workspace({ files: {} })
    expect((await validateWorkspace([root])).diagnostics).toEqual([])
  })

  for (const c of CASES) {
    it.skipIf(c.skip !== undefined)(`${c.name} reports exactly its diagnostics`, async () => {
      const root = workspace(c)
      const report = await validateWorkspace(c.paths?.(root) ?? [root])
      const { missing, unexpected } = compare(c.expect, report.diagnostics.map((d) => found(root, d)))
      expect({ missing: missing.map(show), unexpected: unexpected.map(show) }).toEqual({ missing: [], unexpected: [] })
    })
  }
})

describe("bounds are limits, not off by one", () => {
  const action = (extra: string) => ({ "p/actions/edge.yaml": `ref: p.edge\nentry_point: hello.sh\n${extra}` })

  it("accepts nesting of exactly the maximum depth", async () => {
    // The document is level 1 and meta level 2, so MAX_DEPTH - 2 more mappings reach the limit.
    const lines = ["meta:"]
    for (let i = 1; i <= MAX_DEPTH - 2; i++) lines.push(`${"  ".repeat(i)}k${i}:`)
    lines.push(`${"  ".repeat(MAX_DEPTH - 1)}leaf: 1`)
    const root = workspace({ files: action(`${lines.join("\n")}\n`) })
    expect((await validateWorkspace([root])).diagnostics).toEqual([])
  })

  it("accepts a scalar of exactly the maximum length in a file of exactly the maximum size", async () => {
    const head = "ref: p.edge\nentry_point: hello.sh\ndescription: "
    const pad = MAX_YAML_BYTES - head.length - MAX_SCALAR_CHARS - 1
    const root = workspace({ files: { "p/actions/edge.yaml": `${head}${"d".repeat(MAX_SCALAR_CHARS)}\n${"#".repeat(pad - 1)}\n` } })
    expect(fs.statSync(path.join(root, "p/actions/edge.yaml")).size).toBe(MAX_YAML_BYTES)
    expect((await validateWorkspace([root])).diagnostics).toEqual([])
  })
})
