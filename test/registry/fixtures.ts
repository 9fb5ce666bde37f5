/**
 * Bundles for the registry tests: the every-kind fixture (core + ops: every component kind, scripts as blobs)
 * compiled once, and variants of it made by editing the body and recomputing the digest.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Either } from "effect"
import * as path from "node:path"
import { PackCompiler } from "../../src/compiler/index.js"
import { type BundleBody, type BundleEnvelope, computeBundleDigest, PACK_SECTIONS } from "../../src/domain/Bundle.js"
import { registryTables } from "../../src/sql/Tables.js"

export const REPO = path.resolve(import.meta.dirname, "../..")
export const EVERY_KIND = path.join(REPO, "test/compiler/fixtures/every-kind")

export const compileBundle = (paths: ReadonlyArray<string>, workspace = "default"): Effect.Effect<BundleEnvelope> =>
  Effect.flatMap(PackCompiler, (compiler) => compiler.compile(paths, { workspace })).pipe(
    Effect.map((compiled) => compiled.bundle),
    Effect.provide(PackCompiler.Default),
    Effect.orDie,
  )

/** core + ops from the every-kind fixture, compiled once per test file. */
export const everyKind: Effect.Effect<BundleEnvelope> = Effect.runSync(Effect.cached(compileBundle([EVERY_KIND])))

/** A copy of `bundle` whose body `edit` changed, with the digest of the new body. */
export const withBody = (bundle: BundleEnvelope, edit: (body: { -readonly [K in keyof BundleBody]: any }) => void): BundleEnvelope => {
  const body = structuredClone(bundle.body) as { -readonly [K in keyof BundleBody]: any }
  edit(body)
  return { ...bundle, body: body as BundleBody, digest: computeBundleDigest(body as BundleBody) }
}

/** Every (section, ref) of a bundle, sorted: what the registry must hold for it. */
export const refsBySection = (bundle: BundleEnvelope): Record<string, ReadonlyArray<string>> =>
  Object.fromEntries(PACK_SECTIONS.map((section) => [
    section,
    Object.values(bundle.body.packs).flatMap((pack) => Object.keys(pack[section])).sort(),
  ]))

/** Row count of every registry table: what "nothing was written" is checked against. */
export const tableCounts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const counts: Record<string, number> = {}
  for (const table of registryTables) {
    const rows = yield* sql<{ readonly n: number }>`select count(*)::int4 as n from ${sql(table.name)}`
    counts[table.name] = rows[0]?.n ?? -1
  }
  return counts
}).pipe(Effect.orDie)

export const workspaceIdOf = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly id: string }>`select id from workspace where name = ${name}`).pipe(
    Effect.map((rows) => rows[0]?.id ?? ""),
    Effect.orDie,
  )

/** The left of an Either-returning effect, failing the test when it succeeded. */
export const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.either(effect), (result) =>
    Either.isLeft(result) ? Effect.succeed(result.left) : Effect.dieMessage(`expected a failure, got ${JSON.stringify(result.right)}`))
