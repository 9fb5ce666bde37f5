/**
 * Bundle registration on the 200-pack, 2,000-action workspace (bench/workspace.ts + packs/core), on PGlite and,
 * when DATABASE_URL is set, on PostgreSQL. Per round, on a fresh database: a cold registration, re-registering
 * the same digest, and a registration after one action changed. The floor, measured in the same database:
 * one `INSERT … SELECT … FROM unnest(…)` of the same action rows into a scratch copy of the action table.
 * Run: npm run bench:register   (ROUNDS=n to change the number of rounds, default 3)
 */
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PackCompiler } from "../src/compiler/index.js"
import type { BundleEnvelope } from "../src/domain/Bundle.js"
import { BundleRegistry, type RegisterPhase } from "../src/services/BundleRegistry.js"
import { COMPONENT_TABLES, planRegistration, rowColumns } from "../src/services/Registry/components.js"
import { quoteIdentifier } from "../src/services/Registry/statements.js"
import type { PgType } from "../src/sql/TableSchema.js"
import { ActionTable } from "../src/sql/Tables.js"
import { pgliteTestLayer, postgresTestLayer, type TestDatabase } from "../test/support/databases.js"
import { generateWorkspace, mutateOneAction } from "./workspace.js"

const ROUNDS = Number(process.env["ROUNDS"] ?? 3)
const REREGISTERS = 5
const WORKSPACE = "bench"

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (x: number) => `${x.toFixed(1)} ms`

const compile = (dir: string) =>
  Effect.flatMap(PackCompiler, (compiler) => compiler.compile([dir], { workspace: WORKSPACE })).pipe(
    Effect.map((compiled) => compiled.bundle),
    Effect.provide(PackCompiler.Default),
    Effect.orDie,
  )

/** The action rows exactly as registration writes them, as one text[] per column for `unnest`. */
const actionColumns = (bundle: BundleEnvelope) => {
  const plan = planRegistration(bundle)
  const actions = COMPONENT_TABLES.find((component) => component.table === ActionTable)!
  const rows = "components" in plan ? plan.components.find((c) => c.component === actions)!.rows : []
  const columns = rowColumns(actions)
  const types = columns.map((column) => ActionTable.info(column as keyof typeof ActionTable.Row.fields & string)!.pgType)
  const arrays = columns.map((column, i) =>
    rows.map((row) => {
      const value = row[column]
      if (value === null || value === undefined) return null
      return types[i] === "jsonb" || types[i] === "_text" ? JSON.stringify(value) : String(value)
    })
  )
  return { columns, types, arrays, count: rows.length }
}

const castFrom = (alias: string, type: PgType) =>
  type === "jsonb"
    ? `${alias}::jsonb`
    : type === "_text"
    ? `array(select jsonb_array_elements_text(${alias}::jsonb))`
    : `${alias}::${type}`

/** One multi-row INSERT … SELECT … FROM unnest(…) of the same action rows into an empty copy of the table. */
const floor = (workspaceId: string, data: ReturnType<typeof actionColumns>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`drop table if exists action_floor`
    yield* sql`create table action_floor (like action including all)`
    const aliases = data.columns.map((_, i) => `c${i}`)
    const select = sql.join(", ", false)([
      sql`${workspaceId}::uuid`,
      ...data.columns.map((_, i) => sql.literal(castFrom(aliases[i]!, data.types[i]!))),
    ])
    const unnest = sql.join(", ", false)(data.arrays.map((values) => sql`${values}::text[]`))
    const start = performance.now()
    yield* sql`insert into action_floor (${sql.literal(["workspace_id", ...data.columns].map(quoteIdentifier).join(", "))})
      select ${select} from unnest(${unnest}) as t(${sql.literal(aliases.join(", "))})`
    const elapsed = performance.now() - start
    const [row] = yield* sql<{ readonly n: number }>`select count(*)::int4 as n from action_floor`
    if (row?.n !== data.count) return yield* Effect.dieMessage(`the floor inserted ${row?.n} rows, expected ${data.count}`)
    yield* sql`drop table action_floor`
    return elapsed
  })

interface Round {
  readonly cold: number
  readonly again: number
  readonly oneChange: number
  readonly floor: number
  readonly phases: ReadonlyMap<RegisterPhase, number>
}

