/**
 * One suite, run on every backend from `backends()`: PGlite always, PostgreSQL when DATABASE_URL is set.
 * It pins what callers may rely on whichever database they get.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Deferred, Effect, Fiber, Queue, Schema, Stream } from "effect"
import { createHash, randomUUID } from "node:crypto"
import { COMPONENT_REF_PATTERN, DIGEST_PATTERN, PACK_REF_PATTERN } from "../../src/domain/Refs.js"
import { Database } from "../../src/sql/Database.js"
import { loadMigrations, MIGRATIONS_TABLE, runMigrations } from "../../src/sql/Migrations.js"
import { sqlStateOf, SqlState, violatedConstraintOf } from "../../src/sql/SqlFailure.js"
import { Column, decodeRows, insertReturning, SEMVER_PATTERN, SHA256_HEX_PATTERN } from "../../src/sql/TableSchema.js"
import type { AnyTable } from "../../src/sql/TableSchema.js"
import * as Tables from "../../src/sql/Tables.js"
import { backends } from "../support/databases.js"
import type { TestBackend } from "../support/databases.js"

interface ColumnRow {
  readonly table_name: string
  readonly column_name: string
  readonly pg_type: string
  readonly is_nullable: "YES" | "NO"
  readonly column_default: string | null
  readonly is_identity: "YES" | "NO"
}

const schemaColumns = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<ColumnRow>`
    select table_name, column_name, coalesce(domain_name, udt_name) as pg_type, is_nullable, column_default, is_identity
    from information_schema.columns
    where table_schema = current_schema() and table_name <> ${MIGRATIONS_TABLE}
    order by table_name, ordinal_position`)

const byTable = (rows: ReadonlyArray<ColumnRow>) => {
  const tables = new Map<string, Array<ColumnRow>>()
  for (const row of rows) tables.set(row.table_name, [...tables.get(row.table_name) ?? [], row])
  return tables
}

/** Fails with the SqlError the statement raised, so a test can read its SQLSTATE. */
const rejection = <A, R>(statement: Effect.Effect<A, SqlError, R>) => Effect.flip(statement)

/** Waits until `fiber` is blocked or finished, i.e. it has done all it can do right now. */
const settled = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.gen(function*() {
    for (;;) {
      const status = yield* Fiber.status(fiber)
      if (status._tag !== "Running") return
      yield* Effect.yieldNow()
    }
  })

/** Decodes `plain` with the table's insert schema, inserts it and returns the stored row. */
const insert = (table: AnyTable, plain: Record<string, unknown>) =>
  Effect.flatMap(
    Schema.decodeUnknown(table.Insert as Schema.Schema<unknown, unknown>)(plain),
    (value) => insertReturning(table, value),
  ) as Effect.Effect<Record<string, any>, unknown, SqlClient.SqlClient>

const defaultWorkspaceId = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ id: string }>`select id from workspace where name = 'default'`, (rows) => rows[0]?.id ?? ""))

