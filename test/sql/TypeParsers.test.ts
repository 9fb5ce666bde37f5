import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { Oid, parseBytea, pgTypes } from "../../src/sql/TypeParsers.js"

/** bytea in the legacy escape output format: printable ASCII as is, backslash doubled, the rest as octal. */
const escapeFormat = (bytes: Uint8Array) =>
  [...bytes].map((byte) =>
    byte === 0x5c ? "\\\\" : byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`
  ).join("")

describe("bytea text parsing", () => {
  it.prop("reads the hex format", [fc.uint8Array({ maxLength: 64 })], ([bytes]) => {
    const parsed = parseBytea(`\\x${Buffer.from(bytes).toString("hex")}`)
    expect(Buffer.isBuffer(parsed)).toBe(true)
    expect([...parsed]).toEqual([...bytes])
  })

  it.prop("reads the escape format", [fc.uint8Array({ maxLength: 64 })], ([bytes]) => {
    expect([...parseBytea(escapeFormat(bytes))]).toEqual([...bytes])
  })
})

describe("node-postgres type parsers", () => {
  it("parse int8 as the same decimal string and bytea as a Buffer, whatever pg's global defaults", () => {
    expect(pgTypes.getTypeParser(Oid.INT8, "text")("9007199254740993")).toBe("9007199254740993")
    const bytea = pgTypes.getTypeParser(Oid.BYTEA, "text")("\\x00ff")
    expect(Buffer.isBuffer(bytea) && [...bytea]).toEqual([0, 255])
    expect(pgTypes.getTypeParser(23, "text")("7")).toBe(7)
  })
})
