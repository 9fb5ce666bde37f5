import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS, MAX_YAML_BYTES } from "../../src/compiler/limits.js"
import { FuzzWorkspace, budget } from "./harness.js"

let ws: FuzzWorkspace
beforeAll(() => {
  ws = new FuzzWorkspace()
})
afterAll(() => ws.dispose())

const FILE = "p/actions/f.yaml"
const HEAD = "ref: p.f\nentry_point: hello.sh\n"

/** Runs the file through validate and compile; returns the codes reported for it. */
const codesFor = async (text: string): Promise<Array<string>> => {
  ws.write({ [FILE]: text })
  const { report, about } = await ws.validate()
  await ws.compileAgrees(report)
  return about(FILE).map((d) => d.code)
}

const tooLarge = (text: string) => Buffer.byteLength(text) > MAX_YAML_BYTES

type Nesting = "flow-sequence" | "flow-mapping" | "block-sequence" | "indented-mapping"

/** `depth` collections inside `examples` (a list of anything) or `meta` (a mapping of anything). */
const nestedDocument = (style: Nesting, depth: number): string => {
  switch (style) {
    case "flow-sequence": return `${HEAD}examples: ${"[".repeat(depth)}${"]".repeat(depth)}\n`
    case "flow-mapping": return `${HEAD}meta: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}\n`
    case "block-sequence": return `${HEAD}examples:\n  ${"- ".repeat(depth)}x\n`
    case "indented-mapping": {
      const lines = [`${HEAD}meta:`]
      for (let i = 1; i < depth; i++) lines.push(`${"  ".repeat(i)}k:`)
      lines.push(`${"  ".repeat(depth)}k: 1`)
      return `${lines.join("\n")}\n`
    }
  }
}

describe("bounds on what one file can make the compiler do", () => {
  it("deep nesting, up to ten thousand levels, is PS1005 beyond the limit and nothing within it", async () => {
    const style = fc.constantFrom<Nesting>("flow-sequence", "flow-mapping", "block-sequence", "indented-mapping")
    const depth = fc.oneof(fc.integer({ min: 1, max: MAX_DEPTH + 4 }), fc.integer({ min: 1, max: 10_000 }))
    await fc.assert(fc.asyncProperty(style, depth, async (s, d) => {
      // Indented mappings grow quadratically; past a thousand levels only the size bound is left to test.
      const levels = s === "indented-mapping" ? Math.min(d, 1_100) : d
      const text = nestedDocument(s, levels)
      // The document itself is the first level.
      const expected = tooLarge(text) ? ["PS1002"] : levels + 1 > MAX_DEPTH ? ["PS1005"] : []
      expect(await codesFor(text)).toEqual(expected)
    }), budget(150))
  })

  it("huge scalars, up to several MB, hit the scalar bound or the file size bound", async () => {
    const style = fc.constantFrom("plain", "double-quoted", "single-quoted", "literal-block")
    const length = fc.oneof(fc.integer({ min: MAX_SCALAR_CHARS - 2, max: MAX_SCALAR_CHARS + 2 }), fc.integer({ min: 200 * 1024, max: 6 * 1024 * 1024 }))
    await fc.assert(fc.asyncProperty(style, length, async (s, n) => {
      const body = "x".repeat(n)
      const scalar = s === "plain" ? body : s === "double-quoted" ? `"${body}"` : s === "single-quoted" ? `'${body}'` : `|\n  ${body}`
      const text = `${HEAD}description: ${scalar}\n`
      // A literal block keeps its final newline.
      const chars = s === "literal-block" ? n + 1 : n
      const expected = tooLarge(text) ? ["PS1002"] : chars > MAX_SCALAR_CHARS ? ["PS1007"] : []
      expect(await codesFor(text)).toEqual(expected)
    }), budget(10))
  })

  it("alias fans and chains are counted as expanded: PS1006 exactly when the expansion passes the limit", async () => {
    const shape = fc.record({
      fan: fc.integer({ min: 1, max: 12 }),
      levels: fc.integer({ min: 1, max: 10 }),
      flow: fc.boolean(),
      mappings: fc.boolean(),
      leaf: fc.constantFrom("lol", "{x: 1}", "[1, 2]"),
    })
    await fc.assert(fc.asyncProperty(shape, async ({ fan, levels, flow, mappings, leaf }) => {
      const lines = [`${HEAD}meta:`]
      const leafNodes = leaf === "lol" ? 1 : leaf === "{x: 1}" ? 2 : 3
      let size = 0
      let total = 4 // the document, ref, entry_point and meta
      for (let level = 0; level < levels; level++) {
        const item = level === 0 ? leaf : `*l${level - 1}`
        const items = Array.from({ length: fan }, (_, i) => (mappings ? `k${i}: ${item}` : item))
        const body = flow
          ? (mappings ? `{${items.join(", ")}}` : `[${items.join(", ")}]`)
          : `\n${items.map((i) => `    ${mappings ? "" : "- "}${i}`).join("\n")}`
        lines.push(`  l${level}: &l${level} ${body}`)
        size = 1 + fan * (level === 0 ? leafNodes : size)
        total += size
      }
      const expected = total > MAX_NODES ? ["PS1006"] : []
      expect(await codesFor(`${lines.join("\n")}\n`)).toEqual(expected)
    }), budget(200))
  })

  it("a mistake inside an anchor is reported once per alias, at the anchor, however many aliases", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2_500 }), fc.integer({ min: 0, max: 50 }), async (aliases, others) => {
      const lines = ["ref: p.w", "tasks:", "  - &t {name: a, action: hello, input: {name: x}, bogus: 1}"]
      for (let i = 0; i < aliases; i++) lines.push("  - *t")
      // Other anchors after the aliases, so resolving an alias cannot stop at the first anchor it meets.
      for (let i = 0; i < others; i++) lines.push(`  - &o${i} {name: o${i}, action: hello, input: {name: x}}`)
      const file = "p/workflows/w.yaml"
      ws.write({ [file]: `${lines.join("\n")}\n` })
      const { about } = await ws.validate()
      const found = about(file)
      const unknown = found.filter((d) => d.code === "PS2001")
      expect(unknown.length).toBe(aliases + 1)
      for (const d of unknown) expect([d.line, d.column]).toEqual([3, lines[2]!.indexOf("bogus") + 1])
      // The rest of each task is still checked: every alias repeats the task's name.
      const checked = found.filter((d) => d.code !== "PS2001")
      expect(checked.map((d) => [d.code, d.line, d.column])).toEqual(Array.from({ length: aliases }, () => ["PS4015", 3, lines[2]!.indexOf("a,") + 1]))
    }), budget(5))
  })

  it("many keys: each unknown one reported, or the node or size bound when there are too many", async () => {
    const count = fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: MAX_NODES - 10, max: MAX_NODES + 20_000 }))
    await fc.assert(fc.asyncProperty(count, fc.boolean(), async (n, nested) => {
      // A letter first: `1e1` and `10` would both be the number 10, a duplicate key.
      const keys = Array.from({ length: n }, (_, i) => `${nested ? "  " : ""}k${i.toString(36)}: 0`)
      const text = `${HEAD}${nested ? "meta:\n" : ""}${keys.join("\n")}\n`
      // Nodes: the document, ref, entry_point, (meta,) and one value per key.
      const nodes = 3 + (nested ? 1 : 0) + n
      const expected = tooLarge(text) ? ["PS1002"] : nodes > MAX_NODES ? ["PS1006"] : nested ? [] : Array<string>(n).fill("PS2001")
      expect(await codesFor(text)).toEqual(expected)
    }), budget(5))
  })
})
