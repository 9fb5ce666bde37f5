import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import type { FileKind } from "../../src/domain/FileKinds.js"
import { CASES } from "../corpus/cases/index.js"
import { compare, found, materialize, validateWorkspace, type CorpusCase } from "../corpus/workspace.js"
import { FuzzWorkspace, KIND_FILES, VALID_FILES, assertWellFormed, budget, kindArb } from "./harness.js"

let ws: FuzzWorkspace
beforeAll(() => {
  ws = new FuzzWorkspace()
})
afterAll(() => ws.dispose())

/** 1-based line and column of a character index, counting lines the way YAML does. */
const positionAt = (text: string, index: number) => {
  const before = text.slice(0, index)
  const line = (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1
  return { line, column: index - Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) }
}

/** A valid file of some kind and a character index in it (so a byte offset on a character boundary). */
const validFileAndIndex = kindArb.chain((kind) =>
  fc.integer({ min: 0, max: VALID_FILES[kind].length }).map((index) => ({ kind, index, text: VALID_FILES[kind] })))

const onlyDiagnostic = async (kind: FileKind, content: string | Uint8Array) => {
  ws.write({ [KIND_FILES[kind]]: content })
  const { report } = await ws.validate()
  await ws.compileAgrees(report)
  expect(report.diagnostics.length, report.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`).join("\n")).toBe(1)
  return report.diagnostics[0]!
}

const INVALID_UTF8: ReadonlyArray<ReadonlyArray<number>> = [
  [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff],
]

/** C0 controls: refused anywhere but in comments (quoted scalars take DEL and C1, as JSON strings do). */
const CONTROL = ["\u0000", "\u0001", "\u0007", "\u0008", "\u000b", "\u000c", "\u001b", "\u001f"]

describe("encodings and YAML features at any place of a valid file", () => {
  it("invalid UTF-8 is PS1003 at the first bad byte", async () => {
    await fc.assert(fc.asyncProperty(validFileAndIndex, fc.constantFrom(...INVALID_UTF8), async ({ kind, index, text }, bad) => {
      const bytes = Buffer.concat([Buffer.from(text.slice(0, index)), Buffer.from(bad), Buffer.from(text.slice(index))])
      const d = await onlyDiagnostic(kind, bytes)
      expect([d.code, d.line, d.column]).toEqual(["PS1003", positionAt(text, index).line, positionAt(text, index).column])
      expect(d.message).toMatch(/UTF-8/)
    }), budget(150))
  })

  it("a NUL or control character outside comments is PS1003 where it stands", async () => {
    // In a comment js-yaml skips control characters, so the file stays valid; elsewhere it must say where.
    await fc.assert(fc.asyncProperty(validFileAndIndex, fc.constantFrom(...CONTROL), async ({ kind, index, text }, control) => {
      const d = await onlyDiagnostic(kind, text.slice(0, index) + control + text.slice(index))
      expect([d.code, d.line, d.column]).toEqual(["PS1003", positionAt(text, index).line, positionAt(text, index).column])
    }), budget(150))
  })

  it("unknown tags are PS1003 at the tag, core tags are plain values", async () => {
    const unknown = fc.constantFrom("!!js/function 'function () {}'", "!!js/regexp /x/", "!!js/undefined ''", "!!binary aGk=",
      "!!python/object:os.system x", "!Ref name", "!<tag:example.com,2000:app/x> y", "!!set {a, b}", "!!omap [a: 1]", "!!timestamp 2001-12-14")
    const core = fc.constantFrom("!!str 3", "!!int 42", "!!float 1.5", "!!bool true", "!!map {a: 1}", "!!seq [1, 2]", '!!str "x"')
    await fc.assert(fc.asyncProperty(kindArb, fc.boolean(), unknown, core, async (kind, isUnknown, tagged, plain) => {
      const text = `${VALID_FILES[kind]}extra_key: ${isUnknown ? tagged : plain}\n`
      const line = text.split("\n").length - 1
      const d = await onlyDiagnostic(kind, text)
      // A core tag only leaves the key itself unknown.
      expect([d.code, d.line, d.column]).toEqual(isUnknown ? ["PS1003", line, 12] : ["PS2001", line, 1])
    }), budget(150))
  })

  it("merge keys are keys like any other (YAML 1.2 has no `<<`)", async () => {
    const merge = fc.constantFrom("<<: {a: 1}", "<<: [{a: 1}, {b: 2}]", "anchor_base: &b {a: 1}\n<<: *b")
    await fc.assert(fc.asyncProperty(kindArb, merge, async (kind, extra) => {
      ws.write({ [KIND_FILES[kind]]: `${VALID_FILES[kind]}${extra}\n` })
      const { about } = await ws.validate()
      const lines = VALID_FILES[kind].split("\n").length
      const expected = extra.includes("anchor_base") ? [["PS2001", lines, 1], ["PS2001", lines + 1, 1]] : [["PS2001", lines, 1]]
      expect(about(KIND_FILES[kind]).map((d) => [d.code, d.line, d.column])).toEqual(expected)
    }), budget(100))
  })

  it("a valid file of any kind stays valid under any mixture of LF, CRLF and CR", async () => {
    const input = kindArb.chain((kind) => {
      const breaks = VALID_FILES[kind].split("\n").length - 1
      return fc.tuple(fc.constant(kind), fc.array(fc.constantFrom("\n", "\r\n", "\r"), { minLength: breaks, maxLength: breaks }))
    })
    await fc.assert(fc.asyncProperty(input, async ([kind, endings]) => {
      const parts = VALID_FILES[kind].split("\n")
      ws.write({ [KIND_FILES[kind]]: parts.map((p, i) => p + (endings[i] ?? "")).join("") })
      const { report } = await ws.validate()
      expect(report.diagnostics).toEqual([])
    }), budget(150))
  })
})

/** Corpus cases whose files are plain text and whose findings do not depend on the bytes of a line end. */
const lineEndingCases: ReadonlyArray<CorpusCase> = CASES.filter((c) =>
  c.skip === undefined && c.setup === undefined && c.paths === undefined
  && Object.values(c.files).every((f) => typeof f === "string" && !f.includes("\r") && Buffer.byteLength(f) < 64 * 1024))

describe("line endings never move a diagnostic", () => {
  it("every corpus case reports the same diagnostics under mixed LF, CRLF and CR", async () => {
    expect(lineEndingCases.length).toBeGreaterThan(60)
    const input = fc.tuple(fc.constantFrom(...lineEndingCases), fc.infiniteStream(fc.constantFrom("\n", "\r\n", "\r")))
    await fc.assert(fc.asyncProperty(input, async ([c, endings]) => {
      const nextEnding = endings[Symbol.iterator]()
      const files = Object.fromEntries(Object.entries(c.files).map(([rel, text]) =>
        [rel, (text as string).split("\n").map((line, i, all) => line + (i < all.length - 1 ? nextEnding.next().value! : "")).join("")]))
      const root = materialize({ files })
      try {
        const report = await validateWorkspace([root])
        assertWellFormed(root, report.diagnostics, ["p", "q", "tools"])
        const { missing, unexpected } = compare(c.expect, report.diagnostics.map((d) => found(root, d)))
        expect({ case: c.name, missing, unexpected }).toEqual({ case: c.name, missing: [], unexpected: [] })
      } finally {
        fs.rmSync(root, { recursive: true, force: true })
      }
    }), budget(80, 6_000))
  })
})
