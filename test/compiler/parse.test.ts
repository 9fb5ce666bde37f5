import { describe, expect, it } from "@effect/vitest"
import { checkBounds, parseYaml } from "../../src/compiler/parse.js"
import { makeLocator } from "../../src/compiler/positions.js"

const failure = (text: string) => {
  const result = parseYaml(text)
  if (result.ok) throw new Error("expected a parse failure")
  return result.finding
}

describe("parseYaml", () => {
  it("loads YAML 1.2 core scalars (no timestamps, no yes/no booleans)", () => {
    const result = parseYaml("a: 2024-12-31T23:59:59Z\nb: yes\nc: true\nd: 0x10\n")
    expect(result).toEqual({ ok: true, value: { a: "2024-12-31T23:59:59Z", b: "yes", c: true, d: 16 } })
  })

  it("reports a syntax error with the parser's 1-based line and column", () => {
    const f = failure("ref: a\nlist: [1, 2\nother: 3\n")
    expect(f.code).toBe("PS1003")
    expect(f.position?.line).toBeGreaterThanOrEqual(2)
    const dup = failure("a: 1\nb: 2\na: 3\n")
    expect(dup.code).toBe("PS1003")
    expect(dup.message).toMatch(/duplicated mapping key/)
    expect(dup.position).toEqual({ line: 3, column: 1 })
  })

  it("turns a billion-laughs document into PS1006 instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i)
      const name = String.fromCharCode(97 + i)
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`)
    }
    expect(failure(levels.join("\n")).code).toBe("PS1006")
  })

  it("bounds nesting depth, scalar length and non-finite numbers", () => {
    const deep = "x: " + "[".repeat(100) + "]".repeat(100)
    expect(failure(deep).code).toBe("PS1005")
    const veryDeep = "[".repeat(200_000)
    expect(["PS1003", "PS1005", "PS1011"]).toContain(failure(veryDeep).code)
    expect(failure(`a: "${"x".repeat(300 * 1024)}"`).code).toBe("PS1007")
    const inf = failure("a: .inf\n")
    expect(inf.code).toBe("PS1008")
    expect(inf.pointer).toBe("/a")
  })

  it("rejects several documents and empty files", () => {
    expect(failure("a: 1\n---\nb: 2\n").code).toBe("PS1009")
    expect(failure("# only a comment\n").code).toBe("PS1010")
  })

  it("counts aliased nodes each time they are reached", () => {
    const shared = Array.from({ length: 100 }, (_, i) => i)
    const value = { a: Array(2000).fill(shared) }
    expect(checkBounds(value)?.code).toBe("PS1006")
  })
})

describe("makeLocator", () => {
  const text = "ref: core.echo\nparameters:\n  message:\n    type: strin\n    required: true\nlist:\n  - a\n  - b: 1\n"
  const locate = makeLocator(text)

  it("maps a pointer to the value, or to the key", () => {
    expect(locate("/parameters/message/type", "value")).toEqual({ line: 4, column: 11 })
    expect(locate("/parameters/message/type", "key")).toEqual({ line: 4, column: 5 })
    expect(locate("/list/1/b", "value")).toEqual({ line: 8, column: 8 })
  })

  it("falls back to the deepest existing node", () => {
    expect(locate("/parameters/missing/deeper", "value")).toEqual({ line: 3, column: 3 })
  })

  it("handles CRLF line endings", () => {
    const crlf = makeLocator(text.replace(/\n/g, "\r\n"))
    expect(crlf("/parameters/message/type", "value")).toEqual({ line: 4, column: 11 })
  })
})
