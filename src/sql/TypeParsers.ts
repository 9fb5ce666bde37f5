/**
 * How column values come back from either driver, so a row decodes the same on Postgres and PGlite:
 * int8 (and int8[], count(*)) as decimal strings, never rounded; bytea as a Buffer (a Uint8Array).
 * Everything else already agrees (numeric is a string, timestamptz a Date, jsonb parsed JSON, arrays JS arrays).
 */
import type { CustomTypesConfig } from "pg"
import pg from "pg"

export const Oid = {
  BYTEA: 17,
  INT8: 20,
} as const

/** int8 text -> the same text: JavaScript numbers lose precision above 2^53. */
export const parseInt8 = (text: string): string => text

const HEX_PREFIX = "\\x"

/** bytea text output: hex (`\x0a0b`, the server default) or the legacy escape format (`\\012ab`). */
export const parseBytea = (text: string): Buffer => {
  if (text.startsWith(HEX_PREFIX)) return Buffer.from(text.slice(HEX_PREFIX.length), "hex")
  const bytes: Array<number> = []
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (char !== 0x5c) {
      bytes.push(char)
    } else if (text[i + 1] === "\\") {
      bytes.push(0x5c)
      i += 1
    } else {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8))
      i += 3
    }
  }
  return Buffer.from(bytes)
}

/** Parsers for PGlite, keyed by type OID (PGlite applies the int8 parser to int8[] elements too). */
export const pgliteParsers: Readonly<Record<number, (text: string) => unknown>> = {
  [Oid.INT8]: parseInt8,
  [Oid.BYTEA]: parseBytea,
}

/** Serializers for PGlite parameters: accept bigint, number or string for int8, as node-postgres does. */
export const pgliteSerializers: Readonly<Record<number, (value: unknown) => string>> = {
  [Oid.INT8]: (value) => String(value),
}

/**
 * Type parsers for node-postgres. They restate the convention instead of relying on pg's defaults,
 * which any code in the process could change globally with `pg.types.setTypeParser` (int8[] keeps pg's
 * built-in parser, which yields strings).
 */
export const pgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format === undefined || format === "text") {
      if (oid === Oid.INT8) return parseInt8
      if (oid === Oid.BYTEA) return parseBytea
      return pg.types.getTypeParser(oid, "text")
    }
    return pg.types.getTypeParser(oid, "binary")
  }) as CustomTypesConfig["getTypeParser"],
}
