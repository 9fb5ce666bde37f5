/**
 * Set-based statements built from the table descriptions in `sql/Tables.ts`: column names and their
 * PostgreSQL types come from there, never from a list kept here. Rows travel as one JSON document per
 * statement (`jsonb_to_recordset`), which both drivers pass as plain text, so many rows cost one round trip.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { Fragment } from "@effect/sql/Statement"
import { Effect } from "effect"
import type { AnyTable, PgType } from "../../sql/TableSchema.js"

export const quoteIdentifier = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

const sqlTypeName = (pgType: PgType): string => pgType === "_text" ? "text[]" : pgType

/** Each column's PostgreSQL type; a column not built from a `Column` codec is a programming error. */
export const columnTypes = (table: AnyTable, columns: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<PgType>> =>
  Effect.forEach(columns, (column) => {
    const info = table.info(column)
    return info === undefined
      ? Effect.dieMessage(`${table.name}.${column} has no column codec in Tables.ts`)
      : Effect.succeed(info.pgType)
  })

/** `"a", "b"` */
export const columnList = (columns: ReadonlyArray<string>): string => columns.map(quoteIdentifier).join(", ")

/** `"ref" component_ref, "tags" text[]`: the record definition `jsonb_to_recordset` needs. */
const recordDefinition = (columns: ReadonlyArray<string>, types: ReadonlyArray<PgType>): string =>
  columns.map((column, i) => `${quoteIdentifier(column)} ${sqlTypeName(types[i]!)}`).join(", ")

/**
 * A row's value as JSON for `jsonb_to_recordset`: jsonb columns are the JSON value itself, bytea is hex
 * text, everything else is its natural JSON form (arrays become text[], strings domains, null NULL).
 */
export const recordValue = (pgType: PgType, value: unknown): unknown =>
  pgType === "bytea" && value instanceof Uint8Array ? `\\x${Buffer.from(value).toString("hex")}` : value

export interface UpsertSpec {
  readonly table: AnyTable
  /** Columns given once for every row (workspace, revision), each with its value. */
  readonly constants: ReadonlyArray<readonly [column: string, value: unknown]>
  /** Columns read from each row object. */
  readonly columns: ReadonlyArray<string>
  /** The unique key the upsert matches on. */
  readonly conflict: ReadonlyArray<string>
  /** Columns whose difference makes a row "updated"; default every written column outside the key. */
  readonly compare?: ReadonlyArray<string> | undefined
  /** Returned (as text) for each row inserted or changed. */
  readonly key: string
}

export interface UpsertOutcome {
  readonly added: ReadonlyArray<string>
  readonly updated: ReadonlyArray<string>
}

const selectRecords = (
  sql: SqlClient.SqlClient,
  table: AnyTable,
  constants: ReadonlyArray<readonly [string, unknown]>,
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): Effect.Effect<Fragment> =>
  Effect.gen(function*() {
    const constantTypes = yield* columnTypes(table, constants.map(([column]) => column))
    const types = yield* columnTypes(table, columns)
    const records = rows.map((row) => {
      const record: Record<string, unknown> = {}
      for (let i = 0; i < columns.length; i++) record[columns[i]!] = recordValue(types[i]!, row[columns[i]!] ?? null)
      return record
    })
    const selected = [
      ...constants.map(([, value], i) => sql`${value}::${sql.literal(sqlTypeName(constantTypes[i]!))}`),
      ...columns.map((column) => sql.literal(`r.${quoteIdentifier(column)}`)),
    ]
    return sql`select ${sql.join(", ", false)(selected)} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(${
      sql.literal(recordDefinition(columns, types))
    })`
  })

/**
 * `INSERT … SELECT … FROM jsonb_to_recordset(…) ON CONFLICT (key) DO UPDATE … WHERE the row differs`:
 * unchanged rows are left alone (no new row version, `updated_at` kept), and the keys of the rows that
 * were added or changed come back.
 */
export const upsertRows = (
  spec: UpsertSpec,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): Effect.Effect<UpsertOutcome, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    if (rows.length === 0) return { added: [], updated: [] }
    const sql = yield* SqlClient.SqlClient
    const { table } = spec
    const written = [...spec.constants.map(([column]) => column), ...spec.columns]
    const settable = written.filter((column) => !spec.conflict.includes(column))
    const compared = spec.compare ?? settable
    const target = quoteIdentifier(table.name)
    const assignments = [
      ...settable.map((column) => `${quoteIdentifier(column)} = excluded.${quoteIdentifier(column)}`),
      ...(table.columns.includes("updated_at") ? ["\"updated_at\" = now()"] : []),
    ].join(", ")
    const differs = `(${compared.map((column) => `${target}.${quoteIdentifier(column)}`).join(", ")}) is distinct from (${
      compared.map((column) => `excluded.${quoteIdentifier(column)}`).join(", ")
    })`
    const result = yield* sql<{ readonly key: string; readonly inserted: boolean }>`
      insert into ${sql(table.name)} (${sql.literal(columnList(written))})
      ${yield* selectRecords(sql, table, spec.constants, spec.columns, rows)}
      on conflict (${sql.literal(columnList(spec.conflict))}) do update set ${sql.literal(assignments)}
      where ${sql.literal(compared.length === 0 ? "false" : differs)}
      returning ${sql.literal(quoteIdentifier(spec.key))}::text as key, (xmax = 0) as inserted`
    const added: Array<string> = []
    const updated: Array<string> = []
    for (const row of result) (row.inserted ? added : updated).push(row.key)
    return { added, updated }
  })

/** Plain `INSERT … SELECT … FROM jsonb_to_recordset(…)` with an optional `ON CONFLICT DO NOTHING`. */
export const insertRows = (
  spec: {
    readonly table: AnyTable
    readonly constants: ReadonlyArray<readonly [string, unknown]>
    readonly columns: ReadonlyArray<string>
    readonly onConflictDoNothing?: boolean
  },
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): Effect.Effect<number, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    if (rows.length === 0) return 0
    const sql = yield* SqlClient.SqlClient
    const written = [...spec.constants.map(([column]) => column), ...spec.columns]
    const result = yield* sql<{ readonly one: number }>`
      insert into ${sql(spec.table.name)} (${sql.literal(columnList(written))})
      ${yield* selectRecords(sql, spec.table, spec.constants, spec.columns, rows)}
      ${sql.literal(spec.onConflictDoNothing === true ? "on conflict do nothing" : "")}
      returning 1 as one`
    return result.length
  })

/** `"id", "ref", ...` for a subset of a table's columns. */
export const selectListOf = (columns: ReadonlyArray<string>): string => columnList(columns)
