/**
 * Registers a bundle into a workspace: one transaction that adds revision N+1 and makes the component
 * tables equal the bundle. The bundle is verified before anything is written; registering the digest the
 * workspace already has is a no-op found by one indexed lookup. Registrations of one workspace serialize
 * on its row (`FOR UPDATE`), so concurrent ones get consecutive revisions and none is lost.
 *
 * A workspace bundle is the full desired state: components of packs that are gone from it are removed,
 * and so are packs absent from it, except that rows created through the API (`is_adhoc`) are never touched.
 * A pack that still has ad-hoc components is kept, and marked ad hoc itself, so they keep their pack.
 */
import { FileSystem } from "@effect/platform"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Either, Option } from "effect"
import {
  BUNDLE_FORMAT, type BundleEnvelope, type BundleVerificationError, canonicalJson, InvalidBundle, type PackSection,
  verifyBundle,
} from "../domain/Bundle.js"
import type { Digest } from "../domain/Refs.js"
import { sqlStateOf, describeSqlError } from "../sql/SqlFailure.js"
import { BlobTable, BundleTable, PackTable, RuntimeProfileTable, RuntimeTable, RuntimeVersionTable, WorkspaceTable } from "../sql/Tables.js"
import { readBundleFile } from "./BundleFile.js"
import { checkWorkspaceName } from "./Registry.js"
import {
  BLOB_COLUMNS, BODY_KINDS, blobRows, type BodyKind, type ComponentRows, PACK_CHILD_TABLES, PACK_COLUMNS, planRegistration,
  PROFILE_COLUMNS, REGISTRY_KINDS, type RegistrationPlan, type RegistryKind, VERSION_COLUMNS,
} from "./Registry/components.js"
import { Conflict, type InvalidName } from "./Registry/errors.js"
import { insertRows, upsertRows } from "./Registry/statements.js"

export { REGISTRY_KINDS, type RegistryKind } from "./Registry/components.js"

export type RegisterPhase = "verify" | "lock" | "bundle" | "blobs" | RegistryKind | "remove" | "commit"

export interface RegisterProgress {
  readonly phase: RegisterPhase
  readonly done: number
  readonly total: number
}

export interface RegisterOptions {
  /** Called as the registration advances; phases after "lock" run inside the transaction. */
  readonly onProgress?: ((progress: RegisterProgress) => void) | undefined
}

export interface ChangeCounts {
  readonly added: number
  readonly updated: number
  readonly removed: number
}

export interface RegisterResult {
  readonly workspace: string
  readonly revision: number
  readonly digest: Digest
  /** The workspace's latest revision already had this digest; nothing was written. */
  readonly unchanged: boolean
  readonly counts: Readonly<Record<RegistryKind, ChangeCounts>>
}

export type RegisterError = BundleVerificationError | Conflict | InvalidName

/** Rows per statement: bounds statement size and gives progress a step. */
export const CHUNK_ROWS = 500

const noChanges = (): Record<RegistryKind, ChangeCounts> =>
  Object.fromEntries(REGISTRY_KINDS.map((kind) => [kind, { added: 0, updated: 0, removed: 0 }])) as Record<
    RegistryKind,
    ChangeCounts
  >

const chunks = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Data the database refuses (a CHECK, a domain, text it cannot store) is the bundle's fault; anything else is not. */
const refusedAs = (path: string) => (error: SqlError): Effect.Effect<never, InvalidBundle> => {
  const state = sqlStateOf(error)
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"))
    ? Effect.fail(new InvalidBundle({
      reason: "the database refused part of the bundle",
      issues: [{ path, message: describeSqlError(error) }],
    }))
    : Effect.die(error)
}

const writing = <A, R>(path: string, effect: Effect.Effect<A, SqlError, R>): Effect.Effect<A, InvalidBundle, R> =>
  Effect.catchTag(effect, "SqlError", refusedAs(path))

const insertColumnsExcept = (columns: ReadonlyArray<string>, excluded: ReadonlyArray<string>) =>
  columns.filter((column) => !excluded.includes(column))

