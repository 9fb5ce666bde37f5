import { describe, expect, it } from "@effect/vitest"
import { ALL_CODES, type DiagnosticCodeId } from "../../src/compiler/codes.js"
import { CASES } from "./cases/index.js"

/** Codes no pack input can produce, and why. Everything else must be shown by a corpus case. */
const UNREACHABLE: Readonly<Partial<Record<DiagnosticCodeId, string>>> = {
  PS1011: "js-yaml reports malformed input as a YAMLException (PS1003) and bounds recursion with maxDepth (PS1005); PS1011 guards against any other exception escaping the parser",
  PS5003: "raised only when the compiler itself throws (a defect), never because of what a pack says",
}

describe("corpus coverage", () => {
  const covered = new Set(CASES.flatMap((c) => c.expect.map((e) => e.code)))

  it("shows every code that pack input can reach", () => {
    const reachable = ALL_CODES.filter((code) => UNREACHABLE[code] === undefined)
    expect(reachable.filter((code) => !covered.has(code))).toEqual([])
  })

  it("lists as unreachable only codes that exist and that no case produces", () => {
    for (const code of Object.keys(UNREACHABLE)) {
      expect(ALL_CODES).toContain(code)
      expect(covered.has(code as DiagnosticCodeId)).toBe(false)
    }
  })

  it("has at least 60 uniquely named cases, several of them with several diagnostics", () => {
    const names = CASES.map((c) => c.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.length).toBeGreaterThanOrEqual(60)
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(CASES.filter((c) => c.expect.length >= 3).length).toBeGreaterThanOrEqual(8)
  })

  it("names the file, line and column of every expected diagnostic", () => {
    for (const c of CASES) {
      expect(c.expect.length, c.name).toBeGreaterThan(0)
      for (const e of c.expect) {
        expect(e.line, c.name).toBeGreaterThanOrEqual(1)
        expect(e.column, c.name).toBeGreaterThanOrEqual(1)
        expect(e.file, c.name).not.toMatch(/^\//)
      }
    }
  })
})