const round = (database: TestDatabase, base: BundleEnvelope, changed: BundleEnvelope, data: ReturnType<typeof actionColumns>) =>
  Effect.gen(function*() {
    const registry = yield* BundleRegistry
    const sql = yield* SqlClient.SqlClient
    // Time spent before each progress event since the previous one, by the phase that was running.
    const phases = new Map<RegisterPhase, number>()
    let mark = 0
    let current: RegisterPhase = "verify"
    const onProgress = (p: { readonly phase: RegisterPhase }) => {
      const now = performance.now()
      phases.set(current, (phases.get(current) ?? 0) + now - mark)
      mark = now
      current = p.phase
    }
    mark = performance.now()
    let start = performance.now()
    const first = yield* registry.register(base, WORKSPACE, { onProgress })
    const cold = performance.now() - start
    if (first.unchanged || first.counts.actions.added < 2000) {
      return yield* Effect.dieMessage("the cold registration did not write the workspace")
    }
    const again: Array<number> = []
    for (let i = 0; i < REREGISTERS; i++) {
      start = performance.now()
      const result = yield* registry.register(base, WORKSPACE)
      again.push(performance.now() - start)
      if (!result.unchanged) return yield* Effect.dieMessage("re-registering the same digest wrote something")
    }
    start = performance.now()
    const second = yield* registry.register(changed, WORKSPACE)
    const oneChange = performance.now() - start
    if (second.counts.actions.updated !== 1) {
      return yield* Effect.dieMessage(`expected one updated action, got ${JSON.stringify(second.counts.actions)}`)
    }
    const [workspace] = yield* sql<{ readonly id: string }>`select id from workspace where name = ${WORKSPACE}`
    const floorMs = yield* floor(workspace!.id, data)
    return { cold, again: median(again), oneChange, floor: floorMs, phases } satisfies Round
  }).pipe(Effect.provide(BundleRegistry.Default.pipe(Layer.provide(NodeFileSystem.layer), Layer.provideMerge(database))))

const report = (name: string, rounds: ReadonlyArray<Round>, actions: number) => {
  const cold = median(rounds.map((r) => r.cold))
  const floorMs = median(rounds.map((r) => r.floor))
  const again = median(rounds.map((r) => r.again))
  const oneChange = median(rounds.map((r) => r.oneChange))
  console.log(`\n${name} (median of ${rounds.length} rounds, each on a fresh database)`)
  console.log(`  floor: one INSERT … SELECT … FROM unnest(…) of ${actions} action rows  ${ms(floorMs)}`)
  console.log(`  cold register (verify + all rows + body + blobs):       ${ms(cold)}  (${(cold / floorMs).toFixed(2)}x floor, target <= 3x)`)
  console.log(`  re-register, same digest:                               ${ms(again)}  (target <= 20 ms)`)
  console.log(`  register after one action changed:                      ${ms(oneChange)}  (${(oneChange / floorMs).toFixed(2)}x floor)`)
  const phases = new Map<RegisterPhase, Array<number>>()
  for (const r of rounds) for (const [phase, t] of r.phases) phases.set(phase, [...(phases.get(phase) ?? []), t])
  const slowest = [...phases].map(([phase, ts]) => [phase, median(ts)] as const).sort((a, b) => b[1] - a[1]).slice(0, 6)
  console.log(`  cold register by phase: ${slowest.map(([phase, t]) => `${phase} ${t.toFixed(0)}`).join(", ")} (ms)`)
  console.log(`  all rounds: cold ${rounds.map((r) => r.cold.toFixed(0)).join(", ")}; floor ${rounds.map((r) => r.floor.toFixed(0)).join(", ")}`)
}

const scratchDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-bench-register-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

const program = Effect.gen(function*() {
  const dir = yield* scratchDir
  generateWorkspace(dir, { packs: 200, actionsPerPack: 10 })
  fs.cpSync(path.join(import.meta.dirname, "../packs/core"), path.join(dir, "core"), { recursive: true })
  const base = yield* compile(dir)
  mutateOneAction(dir)
  const changed = yield* compile(dir)
  const data = actionColumns(base)
  if (data.count === 0) return yield* Effect.dieMessage("the bench bundle does not register")
  const bytes = Buffer.byteLength(JSON.stringify(base))
  console.log(`workspace: ${Object.keys(base.body.packs).length} packs, ${data.count} actions, bundle ${(bytes / 1e6).toFixed(1)} MB (${dir})`)
  const backends: Array<readonly [string, TestDatabase]> = [["PGlite (in memory)", pgliteTestLayer()]]
  const url = process.env["DATABASE_URL"]
  if (url !== undefined && url !== "") backends.push(["PostgreSQL", postgresTestLayer({ url })])
  for (const [name, database] of backends) {
    const rounds: Array<Round> = []
    for (let i = 0; i < ROUNDS; i++) rounds.push(yield* round(database, base, changed, data))
    report(name, rounds, data.count)
  }
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
