import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { plainlyValid, validateAgainst, validateWithAjv } from "../../src/compiler/schemaValidation.js"

const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -4, max: 4 }), fc.boolean(), fc.constant(null))
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 2 }), scalar, { maxKeys: 2 }))
const anySchema = fc.record({
  type: fc.constantFrom("string", "integer", "number", "boolean", "null", "array", "object", "text"),
  enum: fc.oneof(fc.array(scalar, { maxLength: 4 }), fc.array(value, { maxLength: 2 })),
  minimum: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant("1")),
  maximum: fc.integer({ min: -3, max: 3 }),
  description: fc.oneof(fc.string({ maxLength: 3 }), fc.constant(3)),
  secret: fc.oneof(fc.boolean(), fc.constant("yes")),
  position: fc.nat(3),
  format: fc.constant("uri"),
  pattern: fc.constant("^a"),
}, { requiredKeys: [] }).map((s) => (s.format !== undefined && s.pattern !== undefined ? s : { ...s, format: undefined, pattern: undefined }))
  .map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)))
/** Shapes defaults usually have, so the shortcut is taken often. */
const plainSchema = fc.record({
  type: fc.constantFrom("string", "integer", "number", "boolean"),
  enum: fc.array(scalar, { maxLength: 3 }),
  minimum: fc.integer({ min: -3, max: 3 }),
  description: fc.string({ maxLength: 3 }),
}, { requiredKeys: ["type"] })
const schema = fc.oneof(anySchema, plainSchema) as fc.Arbitrary<Record<string, unknown>>

describe("checking defaults without a validator", () => {
  it("never calls valid what Ajv rejects", () => {
    let decided = 0
    // Values often drawn from the schema's own enum and type, so the shortcut is tried on near misses too.
    const typed: Record<string, fc.Arbitrary<unknown>> = {
      string: fc.string({ maxLength: 3 }), integer: fc.integer({ min: -5, max: 5 }), number: fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }),
      boolean: fc.boolean(), null: fc.constant(null), array: fc.array(scalar, { maxLength: 2 }), object: fc.dictionary(fc.string({ maxLength: 2 }), scalar, { maxKeys: 2 }),
    }
    const pair = schema.chain((s) => fc.tuple(fc.constant(s), fc.oneof(
      value,
      typed[String(s.type)] ?? value,
      Array.isArray(s.enum) && s.enum.length > 0 ? fc.constantFrom(...s.enum) : value,
    )))
    fc.assert(fc.property(pair, ([s, v]) => {
      if (!plainlyValid(s, v)) return true
      decided++
      return validateWithAjv(s, v).ok
    }), { numRuns: 3000 })
    // The shortcut is taken often enough for the property to mean something.
    expect(decided).toBeGreaterThan(100)
  })

  it("decides the common shapes itself and leaves the wording of errors to Ajv", () => {
    expect(plainlyValid({ type: "string", enum: ["GET", "POST"], description: "verb" }, "GET")).toBe(true)
    expect(plainlyValid({ type: "integer", minimum: 0, maximum: 10, position: 1 }, 3)).toBe(true)
    expect(plainlyValid({ type: "integer", minimum: 0 }, -1)).toBe(false)
    expect(plainlyValid({ type: "string", format: "uri" }, "x")).toBe(false)
    expect(validateAgainst({ type: "integer", minimum: 0 }, -1)).toEqual({ ok: false, message: "must be >= 0", instancePath: "" })
    expect(validateAgainst({ type: "string", enum: ["a"] }, "b")).toMatchObject({ ok: false, message: "must be equal to one of the allowed values" })
  })
})