export class BundleRegistry extends Effect.Service<BundleRegistry>()("packsmith/BundleRegistry", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const fs = yield* FileSystem.FileSystem
    const query = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.orDie(effect)

    const latestOf = (workspace: string) =>
      query(sql<{ readonly revision: number; readonly digest: string }>`
        select revision, digest from ${sql(BundleTable.name)}
        where workspace_id = (select id from ${sql(WorkspaceTable.name)} where name = ${workspace})
        order by revision desc limit 1`).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

    const unchangedResult = (workspace: string, latest: { readonly revision: number; readonly digest: string }) =>
      ({ workspace, revision: latest.revision, digest: latest.digest as Digest, unchanged: true, counts: noChanges() }) satisfies RegisterResult

    const write = (bundle: BundleEnvelope, plan: RegistrationPlan, workspace: string, report: Reporter) =>
      Effect.gen(function*() {
        const counts = noChanges()
        const count = (kind: RegistryKind, change: Partial<ChangeCounts>) => {
          const current = counts[kind]
          counts[kind] = {
            added: current.added + (change.added ?? 0),
            updated: current.updated + (change.updated ?? 0),
            removed: current.removed + (change.removed ?? 0),
          }
        }

        yield* report("lock", 0, 1)
        yield* query(sql`insert into ${sql(WorkspaceTable.name)} (name) values (${workspace}) on conflict (name) do nothing`)
        const locked = yield* query(sql<{ readonly id: string }>`
          select id from ${sql(WorkspaceTable.name)} where name = ${workspace} for update`)
        const workspaceId = locked[0]?.id
        if (workspaceId === undefined) return yield* Effect.dieMessage(`workspace ${workspace} disappeared while locked`)
        yield* report("lock", 1, 1)

        const previous = Option.fromNullable((yield* query(sql<{ readonly id: string; readonly revision: number; readonly digest: string }>`
          select id, revision, digest from ${sql(BundleTable.name)}
          where workspace_id = ${workspaceId} order by revision desc limit 1`))[0])
        // Another registration of the same bundle won the lock first.
        if (Option.isSome(previous) && previous.value.digest === bundle.digest) {
          return unchangedResult(workspace, previous.value)
        }
        const revision = Option.match(previous, { onNone: () => 1, onSome: (row) => row.revision + 1 })
        const inWorkspace = [["workspace_id", workspaceId]] as const

        yield* report("bundle", 0, 1)
        const bundleConstants = [...inWorkspace, ["revision", revision], ["digest", bundle.digest]] as const
        yield* writing("bundle", insertRows({
          table: BundleTable,
          constants: bundleConstants,
          columns: insertColumnsExcept(BundleTable.insertColumns, [...bundleConstants.map(([column]) => column), "created_at"]),
        }, [{ provenance: bundle.provenance, body: bundle.body }]))
        yield* report("bundle", 1, 1)

        const hashes = [...plan.blobs.keys()]
        yield* report("blobs", 0, hashes.length)
        if (hashes.length > 0) {
          const stored = yield* query(sql<{ readonly sha256: string }>`
            select sha256 from ${sql(BlobTable.name)} where sha256 = any(${hashes}::text[])`)
          const have = new Set(stored.map((row) => row.sha256))
          yield* writing("blobs", insertRows(
            { table: BlobTable, constants: [], columns: BLOB_COLUMNS, onConflictDoNothing: true },
            blobRows(plan.blobs, hashes.filter((hash) => !have.has(hash))),
          ))
        }
        yield* report("blobs", hashes.length, hashes.length)

        yield* refuseAdhocClashes(workspace, workspaceId, plan.components)

        yield* report("packs", 0, plan.packs.length)
        const packs = yield* writing("packs", upsertRows({
          table: PackTable,
          constants: [...inWorkspace, ["bundle_revision", revision], ["bundle_digest", bundle.digest]],
          columns: PACK_COLUMNS,
          conflict: ["workspace_id", "ref"],
          // Which revision last registered a pack is not a change to the pack.
          compare: PACK_COLUMNS.filter((column) => column !== "ref"),
          key: "ref",
        }, plan.packs))
        yield* query(sql`
          update ${sql(PackTable.name)} set bundle_revision = ${revision}, bundle_digest = ${bundle.digest}
          where workspace_id = ${workspaceId} and ref = any(${plan.packRefs}::text[])
            and bundle_revision is distinct from ${revision}`)
        count("packs", { added: packs.added.length, updated: packs.updated.length })
        yield* report("packs", plan.packs.length, plan.packs.length)

        for (const { component, columns, rows } of plan.components) {
          yield* report(component.kind, 0, rows.length)
          let done = 0
          for (const chunk of chunks(rows, CHUNK_ROWS)) {
            const outcome = yield* writing(component.kind, upsertRows({
              table: component.table,
              constants: inWorkspace,
              columns,
              conflict: ["workspace_id", "ref"],
              key: "ref",
            }, chunk))
            count(component.kind, { added: outcome.added.length, updated: outcome.updated.length })
            done += chunk.length
            yield* report(component.kind, done, rows.length)
          }
        }

        yield* writeRuntimeVersions(workspaceId, plan, report, count)
        yield* writeProfiles(workspace, workspaceId, plan, report)

        yield* report("remove", 0, 1)
        for (const { component, refs } of plan.components) {
          const removed = yield* query(sql<{ readonly ref: string }>`
            delete from ${sql(component.table.name)}
            where workspace_id = ${workspaceId} and ${sql.literal(component.owned)} and not (ref = any(${refs}::text[]))
            returning ref`)
          count(component.kind, { removed: removed.length })
        }
        const keptAsAdhoc = yield* query(sql<{ readonly ref: string }>`
          update ${sql(PackTable.name)} p set is_adhoc = true, updated_at = now()
          where workspace_id = ${workspaceId} and not is_adhoc and not (ref = any(${plan.packRefs}::text[]))
            and (${
          sql.join(" or ", false)(PACK_CHILD_TABLES.map((table) =>
            sql`exists (select 1 from ${sql(table.name)} c where c.workspace_id = p.workspace_id and c.pack_ref = p.ref)`
          ))
        })
          returning ref`)
        const deletedPacks = yield* query(sql<{ readonly ref: string }>`
          delete from ${sql(PackTable.name)}
          where workspace_id = ${workspaceId} and not is_adhoc and not (ref = any(${plan.packRefs}::text[]))
          returning ref`)
        count("packs", { removed: keptAsAdhoc.length + deletedPacks.length })
        yield* report("remove", 1, 1)

        if (Option.isSome(previous)) yield* countBodyChanges(previous.value.id, plan, count)
        else for (const kind of BODY_KINDS) count(kind, { added: plan.bodyComponents[kind].size })

        return { workspace, revision, digest: bundle.digest, unchanged: false, counts } satisfies RegisterResult
      })

    /** Rows created through the API are the user's: a bundle declaring the same ref is refused, not merged. */
    const refuseAdhocClashes = (workspace: string, workspaceId: string, components: ReadonlyArray<ComponentRows>) =>
      Effect.gen(function*() {
        const checked = components.filter((rows) => rows.refs.length > 0)
        if (checked.length === 0) return
        const clashes = yield* query(sql<{ readonly kind: string; readonly ref: string; readonly adhoc: boolean }>`${
          sql.join(" union all ", false)(checked.map(({ component, refs }) =>
            sql`select ${component.kind}::text as kind, ref::text as ref, is_adhoc as adhoc from ${sql(component.table.name)}
              where workspace_id = ${workspaceId} and ref = any(${refs}::text[]) and not (${sql.literal(component.owned)})`
          ))
        } order by kind, ref`)
        const first = clashes[0]
        if (first === undefined) return
        const others = clashes.length > 1 ? ` (and ${clashes.length - 1} more: ${clashes.slice(1, 4).map((c) => c.ref).join(", ")}${clashes.length > 4 ? ", ..." : ""})` : ""
        const kind = KIND_NAMES[first.kind as PackSection]
        return yield* new Conflict({
          kind,
          ref: first.ref,
          workspace,
          reason: (first.adhoc
            ? "exists as an ad-hoc component created through the API"
            : "exists outside any pack (auto-detected on a worker)") +
            `, and the bundle declares it too${others}. Delete the existing ${kind} or rename it in the pack, then register again.`,
        })
      })

    const writeRuntimeVersions = (
      workspaceId: string,
      plan: RegistrationPlan,
      report: Reporter,
      count: (kind: RegistryKind, change: Partial<ChangeCounts>) => void,
    ) =>
      Effect.gen(function*() {
        const runtimeRefs = plan.components.find((rows) => rows.component.table === RuntimeTable)?.refs ?? []
        const total = plan.runtimeVersions.length
        yield* report("runtime_versions", 0, total)
        if (runtimeRefs.length === 0) return
        const ids = new Map((yield* query(sql<{ readonly id: string; readonly ref: string }>`
          select id::text as id, ref from ${sql(RuntimeTable.name)}
          where workspace_id = ${workspaceId} and ref = any(${runtimeRefs}::text[])`)).map((row) => [row.ref, row.id]))
        const rows = plan.runtimeVersions.flatMap(({ runtime_ref, ...version }) => {
          const runtime_id = ids.get(runtime_ref)
          return runtime_id === undefined ? [] : [{ runtime_id, ...version }]
        })
        const keys = JSON.stringify(rows.map((row) => ({ runtime_id: row.runtime_id, version: row.version, is_default: row.is_default })))
        const removed = yield* query(sql<{ readonly id: string }>`
          delete from ${sql(RuntimeVersionTable.name)} v
          where v.runtime_id = any(${[...ids.values()]}::int8[])
            and not exists (select 1 from jsonb_to_recordset(${keys}::jsonb) as k(runtime_id int8, version text)
              where k.runtime_id = v.runtime_id and k.version = v.version)
          returning v.id::text as id`)
        // At most one default per runtime holds at every row: give up the old default before taking the new one.
        yield* query(sql`
          update ${sql(RuntimeVersionTable.name)} v set is_default = false
          from jsonb_to_recordset(${keys}::jsonb) as k(runtime_id int8, version text, is_default boolean)
          where v.runtime_id = k.runtime_id and v.version = k.version and v.is_default and not k.is_default`)
        let added = 0
        let updated = 0
        let done = 0
        for (const chunk of chunks(rows, CHUNK_ROWS)) {
          const outcome = yield* writing("runtime_versions", upsertRows({
            table: RuntimeVersionTable,
            constants: [],
            columns: ["runtime_id", ...VERSION_COLUMNS],
            conflict: ["runtime_id", "version"],
            key: "id",
          }, chunk))
          added += outcome.added.length
          updated += outcome.updated.length
          done += chunk.length
          yield* report("runtime_versions", done, total)
        }
        count("runtime_versions", { added, updated, removed: removed.length })
      })

    /** Pack profiles that name a protocol family are also multica-style `runtime_profile` rows. */
    const writeProfiles = (workspace: string, workspaceId: string, plan: RegistrationPlan, report: Reporter) =>
      Effect.gen(function*() {
        const refs = plan.profileRows.map((row) => row.ref)
        yield* query(sql`
          delete from ${sql(RuntimeProfileTable.name)}
          where workspace_id = ${workspaceId} and pack_ref is not null and not (ref = any(${refs}::text[]))`)
        if (plan.profileRows.length === 0) return
        const names = plan.profileRows.map((row) => row.display_name)
        const taken = yield* query(sql<{ readonly display_name: string; readonly ref: string | null }>`
          select display_name, ref::text as ref from ${sql(RuntimeProfileTable.name)}
          where workspace_id = ${workspaceId} and display_name = any(${names}::text[])
            and (ref is null or not (ref = any(${refs}::text[])))
          order by display_name`)
        const clash = taken[0]
        if (clash !== undefined) {
          const mine = plan.profileRows.find((row) => row.display_name === clash.display_name)
          return yield* new Conflict({
            kind: "profile",
            ref: mine?.ref ?? clash.display_name,
            workspace,
            reason: `has display name ${JSON.stringify(clash.display_name)}, which runtime profile ${
              clash.ref ?? "created through the API"
            } already uses; display names are unique per workspace. Rename one of them, then register again.`,
          })
        }
        // Display names that move between this bundle's own profiles must not meet mid-statement.
        const renames = JSON.stringify(plan.profileRows.map((row) => ({ ref: row.ref, display_name: row.display_name })))
        yield* query(sql`
          update ${sql(RuntimeProfileTable.name)} p set display_name = 'renaming ' || p.id::text
          from jsonb_to_recordset(${renames}::jsonb) as r(ref text, display_name text)
          where p.workspace_id = ${workspaceId} and p.ref = r.ref and p.display_name <> r.display_name`)
        yield* report("profiles", 0, plan.profileRows.length)
        yield* writing("profiles", upsertRows({
          table: RuntimeProfileTable,
          constants: [["workspace_id", workspaceId]],
          columns: PROFILE_COLUMNS,
          conflict: ["workspace_id", "ref"],
          key: "ref",
        }, plan.profileRows))
        yield* report("profiles", plan.profileRows.length, plan.profileRows.length)
      })

    /** Profiles, agents and queues live in the body only: compare with the previous revision's. */
    const countBodyChanges = (
      previousId: string,
      plan: RegistrationPlan,
      count: (kind: RegistryKind, change: Partial<ChangeCounts>) => void,
    ) =>
      Effect.gen(function*() {
        const rows = yield* query(sql<{ readonly kind: string; readonly ref: string; readonly component: unknown }>`
          select s.key as kind, c.key as ref, c.value as component
          from ${sql(BundleTable.name)} b
          cross join lateral jsonb_each(b.body->'packs') p
          cross join lateral jsonb_each(p.value) s
          cross join lateral jsonb_each(s.value) c
          where b.id = ${previousId} and s.key = any(${[...BODY_KINDS]}::text[])`)
        const before: Record<BodyKind, Map<string, string>> = { profiles: new Map(), agents: new Map(), queues: new Map() }
        for (const row of rows) before[row.kind as BodyKind]?.set(row.ref, canonicalJson(row.component))
        for (const kind of BODY_KINDS) {
          const after = plan.bodyComponents[kind]
          let added = 0
          let updated = 0
          for (const [ref, value] of after) {
            const old = before[kind].get(ref)
            if (old === undefined) added++
            else if (old !== value) updated++
          }
          const removed = [...before[kind].keys()].filter((ref) => !after.has(ref)).length
          count(kind, { added, updated, removed })
        }
      })

    const registerVerified = (bundle: BundleEnvelope, workspace: string, report: Reporter) =>
      Effect.gen(function*() {
        const plan = planRegistration(bundle)
        if (plan instanceof InvalidBundle) return yield* plan
        const result = yield* sql.withTransaction(write(bundle, plan, workspace, report)).pipe(
          Effect.catchTag("SqlError", (error) => Effect.die(error)),
          Effect.provideService(SqlClient.SqlClient, sql),
        )
        if (!result.unchanged) yield* report("commit", 1, 1)
        return result
      })

    const register = Effect.fn("BundleRegistry.register")(function*(
      bundle: BundleEnvelope,
      workspace: string,
      options: RegisterOptions = {},
    ) {
      yield* checkWorkspaceName(workspace)
      const report = reporter(options)
      // Same digest as the latest revision: answered before the (much dearer) verification. Nothing is
      // written either way, and the stored revision was verified when it was registered.
      const latest = yield* latestOf(workspace)
      if (Option.isSome(latest) && bundle.format === BUNDLE_FORMAT && bundle.digest === latest.value.digest) {
        return unchangedResult(workspace, latest.value)
      }
      yield* report("verify", 0, 1)
      const verified = yield* Either.match(verifyBundle(bundle), { onLeft: Effect.fail, onRight: Effect.succeed })
      yield* report("verify", 1, 1)
      return yield* registerVerified(verified, workspace, report)
    })

    /** Reads, size-checks and verifies a bundle file, then registers it. */
    const registerFile = Effect.fn("BundleRegistry.registerFile")(function*(
      path: string,
      workspace: string,
      options: RegisterOptions & { readonly maxBytes?: number } = {},
    ) {
      yield* checkWorkspaceName(workspace)
      const report = reporter(options)
      yield* report("verify", 0, 1)
      const bundle = yield* readBundleFile(path, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }).pipe(
        Effect.provideService(FileSystem.FileSystem, fs),
      )
      yield* report("verify", 1, 1)
      const latest = yield* latestOf(workspace)
      if (Option.isSome(latest) && bundle.digest === latest.value.digest) return unchangedResult(workspace, latest.value)
      return yield* registerVerified(bundle, workspace, report)
    })

    return { register, registerFile } as const
  }),
}) {}

type Reporter = (phase: RegisterPhase, done: number, total: number) => Effect.Effect<void>

const reporter = (options: RegisterOptions): Reporter => {
  const onProgress = options.onProgress
  return onProgress === undefined ? () => Effect.void : (phase, done, total) => Effect.sync(() => onProgress({ phase, done, total }))
}

const KIND_NAMES: Record<PackSection, Conflict["kind"]> = {
  runtimes: "runtime",
  actions: "action",
  triggers: "trigger",
  sensors: "sensor",
  rules: "rule",
  workflows: "workflow",
  profiles: "profile",
  agents: "agent",
  permission_sets: "permission set",
  queues: "queue",
}
