/**
 * A table described once, as the Schema of its row: column codecs that know their PostgreSQL type, and
 * the column, insert and select lists derived from the row. `Tables.ts` uses it for the registry schema.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Schema, SchemaAST } from "effect"
import type { ParseResult } from "effect"
import { ComponentRef, Digest, PackRef } from "../domain/Refs.js"

/** The column's type as `information_schema.columns` names it: the domain, else the udt name. */
export type PgType =
  | "int4"
  | "int8"
  | "uuid"
  | "text"
  | "bool"
  | "timestamptz"
  | "jsonb"
  | "bytea"
  | "_text"
  | "pack_ref"
  | "component_ref"
  | "semver"
  | "sha256_digest"
  | "sha256_hex"

export interface ColumnInfo {
  readonly pgType: PgType
  readonly nullable: boolean
  /** For text columns restricted by a CHECK (... in (...)): the allowed values. */
  readonly values?: ReadonlyArray<string> | undefined
}

const ColumnInfoId: unique symbol = Symbol.for("packsmith/sql/ColumnInfo")

type AnySchema = Schema.Schema<any, any, never>

const annotate = <A, I>(schema: Schema.Schema<A, I, never>, info: ColumnInfo): Schema.Schema<A, I, never> =>
  schema.annotations({ [ColumnInfoId]: info })

export const columnInfo = (schema: Schema.Schema.All): ColumnInfo | undefined =>
  Option.getOrUndefined(SchemaAST.getAnnotation<ColumnInfo>(schema.ast, ColumnInfoId))

/** Strict Semantic Versioning 2.0.0, the same expression as the `semver` domain in the migrations. */
export const SEMVER_PATTERN =
  /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$/

export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/

/**
 * jsonb: the drivers return parsed JSON, but take JSON text as a parameter (pg turns a JS array into a
 * Postgres array literal, not JSON), so values are encoded to JSON text and decoded from parsed JSON.
 */
const jsonb = <A, I>(value: Schema.Schema<A, I, never>): Schema.Schema<A, unknown, never> =>
  Schema.transform(Schema.Unknown, value, {
    strict: false,
    decode: (fromDriver) => fromDriver,
    encode: (json) => JSON.stringify(json),
  })

/** Column codecs: the decoded side is what code uses, the encoded side what the drivers return and accept. */
export const Column = {
  /** bigint: a decimal string on both drivers (no precision loss). */
  int8: annotate(Schema.String.pipe(Schema.pattern(/^-?[0-9]+$/)), { pgType: "int8", nullable: false }),
  int4: annotate(Schema.Int, { pgType: "int4", nullable: false }),
  uuid: annotate(Schema.UUID, { pgType: "uuid", nullable: false }),
  text: annotate(Schema.String, { pgType: "text", nullable: false }),
  bool: annotate(Schema.Boolean, { pgType: "bool", nullable: false }),
  timestamptz: annotate(Schema.ValidDateFromSelf, { pgType: "timestamptz", nullable: false }),
  /** A Buffer from both drivers; any Uint8Array as a parameter. */
  bytea: annotate(Schema.Uint8ArrayFromSelf, { pgType: "bytea", nullable: false }),
  textArray: annotate(Schema.Array(Schema.String), { pgType: "_text", nullable: false }),
  packRef: annotate(PackRef, { pgType: "pack_ref", nullable: false }),
  componentRef: annotate(ComponentRef, { pgType: "component_ref", nullable: false }),
  semver: annotate(Schema.String.pipe(Schema.pattern(SEMVER_PATTERN)), { pgType: "semver", nullable: false }),
  digest: annotate(Digest, { pgType: "sha256_digest", nullable: false }),
  sha256Hex: annotate(Schema.String.pipe(Schema.pattern(SHA256_HEX_PATTERN)), { pgType: "sha256_hex", nullable: false }),
  /** Any JSON value, or one decoded with `value`. */
  jsonb: <A = unknown, I = unknown>(value?: Schema.Schema<A, I, never>): Schema.Schema<A, unknown, never> =>
    annotate(jsonb((value ?? Schema.Unknown) as Schema.Schema<A, I, never>), { pgType: "jsonb", nullable: false }),
  /** text with a CHECK (column in (...)) listing exactly `values`. */
  literal: <const L extends ReadonlyArray<string>>(...values: L): Schema.Schema<L[number], L[number], never> =>
    annotate(Schema.Literal(...values) as unknown as Schema.Schema<L[number], L[number], never>, {
      pgType: "text",
      nullable: false,
      values,
    }),
  nullable: <A, I>(column: Schema.Schema<A, I, never>): Schema.Schema<A | null, I | null, never> => {
    const info = columnInfo(column)
    if (info === undefined) return Schema.NullOr(column)
    return annotate(Schema.NullOr(column), { ...info, nullable: true })
  },
}