const conformance = (backend: TestBackend) =>
  layer(backend.layer, { timeout: "120 seconds", excludeTestServices: true })(`database conformance (${backend.name})`, (it) => {
    it.effect("every migration is applied, and running them again applies nothing", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const files = yield* loadMigrations()
        const again = yield* runMigrations()
        expect(again.applied).toEqual([])
        expect(again.latestId).toBe(files.at(-1)?.id)
        const history = yield* sql<{ migration_id: number; name: string }>`
          select migration_id, name from ${sql(MIGRATIONS_TABLE)} order by migration_id`
        expect(history).toEqual(files.map((file) => ({ migration_id: file.id, name: file.name })))
      }).pipe(Effect.provide(NodeFileSystem.layer)))

    it.effect("the backend reports what it is", () =>
      Effect.gen(function*() {
        const database = yield* Database
        expect(database.backend).toBe(backend.name)
      }))

    it.effect("each table's columns, types and nullability are those of its row schema", () =>
      Effect.gen(function*() {
        const actual = byTable(yield* schemaColumns)
        expect([...actual.keys()].sort()).toEqual(Tables.registryTables.map((table) => table.name).sort())
        for (const table of Tables.registryTables) {
          const inDatabase = (actual.get(table.name) ?? []).map((column) => ({
            column: column.column_name,
            pgType: column.pg_type,
            nullable: column.is_nullable === "YES",
          }))
          const inSchema = table.columns.map((column) => ({
            column,
            pgType: table.info(column)?.pgType,
            nullable: table.info(column)?.nullable,
          }))
          expect({ table: table.name, columns: inSchema }).toEqual({ table: table.name, columns: inDatabase })
        }
      }))

    it.effect("generated and defaulted columns are exactly the identity and defaulted columns", () =>
      Effect.gen(function*() {
        const actual = byTable(yield* schemaColumns)
        const mismatches: Array<string> = []
        for (const table of Tables.registryTables) {
          for (const column of actual.get(table.name) ?? []) {
            const name = column.column_name
            const identity = column.is_identity === "YES"
            const hasDefault = column.column_default !== null
            if (identity !== table.generated.includes(name)) mismatches.push(`${table.name}.${name}: identity ${identity}`)
            const declaredDefault = table.defaulted.includes(name)
            if (declaredDefault && !hasDefault) mismatches.push(`${table.name}.${name}: declared defaulted, has no default`)
            if (!declaredDefault && hasDefault && column.is_nullable === "NO") {
              mismatches.push(`${table.name}.${name}: has a default (${column.column_default}), not declared defaulted`)
            }
          }
        }
        expect(mismatches).toEqual([])
      }))

    it.effect("each CHECK (column in (...)) lists exactly the values of the column's literal codec", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const checks = yield* sql<{ table_name: string; column_name: string; definition: string }>`
          select cl.relname as table_name, a.attname as column_name, pg_get_constraintdef(c.oid) as definition
          from pg_constraint c
          join pg_class cl on cl.oid = c.conrelid
          join pg_namespace n on n.oid = cl.relnamespace
          join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
          where c.contype = 'c' and n.nspname = current_schema() and cardinality(c.conkey) = 1
            and pg_get_constraintdef(c.oid) like '%= ANY (ARRAY[%'`
        const fromDatabase = checks.map((check) => ({
          column: `${check.table_name}.${check.column_name}`,
          values: [...check.definition.matchAll(/'([^']*)'::text/g)].map((match) => match[1]),
        })).sort((a, b) => a.column.localeCompare(b.column))
        const fromCodecs = Tables.registryTables.flatMap((table) =>
          table.columns.flatMap((column) => {
            const values = table.info(column)?.values
            return values === undefined ? [] : [{ column: `${table.name}.${column}`, values: [...values] }]
          })
        ).sort((a, b) => a.column.localeCompare(b.column))
        expect(fromDatabase).toEqual(fromCodecs)
        expect(fromCodecs.find((check) => check.column === "runtime_profile.protocol_family")?.values)
          .toEqual([...Tables.PROTOCOL_FAMILIES])
      }))

    it.effect("domain checks use the same patterns as the TypeScript codecs", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const domains = yield* sql<{ domain: string; definition: string }>`
          select t.typname as domain, pg_get_constraintdef(c.oid) as definition
          from pg_constraint c join pg_type t on t.oid = c.contypid join pg_namespace n on n.oid = t.typnamespace
          where n.nspname = current_schema() order by t.typname`
        const expected: Record<string, RegExp> = {
          component_ref: COMPONENT_REF_PATTERN,
          pack_ref: PACK_REF_PATTERN,
          semver: SEMVER_PATTERN,
          sha256_digest: DIGEST_PATTERN,
          sha256_hex: SHA256_HEX_PATTERN,
        }
        expect(domains.map((row) => row.domain)).toEqual(Object.keys(expected).sort())
        for (const row of domains) {
          expect(row.definition).toBe(`CHECK ((VALUE ~ '${expected[row.domain]?.source}'::text))`)
        }
      }))

    it.effect("int8 and count(*) come back as decimal strings, with and without parameters", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [plain] = yield* sql`select 42::int8 as small, 9007199254740993::int8 as big, count(*) as n,
          array[1, 2]::int8[] as list, 7::int4 as int4, 1.50::numeric as numeric`
        expect(plain).toEqual({ small: "42", big: "9007199254740993", n: "1", list: ["1", "2"], int4: 7, numeric: "1.50" })
        const [bound] = yield* sql`select ${"9007199254740993"}::int8 as from_string, ${9007199254740993n}::int8 as from_bigint,
          ${12}::int8 as from_number, ${[3, 4]}::int8[] as list`
        expect(bound).toEqual({ from_string: "9007199254740993", from_bigint: "9007199254740993", from_number: "12", list: ["3", "4"] })
      }))

    it.effect("bytea round-trips as a Buffer", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const bytes = Uint8Array.from([0, 1, 2, 92, 120, 127, 128, 254, 255])
        const [bound] = yield* sql<{ b: Uint8Array }>`select ${bytes}::bytea as b, ${Buffer.from("hi")}::bytea as h`
        expect(Buffer.isBuffer(bound?.b)).toBe(true)
        expect([...bound?.b ?? []]).toEqual([...bytes])
        const [plain] = yield* sql<{ b: Uint8Array; empty: Uint8Array }>`select '\\x00ff5c'::bytea as b, ''::bytea as empty`
        expect(Buffer.isBuffer(plain?.b)).toBe(true)
        expect([...plain?.b ?? []]).toEqual([0, 255, 92])
        expect(Buffer.isBuffer(plain?.empty) && plain?.empty.length === 0).toBe(true)

        const sha256 = createHash("sha256").update(bytes).digest("hex")
        const stored = yield* insert(Tables.BlobTable, { sha256, size: bytes.length, bytes })
        expect([...stored.bytes]).toEqual([...bytes])
        const [again] = yield* Effect.flatMap(
          sql`select ${sql.literal(Tables.BlobTable.selectList)} from blob where sha256 = ${sha256}`,
          decodeRows(Tables.BlobTable),
        )
        expect(Buffer.isBuffer(again?.bytes)).toBe(true)
        expect([...again?.bytes ?? []]).toEqual([...bytes])
      }))

    it.effect("jsonb round-trips objects, arrays, strings, numbers, booleans and null through the codec", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const codec = Column.jsonb()
        const values: ReadonlyArray<unknown> = [
          { a: 1, nested: { list: [1, "x", null, { deep: true }] }, "key with space": "ü ✓" },
          [1, 2, 3],
          ["only", "strings"],
          [],
          "a string with \"quotes\" and \\ backslash",
          42.5,
          false,
          null,
        ]
        for (const value of values) {
          const encoded = yield* Schema.encode(codec)(value)
          const [row] = yield* sql<{ j: unknown }>`select ${encoded}::jsonb as j`
          expect(yield* Schema.decodeUnknown(codec)(row?.j)).toEqual(value)
        }
      }))

    it.effect("a row of every table round-trips through its codec", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const workspace_id = yield* defaultWorkspaceId
        const digest = `sha256:${"ab".repeat(32)}`
        const stored: Record<string, Record<string, any>> = {}
        const put = (table: AnyTable, plain: Record<string, unknown>) =>
          Effect.tap(insert(table, plain), (row) => {
            stored[table.name] = row
          })

        yield* put(Tables.WorkspaceTable, { name: "roundtrip", description: null })
        const bundle = yield* put(Tables.BundleTable, { workspace_id, revision: 1, digest, body: { packs: ["core"] } })
        expect(bundle.provenance).toEqual({})
        const pack = yield* put(Tables.PackTable, {
          workspace_id, ref: "core", version: "1.2.3-rc.1+build.7", label: "Core", bundle_revision: 1, bundle_digest: digest,
        })
        expect(pack.is_adhoc).toBe(false)
        const runtime = yield* put(Tables.RuntimeTable, {
          workspace_id, ref: "core.python", pack_ref: "core", name: "Python", aliases: ["python", "python3"],
          execution_config: { interpreter: { binary: "python3", args: ["-u"], file_extension: ".py" } },
        })
        expect({ auto_detected: runtime.auto_detected, detection_config: runtime.detection_config })
          .toEqual({ auto_detected: false, detection_config: {} })
        const detected = yield* insert(Tables.RuntimeTable, {
          workspace_id, ref: "auto.ruby", name: "Ruby", auto_detected: true,
          detection_config: { binary: "/usr/bin/ruby", version: "3.2.2", name: "ruby" },
        })
        expect(detected.pack_ref).toBeNull()
        yield* put(Tables.RuntimeVersionTable, { runtime_id: runtime.id, version: "3.12", is_default: true })
        yield* put(Tables.ActionTable, {
          workspace_id, ref: "core.echo", pack_ref: "core", runtime_ref: "core.python", entry_point: "echo.py",
          param_schema: { type: "object", properties: { message: { type: "string" } } }, timeout_seconds: 30,
          tags: ["demo"], definition: { ref: "core.echo" },
        })
        yield* put(Tables.TriggerTable, { workspace_id, ref: "core.webhook", pack_ref: "core", definition: {} })
        yield* put(Tables.SensorTable, {
          workspace_id, ref: "core.poller", pack_ref: "core", trigger_refs: ["core.webhook"], poll_interval_seconds: 30,
          definition: {},
        })
        yield* put(Tables.RuleTable, {
          workspace_id, ref: "core.on_hook", pack_ref: "core", trigger_ref: "core.webhook", action_ref: "core.echo",
          criteria: [{ pattern: "payload.n", type: "equals", value: 1 }], definition: {},
        })
        yield* put(Tables.WorkflowTable, {
          workspace_id, ref: "core.deploy", pack_ref: "core", version: "0.1.0", definition: { tasks: [] },
        })
        yield* put(Tables.PermissionSetTable, { workspace_id, ref: "core.admins", pack_ref: "core", grants: [{ action: "*" }] })
        yield* put(Tables.RuntimeProfileTable, {
          workspace_id, display_name: "Team Codex", protocol_family: "codex", command_name: "team-codex",
          fixed_args: ["--model", "x"],
        })
        yield* put(Tables.AgentRuntimeTable, { workspace_id, daemon_id: "daemon-roundtrip", name: "codex (host)", provider: "codex" })
        const worker = yield* put(Tables.WorkerTable, { name: "worker-roundtrip", host: "host-1", capabilities: { runtimes: ["python"] } })
        const event = yield* put(Tables.EventTable, { workspace_id, trigger_ref: "core.webhook", payload: { n: 1 } })
        const enforcement = yield* put(Tables.EnforcementTable, {
          workspace_id, rule_ref: "core.on_hook", trigger_ref: "core.webhook", event_id: event.id,
        })
        const execution = yield* put(Tables.ExecutionTable, {
          workspace_id, action_ref: "core.echo", runtime_ref: "core.python", config: { message: "hi" },
          worker_id: worker.id, enforcement_id: enforcement.id, bundle_digest: digest,
        })
        expect({ status: execution.status, attempt: execution.attempt, result: execution.result })
          .toEqual({ status: "requested", attempt: 0, result: null })
        yield* put(Tables.AgentTable, {
          workspace_id, name: "hello-agent", version: "1.0.0", manifest_yaml: "apiVersion: scarab/v1\nkind: AgentManifest\n",
          install_dir: "/var/lib/scarab-runtime/agents/hello-agent",
        })
        const bytes = Buffer.from("print('hi')\n")
        yield* put(Tables.BlobTable, { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, bytes })

        expect(Object.keys(stored).sort()).toEqual(Tables.registryTables.map((table) => table.name).sort())
        for (const table of Tables.registryTables) {
          const row = stored[table.name] ?? {}
          const key = table.columns.includes("id") ? "id" : table.columns[0] ?? ""
          const selected = yield* Effect.flatMap(
            sql`select ${sql.literal(table.selectList)} from ${sql(table.name)} where ${sql(key)} = ${row[key]}`,
            decodeRows(table),
          )
          expect(selected).toEqual([row])
        }
      }))

    it.effect("a failed transaction rolls back", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const failure = yield* sql.withTransaction(
          Effect.zipRight(insert(Tables.WorkerTable, { name: "tx-rolled-back", host: "h" }), Effect.fail("boom" as const)),
        ).pipe(Effect.flip)
        expect(failure).toBe("boom")
        expect(yield* sql`select name from worker where name = 'tx-rolled-back'`).toEqual([])
      }))

    it.effect("a nested transaction rolls back to its savepoint and the outer one commits", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const worker = (name: string) => insert(Tables.WorkerTable, { name, host: "h" })
        yield* sql.withTransaction(Effect.gen(function*() {
          yield* worker("nested-outer-before")
          const inner = yield* sql.withTransaction(Effect.zipRight(worker("nested-inner"), Effect.fail("inner" as const))).pipe(
            Effect.flip,
          )
          expect(inner).toBe("inner")
          yield* worker("nested-outer-after")
        }))
        const names = yield* sql<{ name: string }>`select name from worker where name like 'nested-%' order by name`
        expect(names.map((row) => row.name)).toEqual(["nested-outer-after", "nested-outer-before"])
      }))

    it.effect("a concurrent writer neither sees nor joins an open transaction", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const inside = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const holder = yield* sql.withTransaction(Effect.gen(function*() {
          yield* insert(Tables.WorkerTable, { name: "isolation-inside", host: "h" })
          yield* Deferred.succeed(inside, undefined)
          yield* Deferred.await(release)
          return yield* Effect.fail("roll back" as const)
        })).pipe(Effect.flip, Effect.fork)
        yield* Deferred.await(inside)

        const outsider = yield* Effect.fork(Effect.gen(function*() {
          const seen = yield* sql<{ n: string }>`select count(*) as n from worker where name = 'isolation-inside'`
          yield* insert(Tables.WorkerTable, { name: "isolation-outside", host: "h" })
          return seen[0]?.n
        }))
        // PGlite: the outsider waits for the backend; Postgres: it runs on its own connection.
        yield* settled(outsider)
        yield* Deferred.succeed(release, undefined)

        expect(yield* Fiber.join(holder)).toBe("roll back")
        expect(yield* Fiber.join(outsider)).toBe("0")
        const names = yield* sql<{ name: string }>`select name from worker where name like 'isolation-%'`
        expect(names.map((row) => row.name)).toEqual(["isolation-outside"])
      }))

    it.effect("many concurrent statements and transactions all complete with their own results", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const results = yield* Effect.forEach(
          Array.from({ length: 40 }, (_, i) => i),
          (i) =>
            i % 4 === 0
              ? sql.withTransaction(Effect.map(insert(Tables.WorkerTable, { name: `concurrent-${i}`, host: "h" }), () => i))
              : Effect.map(sql<{ v: number }>`select ${i}::int4 as v`, (rows) => rows[0]?.v),
          { concurrency: "unbounded" },
        )
        expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i))
        const [count] = yield* sql<{ n: string }>`select count(*) as n from worker where name like 'concurrent-%'`
        expect(count?.n).toBe("10")
      }))

    it.effect("a fiber issuing statements back to back lets other fibers' statements and timers through", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const rounds = 300
        let completed = 0
        const started = yield* Deferred.make<void>()
        const busy = yield* Effect.fork(Effect.forEach(Array.from({ length: rounds }, (_, i) => i), (i) =>
          sql`select ${i}::int4 as i`.pipe(
            Effect.zipRight(Effect.sync(() => completed++)),
            Effect.zipRight(Deferred.succeed(started, undefined)),
          )))
        yield* Deferred.await(started)
        // Ordering, not timing: how many of the busy fiber's statements had finished when each of these did.
        const timerFiredAfter = yield* Effect.async<number>((resume) => {
          const timer = setTimeout(() => resume(Effect.succeed(completed)), 0)
          return Effect.sync(() => clearTimeout(timer))
        })
        const statementDoneAfter = yield* Effect.map(sql`select 1 as one`, () => completed)
        yield* Fiber.join(busy)
        expect(timerFiredAfter).toBeLessThan(rounds)
        expect(statementDoneAfter).toBeLessThan(rounds)
      }))

    it.scoped("LISTEN/NOTIFY delivers in order on exact channel names; a rolled back notification never arrives", () =>
      Effect.gen(function*() {
        const database = yield* Database
        const sql = yield* SqlClient.SqlClient
        const channel = "Conformance Events"
        const received = yield* Queue.unbounded<string>()
        yield* database.listen(channel).pipe(Stream.runForEach((payload) => Queue.offer(received, payload)), Effect.forkScoped)
        yield* database.listen("conformance events").pipe(
          Stream.runForEach((payload) => Queue.offer(received, `wrong channel: ${payload}`)),
          Effect.forkScoped,
        )
        // LISTEN is issued when the stream starts; probe until it is in place (a readiness wait, not a timing claim).
        yield* database.notify(channel, "probe").pipe(
          Effect.zipRight(Queue.take(received).pipe(Effect.timeoutFail({ duration: "200 millis", onTimeout: () => "not yet" }))),
          Effect.retry({ times: 100 }),
        )

        yield* sql.withTransaction(Effect.zipRight(database.notify(channel, "rolled back"), Effect.fail("abort" as const))).pipe(
          Effect.flip,
        )
        yield* sql.withTransaction(database.notify(channel, "committed"))
        for (const payload of ["one", "two", "three", "end"]) yield* database.notify(channel, payload)

        const payloads: Array<string> = []
        for (;;) {
          const payload = yield* Queue.take(received)
          if (payload === "probe") continue
          payloads.push(payload)
          if (payload === "end") break
        }
        expect(payloads).toEqual(["committed", "one", "two", "three", "end"])
      }))

    it.effect("CHECK constraints reject a malformed ref, an unknown status and a version that is not semver", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const workspace_id = yield* defaultWorkspaceId
        const digest = `sha256:${"cd".repeat(32)}`
        yield* sql`insert into bundle ${sql.insert({ workspace_id, revision: 100, digest, body: "{}" })}`
        const pack = (ref: string, version: string) =>
          sql`insert into pack ${sql.insert({ workspace_id, ref, version, label: ref, bundle_revision: 100, bundle_digest: digest })}`
        yield* pack("checks", "1.0.0-alpha.1+build.5")
        for (const version of ["1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+"]) {
          expect({ version, state: sqlStateOf(yield* rejection(pack(`checks_${version.length}`, version))) })
            .toEqual({ version, state: SqlState.CHECK_VIOLATION })
        }
        expect(sqlStateOf(yield* rejection(pack("Checks", "1.0.0")))).toBe(SqlState.CHECK_VIOLATION)

        const action = (ref: string) =>
          sql`insert into action ${sql.insert({ workspace_id, ref, pack_ref: "checks", definition: "{}" })}`
        yield* action("checks.ok-name_2")
        for (const ref of ["Checks.echo", "checks", "checks.", "checks.Echo", "checks.echo.more", ".echo"]) {
          expect({ ref, state: sqlStateOf(yield* rejection(action(ref))) }).toEqual({ ref, state: SqlState.CHECK_VIOLATION })
        }
        // The ref's pack segment must be the pack it belongs to.
        yield* pack("other", "1.0.0")
        const misfiled = yield* rejection(
          sql`insert into action ${sql.insert({ workspace_id, ref: "checks.misfiled", pack_ref: "other", definition: "{}" })}`,
        )
        expect(sqlStateOf(misfiled)).toBe(SqlState.CHECK_VIOLATION)

        const execution = (status: string) =>
          sql`insert into execution ${sql.insert({ workspace_id, action_ref: "checks.ok-name_2", status })}`
        yield* execution("canceling")
        for (const status of ["done", "REQUESTED", ""]) {
          expect(sqlStateOf(yield* rejection(execution(status)))).toBe(SqlState.CHECK_VIOLATION)
        }
        expect(sqlStateOf(yield* rejection(
          sql`insert into action ${sql.insert({ workspace_id, ref: "checks.format", pack_ref: "checks", definition: "{}", output_format: "xml" })}`,
        ))).toBe(SqlState.CHECK_VIOLATION)
      }))

    it.effect("agent_runtime: a built-in and profile rows of one provider coexist, duplicates conflict, upserts find their row", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const workspace_id = yield* defaultWorkspaceId
        const daemon_id = "daemon-partial-unique"
        const [profileA, profileB] = [randomUUID(), randomUUID()]
        const runtime = (provider: string, profile_id: string | null, daemon = daemon_id) =>
          sql`insert into agent_runtime ${sql.insert({ workspace_id, daemon_id: daemon, name: `${provider} runtime`, provider, profile_id })}`

        yield* runtime("codex", null)
        yield* runtime("codex", profileA)
        yield* runtime("codex", profileB)
        yield* runtime("claude", null)
        yield* runtime("codex", null, "another-daemon")

        const builtIn = yield* rejection(runtime("codex", null))
        expect([sqlStateOf(builtIn), violatedConstraintOf(builtIn)])
          .toEqual([SqlState.UNIQUE_VIOLATION, "agent_runtime_workspace_daemon_provider_key"])
        const fromProfile = yield* rejection(runtime("claude", profileA))
        expect([sqlStateOf(fromProfile), violatedConstraintOf(fromProfile)])
          .toEqual([SqlState.UNIQUE_VIOLATION, "agent_runtime_workspace_daemon_profile_key"])

        const upsertBuiltIn = yield* sql<{ inserted: boolean; status: string }>`
          insert into agent_runtime ${sql.insert({ workspace_id, daemon_id, name: "codex again", provider: "codex", status: "online" })}
          on conflict (workspace_id, daemon_id, provider) where profile_id is null
          do update set status = excluded.status, updated_at = now()
          returning (xmax = 0) as inserted, status`
        expect(upsertBuiltIn).toEqual([{ inserted: false, status: "online" }])
        const upsertProfile = yield* sql<{ inserted: boolean; provider: string }>`
          insert into agent_runtime ${sql.insert({ workspace_id, daemon_id, name: "profile again", provider: "claude", profile_id: profileA })}
          on conflict (workspace_id, daemon_id, profile_id) where profile_id is not null
          do update set provider = excluded.provider
          returning (xmax = 0) as inserted, provider`
        expect(upsertProfile).toEqual([{ inserted: false, provider: "claude" }])

        const [count] = yield* sql<{ n: string }>`select count(*) as n from agent_runtime where daemon_id = ${daemon_id}`
        expect(count?.n).toBe("4")
      }))

    it.effect("runtime_profile display names are unique per workspace", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const workspace_id = yield* defaultWorkspaceId
        const profile = (display_name: string) =>
          sql`insert into runtime_profile ${sql.insert({ workspace_id, display_name, protocol_family: "claude", command_name: "c" })}`
        yield* profile("Unique Name")
        yield* profile("unique name")
        const duplicate = yield* rejection(profile("Unique Name"))
        expect(sqlStateOf(duplicate)).toBe(SqlState.UNIQUE_VIOLATION)
        expect(sqlStateOf(yield* rejection(
          sql`insert into runtime_profile ${sql.insert({ workspace_id, display_name: "Gemini", protocol_family: "gemini", command_name: "g" })}`,
        ))).toBe(SqlState.CHECK_VIOLATION)
      }))
  })

describe("database backends", () => {
  for (const backend of backends()) conformance(backend)
})
