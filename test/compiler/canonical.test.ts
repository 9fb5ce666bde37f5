import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import canonicalizeModule from "canonicalize"
import fc from "fast-check"
import { canonicalObject, canonicalText } from "../../src/compiler/emit.js"
import { FIXTURES, compileOk } from "./helpers.js"

// The package is CommonJS: under NodeNext its default import is typed as the module object.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string

// Keys that engines order specially (array indices), that need escaping, or sort differently by code unit.
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("0", "1", "10", "9", "01", "-1", "é", "\u{1F600}", "Z", "a\"b", "__proto__"))
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ unit: "grapheme", maxLength: 8 }),
    fc.string({ unit: "binary", maxLength: 4 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value

describe("canonical text", () => {
  it("is byte-identical to canonicalize (RFC 8785) for any JSON value", () => {
    fc.assert(fc.property(json, (value) => {
      expect(canonicalText(value)).toBe(canonicalize(value))
    }), { numRuns: 2000 })
  })

  it("assembles objects from member texts exactly as canonicalize writes them", () => {
    fc.assert(fc.property(fc.dictionary(key, json, { maxKeys: 6 }), (record) => {
      const members = Object.entries(record).map(([k, v]): [string, string] => [k, canonicalText(v)])
      expect(canonicalObject(members)).toBe(canonicalize(record))
    }), { numRuns: 500 })
  })

  it("orders large objects (sorted by the engine rather than key by key) as canonicalize does", () => {
    const wide = fc.dictionary(fc.oneof(key, fc.string({ unit: "binary", maxLength: 5 })), fc.integer(), { minKeys: 33, maxKeys: 120 })
    fc.assert(fc.property(wide, fc.dictionary(key, wide, { maxKeys: 2 }), (record, nested) => {
      expect(canonicalText(record)).toBe(canonicalize(record))
      expect(canonicalText(nested)).toBe(canonicalize(nested))
    }), { numRuns: 300 })
  })

  it("leaves out undefined members and rejects numbers JSON cannot write", () => {
    expect(canonicalText({ b: 1, a: undefined, c: [undefined] })).toBe('{"b":1,"c":[null]}')
    expect(() => canonicalText({ a: Number.NaN })).toThrow(RangeError)
    expect(() => canonicalText([Number.POSITIVE_INFINITY])).toThrow(RangeError)
  })

  it("gives the compiled body's text, assembled from fragments, as canonicalize gives it", async () => {
    const compiled = await compileOk([path.join(FIXTURES, "every-kind")])
    expect(compiled.canonicalBody).toBe(canonicalize(compiled.bundle.body))
  })
})