type Fields = Record<string, AnySchema>

type Optional<S extends AnySchema> = Schema.optionalWith<S, { exact: true }>

/** Insert fields: generated columns left out; defaulted and nullable ones optional (the database fills them). */
export type InsertFields<F extends Fields, G extends keyof F, D extends keyof F> = {
  readonly [K in Exclude<keyof F, G>]: K extends D ? Optional<F[K]>
    : null extends Schema.Schema.Type<F[K]> ? Optional<F[K]>
    : F[K]
}

/** What every table offers, whatever its row type. */
export interface AnyTable {
  readonly name: string
  readonly Row: Schema.Schema<any, any, any>
  readonly Insert: Schema.Schema<any, any, any>
  readonly columns: ReadonlyArray<string>
  readonly generated: ReadonlyArray<string>
  readonly defaulted: ReadonlyArray<string>
  readonly insertColumns: ReadonlyArray<string>
  readonly selectList: string
  info(column: string): ColumnInfo | undefined
}

export interface Table<Name extends string, F extends Fields, G extends keyof F & string, D extends keyof F & string>
  extends AnyTable
{
  readonly name: Name
  /** A row as selected with `selectList`. */
  readonly Row: Schema.Struct<F>
  /** What an insert takes. */
  readonly Insert: Schema.Struct<InsertFields<F, G, D>>
  /** Every column, in declaration order. */
  readonly columns: ReadonlyArray<keyof F & string>
  /** Columns the database always generates (identities); never inserted. */
  readonly generated: ReadonlyArray<G>
  /** Columns with a database default that an insert may omit. */
  readonly defaulted: ReadonlyArray<D>
  /** Columns an insert may set. */
  readonly insertColumns: ReadonlyArray<Exclude<keyof F & string, G>>
  /** `"id", "workspace_id", ...`, for `select ${sql.literal(table.selectList)} from ...`. */
  readonly selectList: string
  /** The column's PostgreSQL type and nullability; undefined for a field not built from `Column`. */
  info(column: keyof F & string): ColumnInfo | undefined
}

const quoteIdentifier = (name: string) => `"${name.replaceAll("\"", "\"\"")}"`

export const defineTable = <
  const Name extends string,
  F extends Fields,
  const G extends keyof F & string = never,
  const D extends keyof F & string = never,
>(
  name: Name,
  fields: F,
  options: { readonly generated?: ReadonlyArray<G>; readonly defaulted?: ReadonlyArray<D> } = {},
): Table<Name, F, G, D> => {
  const generated = options.generated ?? []
  const defaulted = options.defaulted ?? []
  const columns = Object.keys(fields) as Array<keyof F & string>
  const info = (column: string) => columnInfo(fields[column] as AnySchema)
  const insertFields: Record<string, Schema.Schema.All | Schema.PropertySignature.All> = {}
  for (const column of columns) {
    if ((generated as ReadonlyArray<string>).includes(column)) continue
    const schema = fields[column] as AnySchema
    const optional = (defaulted as ReadonlyArray<string>).includes(column) || info(column)?.nullable === true
    insertFields[column] = optional ? Schema.optionalWith(schema, { exact: true }) : schema
  }
  return {
    name,
    Row: Schema.Struct(fields),
    Insert: Schema.Struct(insertFields) as unknown as Schema.Struct<InsertFields<F, G, D>>,
    columns,
    generated,
    defaulted,
    insertColumns: columns.filter((column) => !(generated as ReadonlyArray<string>).includes(column)) as Array<
      Exclude<keyof F & string, G>
    >,
    selectList: columns.map(quoteIdentifier).join(", "),
    info,
  }
}

/** Inserts one row and returns it as stored (defaults and generated columns filled in). */
export const insertReturning = <T extends AnyTable>(
  table: T,
  value: Schema.Schema.Type<T["Insert"]>,
): Effect.Effect<Schema.Schema.Type<T["Row"]>, SqlError | ParseResult.ParseError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const encoded = yield* Schema.encode(table.Insert as Schema.Schema<unknown, Record<string, unknown>>)(value)
    const rows = yield* sql`insert into ${sql(table.name)} ${sql.insert(encoded)} returning ${sql.literal(table.selectList)}`
    return yield* Schema.decodeUnknown(table.Row as Schema.Schema<Schema.Schema.Type<T["Row"]>>)(rows[0])
  })

/** Decodes rows selected with `table.selectList`. */
export const decodeRows = <T extends AnyTable>(table: T) =>
  Schema.decodeUnknown(Schema.Array(table.Row as Schema.Schema<Schema.Schema.Type<T["Row"]>, unknown>))
