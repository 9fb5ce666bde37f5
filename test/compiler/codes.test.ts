import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ALL_CODES, CODES } from "../../src/compiler/codes.js"

const doc = fs.readFileSync(path.join(import.meta.dirname, "../../docs/diagnostics.md"), "utf8")

describe("diagnostic codes", () => {
  it("docs/diagnostics.md lists exactly the codes of codes.ts, with the same severity", () => {
    const rows = [...doc.matchAll(/^\| (PS\d{4}) \| (error|warning) \|/gm)].map((m) => [m[1], m[2]])
    expect(rows.map(([code]) => code).sort()).toEqual([...ALL_CODES])
    for (const [code, severity] of rows) expect(CODES[code as keyof typeof CODES].severity).toBe(severity)
  })

  it("codes sit in the range of their stage", () => {
    for (const code of ALL_CODES) expect(code).toMatch(/^PS[1-5]\d{3}$/)
  })
})
