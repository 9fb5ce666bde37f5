import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { SchemaAST as AST } from "effect"
import fc from "fast-check"
import { dump } from "js-yaml"
import { FILE_KIND_SCHEMAS, FILE_KINDS, type FileKind } from "../../src/domain/FileKinds.js"
import { FuzzWorkspace, KIND_FILES, VALID_FILES, budget, kindArb } from "./harness.js"

let ws: FuzzWorkspace
beforeAll(() => {
  ws = new FuzzWorkspace()
})
afterAll(() => ws.dispose())

/** Characters YAML gives meaning to, so random text often gets past the first byte. */
const YAML_CHARS = [..."abcp.01 :-?,[]{}&*!|>'\"%@`#\n\n\n\t\\~=<"]
const yamlish = fc.array(fc.constantFrom(...YAML_CHARS), { maxLength: 300 }).map((cs) => cs.join(""))

const keysOf = (ast: AST.AST): Array<string> => {
  if (ast._tag === "TypeLiteral") return ast.propertySignatures.map((p) => String(p.name))
  if (ast._tag === "Refinement" || ast._tag === "Transformation") return keysOf(ast.from)
  return []
}

/** Values that mean something to some stage: refs, templates, paths, versions, schema fragments. */
const meaningful = fc.constantFrom<unknown>(
  "p.hello", "hello", "core.echo", "p.tick", "tick", "shell", "native", "pyhton", "hello.sh", "../x", "/etc/passwd",
  "hello.sh/", "hello.sh/x", "x".repeat(300), "he\u0000llo", "..\\..\\x", "", ".",
  "{{ x", "{{ x }}", "secret:k", "1.0.0", "^1", ">>1", "* * * * *", "2030-02-30T00:00:00Z", "allowlist",
  { type: "string", default: 3 }, { type: "integer", position: 0 }, { type: "object", properties: { a: { type: "bogus" } } },
  [{ name: "a", action: "hello", next: [{ do: ["b"] }] }], { do: "missing" }, { policy: "allowlist" }, [], {}, null, 0, -1, 1.5,
)

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: meaningful },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("type", "default", "required", "secret", "position", "name", "action", "do", "next", "input", "when", "policy", "version"), meaningful, { maxKeys: 4 }) },
)

/** A mapping with the kind's own keys (and a few strangers) holding arbitrary values. */
const shaped = (kind: FileKind): fc.Arbitrary<Record<string, unknown>> => {
  const keys = keysOf(FILE_KIND_SCHEMAS[kind].ast)
  return fc.dictionary(fc.constantFrom(...keys, "refs", "entrypoint", "<<"), value, { maxKeys: 8 })
}

const check = async (kind: FileKind, content: string | Uint8Array) => {
  ws.write({ [KIND_FILES[kind]]: content })
  const { report } = await ws.validate()
  await ws.compileAgrees(report)
}

describe("garbage in any file kind", () => {
  it("the fuzz workspace with one valid file of every kind has no diagnostics", async () => {
    ws.write(Object.fromEntries(FILE_KINDS.map((kind) => [KIND_FILES[kind], VALID_FILES[kind]])))
    const { report } = await ws.validate()
    expect(report.diagnostics).toEqual([])
  })

  it("random bytes are reported, never thrown", async () => {
    await fc.assert(fc.asyncProperty(kindArb, fc.uint8Array({ maxLength: 400 }), check), budget(150))
  })

  it("random YAML-looking text is reported, never thrown", async () => {
    await fc.assert(fc.asyncProperty(kindArb, yamlish, check), budget(200))
  })

  it("random JSON values in place of each file kind", async () => {
    const asText = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.boolean()).map(([v, json]) => (json ? JSON.stringify(v) : dump(v)))
    await fc.assert(fc.asyncProperty(kindArb, asText, check), budget(200))
  })

  it("mappings shaped like each file kind, with wrong and odd values", async () => {
    const input = kindArb.chain((kind) => shaped(kind).map((doc) => [kind, dump(doc)] as const))
    await fc.assert(fc.asyncProperty(input, ([kind, text]) => check(kind, text)), budget(200))
  })

  it("valid files with one key replaced by an arbitrary value", async () => {
    const input = kindArb.chain((kind) => {
      const lines = VALID_FILES[kind].split("\n").filter((l) => /^[a-z_]+:/.test(l))
      return fc.tuple(fc.constant(kind), fc.constantFrom(...lines.map((l) => l.slice(0, l.indexOf(":")))), value)
    })
    await fc.assert(fc.asyncProperty(input, async ([kind, key, v]) => {
      const doc = VALID_FILES[kind].split("\n").filter((l) => !l.startsWith(`${key}:`)).join("\n")
      await check(kind, `${doc}\n${dump({ [key]: v })}`)
    }), budget(200))
  })
})
