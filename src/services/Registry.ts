/**
 * The registry's read side: workspaces, packs, bundle revisions, components and blobs, as rows of the tables
 * in `sql/Tables.ts`. Components without a table of their own (profiles, agents, queues) are read from the
 * body of the workspace's latest bundle revision, which is the desired state the registry holds.
 * Writing bundles is `BundleRegistry`.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Option, Schema } from "effect"
import { distance } from "fastest-levenshtein"
import { AgentManifest } from "../domain/AgentManifest.js"
import { BUNDLE_FORMAT, BundleBody, type BundleEnvelope, PACK_SECTIONS, type PackSection, Provenance } from "../domain/Bundle.js"
import { Digest, PACK_REF_PATTERN } from "../domain/Refs.js"
import { RuntimeProfile } from "../domain/RuntimeProfile.js"
import { WorkQueue } from "../domain/WorkQueue.js"
import { decodeRows } from "../sql/TableSchema.js"
import type { AnyTable } from "../sql/TableSchema.js"
import {
  ActionTable, BlobTable, BundleTable, PackTable, PermissionSetTable, RuleTable, RuntimeTable, RuntimeVersionTable,
  SensorTable, TriggerTable, WorkflowTable, WorkspaceTable,
} from "../sql/Tables.js"
import { BODY_KINDS, type BodyKind, COMPONENT_TABLES } from "./Registry/components.js"
import { InvalidName, NotFound, type NotFoundKind } from "./Registry/errors.js"
import { selectListOf } from "./Registry/statements.js"

export { Conflict, InvalidName, NotFound, NotFoundKind } from "./Registry/errors.js"

export type WorkspaceRow = typeof WorkspaceTable.Row.Type
export type PackRow = typeof PackTable.Row.Type
export type RuntimeRow = typeof RuntimeTable.Row.Type
export type RuntimeVersionRow = typeof RuntimeVersionTable.Row.Type
export type ActionRow = typeof ActionTable.Row.Type
export type TriggerRow = typeof TriggerTable.Row.Type
export type SensorRow = typeof SensorTable.Row.Type
export type RuleRow = typeof RuleTable.Row.Type
export type WorkflowRow = typeof WorkflowTable.Row.Type
export type PermissionSetRow = typeof PermissionSetTable.Row.Type
export type BlobRow = typeof BlobTable.Row.Type

/** What `listActions` returns per action: everything but the schemas and the definition. */
export const ActionSummary = ActionTable.Row.pick(
  "ref", "pack_ref", "label", "description", "runtime_ref", "entry_point", "enabled", "workflow_ref", "is_adhoc", "updated_at",
)
export type ActionSummary = typeof ActionSummary.Type

export type ComponentCounts = Readonly<Record<PackSection, number>>

export interface PackListing {
  readonly pack: PackRow
  readonly counts: ComponentCounts
}

export interface PackDetail {
  readonly pack: PackRow
  /** Refs of the pack's components, per kind, sorted. */
  readonly components: Readonly<Record<PackSection, ReadonlyArray<string>>>
}

export interface BundleSummary {
  readonly revision: number
  readonly digest: Digest
  readonly created_at: Date
  readonly packs: number
  readonly files: number
  readonly counts: ComponentCounts
}

export type BundleSelector = { readonly revision: number } | { readonly digest: string }

export interface RuntimeDetail {
  readonly runtime: RuntimeRow
  /** Sorted by version text. */
  readonly versions: ReadonlyArray<RuntimeVersionRow>
}

export interface ListOptions {
  /** Only this pack's components. */
  readonly pack?: string | undefined
}

const WORKSPACE_NAME = "lowercase letters, digits, '_' or '-', starting with a letter (like a pack ref)"

/** Rejects a name that can never be a workspace (the `pack_ref` domain of workspace.name). */
export const checkWorkspaceName = (name: string): Effect.Effect<string, InvalidName> =>
  PACK_REF_PATTERN.test(name)
    ? Effect.succeed(name)
    : Effect.fail(new InvalidName({ kind: "workspace", name, expected: WORKSPACE_NAME }))

/**
 * The candidate a missing ref most plausibly meant: the same name in another pack (`echo` -> `core.echo`),
 * else the nearest by edit distance when close enough to be a typo.
 */
export const suggestRef = (wanted: string, candidates: ReadonlyArray<string>): string | undefined => {
  const name = wanted.includes(".") ? wanted.slice(wanted.indexOf(".") + 1) : wanted
  const sameName = candidates.filter((candidate) => candidate.slice(candidate.indexOf(".") + 1) === name)
  if (sameName.length === 1) return sameName[0]
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const d = distance(wanted, candidate)
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate
      bestDistance = d
    }
  }
  if (best === undefined) return undefined
  return bestDistance <= Math.max(2, Math.floor(Math.max(wanted.length, best.length) / 3)) ? best : undefined
}

const emptyCounts = (): Record<PackSection, number> =>
  Object.fromEntries(PACK_SECTIONS.map((section) => [section, 0])) as Record<PackSection, number>

const emptyRefs = (): Record<PackSection, Array<string>> =>
  Object.fromEntries(PACK_SECTIONS.map((section) => [section, []])) as unknown as Record<PackSection, Array<string>>

const BODY_KIND_SCHEMAS = {
  profiles: RuntimeProfile,
  agents: AgentManifest,
  queues: WorkQueue,
} as const satisfies Record<BodyKind, Schema.Schema<any, any, never>>

const BODY_KIND_NAMES: Record<BodyKind, NotFoundKind> = { profiles: "profile", agents: "agent", queues: "queue" }

const byVersion = (a: RuntimeVersionRow, b: RuntimeVersionRow) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)

export class Registry extends Effect.Service<Registry>()("packsmith/Registry", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // Every query below is well-formed by construction: a failing statement or an undecodable row is
    // a broken database or connection, which no caller can fix, so it is a defect.
    const run = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.orDie(effect)

    const workspaceId = (name: string) => sql`(select id from ${sql(WorkspaceTable.name)} where name = ${name})`

    const findWorkspace = (name: string) =>
      run(Effect.flatMap(
        sql`select ${sql.literal(WorkspaceTable.selectList)} from ${sql(WorkspaceTable.name)} where name = ${name}`,
        decodeRows(WorkspaceTable),
      )).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

    const listWorkspaces = Effect.fn("Registry.listWorkspaces")(function*() {
      const rows = yield* run(Effect.flatMap(
        sql`select ${sql.literal(WorkspaceTable.selectList)} from ${sql(WorkspaceTable.name)} order by name`,
        decodeRows(WorkspaceTable),
      ))
      return rows as ReadonlyArray<WorkspaceRow>
    })

    const workspace = Effect.fn("Registry.workspace")(function*(name: string) {
      const found = yield* findWorkspace(name)
      if (Option.isSome(found)) return found.value
      const all = yield* listWorkspaces()
      return yield* new NotFound({
        kind: "workspace",
        ref: name,
        workspace: name,
        ...optionalSuggestion(suggestRef(name, all.map((row) => row.name))),
      })
    })

    /** The workspace row, created when missing. */
    const ensureWorkspace = Effect.fn("Registry.ensureWorkspace")(function*(name: string) {
      yield* checkWorkspaceName(name)
      yield* run(sql`insert into ${sql(WorkspaceTable.name)} (name) values (${name}) on conflict (name) do nothing`)
      const found = yield* findWorkspace(name)
      return yield* Option.match(found, {
        onNone: () => Effect.dieMessage(`workspace ${name} vanished right after it was created`),
        onSome: Effect.succeed,
      })
    })

    /** Fails with NotFound(workspace) when the workspace does not exist; used once a query came back empty. */
    const requireWorkspace = (name: string) => Effect.asVoid(workspace(name))

    const notFound = (kind: NotFoundKind, ref: string, workspaceName: string, candidates: ReadonlyArray<string>) =>
      Effect.zipRight(
        requireWorkspace(workspaceName),
        Effect.fail(new NotFound({ kind, ref, workspace: workspaceName, ...optionalSuggestion(suggestRef(ref, candidates)) })),
      )

    const refsOf = (table: AnyTable, workspaceName: string) =>
      run(sql<{ readonly ref: string }>`select ref from ${sql(table.name)} where workspace_id = ${workspaceId(workspaceName)} order by ref`)
        .pipe(Effect.map((rows) => rows.map((row) => row.ref)))

    const listRows = <T extends AnyTable>(table: T, workspaceName: string, options: ListOptions = {}) =>
      Effect.gen(function*() {
        const rows = yield* run(Effect.flatMap(
          sql`select ${sql.literal(table.selectList)} from ${sql(table.name)}
            where workspace_id = ${workspaceId(workspaceName)}
            ${options.pack === undefined ? sql.literal("") : sql`and pack_ref = ${options.pack}`}
            order by ref`,
          decodeRows(table),
        ))
        if (rows.length === 0) yield* requireWorkspace(workspaceName)
        return rows
      })

    const findRow = <T extends AnyTable>(table: T, workspaceName: string, ref: string) =>
      run(Effect.flatMap(
        sql`select ${sql.literal(table.selectList)} from ${sql(table.name)}
          where workspace_id = ${workspaceId(workspaceName)} and ref = ${ref}`,
        decodeRows(table),
      )).pipe(Effect.map((rows) => Option.fromNullable(rows[0])))

    const showRow = <T extends AnyTable>(table: T, kind: NotFoundKind, workspaceName: string, ref: string) =>
      Effect.flatMap(findRow(table, workspaceName, ref), (found) =>
        Option.match(found, {
          onSome: Effect.succeed,
          onNone: () => Effect.flatMap(refsOf(table, workspaceName), (refs) => notFound(kind, ref, workspaceName, refs)),
        }))

    const latestRevision = (workspaceName: string) =>
      sql`(select max(revision) from ${sql(BundleTable.name)} where workspace_id = ${workspaceId(workspaceName)})`

    /** Components of one body-only kind in the latest revision, keyed by ref. */
    const bodyComponents = <K extends BodyKind>(kind: K, workspaceName: string, options: ListOptions = {}) =>
      Effect.gen(function*() {
        const rows = yield* run(sql<{ readonly ref: string; readonly component: unknown }>`
          select c.key as ref, c.value as component
          from ${sql(BundleTable.name)} b
          cross join lateral jsonb_each(b.body->'packs') p
          cross join lateral jsonb_each(p.value->${kind}) c
          where b.workspace_id = ${workspaceId(workspaceName)} and b.revision = ${latestRevision(workspaceName)}
          ${options.pack === undefined ? sql.literal("") : sql`and p.key = ${options.pack}`}
          order by c.key`)
        if (rows.length === 0) yield* requireWorkspace(workspaceName)
        const schema = BODY_KIND_SCHEMAS[kind] as unknown as Schema.Schema<Schema.Schema.Type<(typeof BODY_KIND_SCHEMAS)[K]>>
        return yield* run(Schema.decodeUnknown(Schema.Array(schema))(rows.map((row) => row.component)))
      })

    const listPacks = Effect.fn("Registry.listPacks")(function*(workspaceName: string) {
      const packs = yield* listRows(PackTable, workspaceName)
      const counted = yield* run(sql<{ readonly kind: string; readonly pack_ref: string; readonly n: number }>`
        ${sql.join(" union all ", false)(COMPONENT_TABLES.map((component) =>
          sql`select ${component.kind}::text as kind, pack_ref::text as pack_ref, count(*)::int4 as n
            from ${sql(component.table.name)} where workspace_id = ${workspaceId(workspaceName)} group by pack_ref`
        ))}
        union all
        select s.key as kind, p.key as pack_ref, count(*)::int4 as n
        from ${sql(BundleTable.name)} b
        cross join lateral jsonb_each(b.body->'packs') p
        cross join lateral jsonb_each(p.value) s
        cross join lateral jsonb_object_keys(s.value) c
        where b.workspace_id = ${workspaceId(workspaceName)} and b.revision = ${latestRevision(workspaceName)}
          and s.key = any(${[...BODY_KINDS]}::text[])
        group by s.key, p.key`)
      const counts = new Map(packs.map((pack) => [pack.ref as string, emptyCounts()]))
      for (const row of counted) {
        const perPack = counts.get(row.pack_ref)
        if (perPack !== undefined && row.kind in perPack) perPack[row.kind as PackSection] = row.n
      }
      return packs.map((pack): PackListing => ({ pack, counts: counts.get(pack.ref) ?? emptyCounts() }))
    })

    const showPack = Effect.fn("Registry.showPack")(function*(workspaceName: string, ref: string) {
      const pack = yield* showRow(PackTable, "pack", workspaceName, ref)
      const rows = yield* run(sql<{ readonly kind: string; readonly ref: string }>`
        ${sql.join(" union all ", false)(COMPONENT_TABLES.map((component) =>
          sql`select ${component.kind}::text as kind, ref::text as ref from ${sql(component.table.name)}
            where workspace_id = ${workspaceId(workspaceName)} and pack_ref = ${ref}`
        ))}
        union all
        select s.key as kind, c as ref
        from ${sql(BundleTable.name)} b
        cross join lateral jsonb_each(b.body->'packs'->${ref}) s
        cross join lateral jsonb_object_keys(s.value) c
        where b.workspace_id = ${workspaceId(workspaceName)} and b.revision = ${latestRevision(workspaceName)}
          and s.key = any(${[...BODY_KINDS]}::text[])
        order by kind, ref`)
      const components = emptyRefs()
      for (const row of rows) if (row.kind in components) components[row.kind as PackSection].push(row.ref)
      return { pack, components } satisfies PackDetail
    })

    const listBundles = Effect.fn("Registry.listBundles")(function*(workspaceName: string) {
      const rows = yield* run(sql<{
        readonly revision: number
        readonly digest: string
        readonly created_at: Date
        readonly packs: number
        readonly files: number
        readonly counts: Record<string, number> | null
      }>`
        select b.revision, b.digest, b.created_at,
          (select count(*)::int4 from jsonb_object_keys(b.body->'packs')) as packs,
          (select count(*)::int4 from jsonb_object_keys(b.body->'files')) as files,
          (select jsonb_object_agg(kind, n) from (
            select s.key as kind, count(c)::int4 as n
            from jsonb_each(b.body->'packs') p
            cross join lateral jsonb_each(p.value) s
            left join lateral jsonb_object_keys(s.value) c on true
            where s.key <> 'manifest'
            group by s.key) per_kind) as counts
        from ${sql(BundleTable.name)} b
        where b.workspace_id = ${workspaceId(workspaceName)}
        order by b.revision desc`)
      if (rows.length === 0) yield* requireWorkspace(workspaceName)
      return rows.map((row): BundleSummary => {
        const counts = emptyCounts()
        for (const [kind, n] of Object.entries(row.counts ?? {})) if (kind in counts) counts[kind as PackSection] = n
        return {
          revision: row.revision,
          digest: row.digest as Digest,
          created_at: row.created_at,
          packs: row.packs,
          files: row.files,
          counts,
        }
      })
    })

    const decodeStoredBody = Schema.decodeUnknown(BundleBody)
    const decodeProvenance = Schema.decodeUnknown(Provenance)

    /** A stored revision as an envelope (revision set, blobs from the blob table); it verifies like the original. */
    const getBundle = Effect.fn("Registry.getBundle")(function*(workspaceName: string, selector: BundleSelector) {
      const rows = yield* run(Effect.flatMap(
        sql`select ${sql.literal(BundleTable.selectList)} from ${sql(BundleTable.name)}
          where workspace_id = ${workspaceId(workspaceName)} and ${
          "revision" in selector ? sql`revision = ${selector.revision}` : sql`digest = ${selector.digest}`
        }
          order by revision desc limit 1`,
        decodeRows(BundleTable),
      ))
      const row = rows[0]
      if (row === undefined) {
        const known = yield* run(sql<{ readonly revision: number; readonly digest: string }>`
          select revision, digest from ${sql(BundleTable.name)}
          where workspace_id = ${workspaceId(workspaceName)} order by revision desc`)
        const wanted = "revision" in selector ? String(selector.revision) : selector.digest
        // Revisions and digests are not typed by hand, so edit distance means nothing here: point at the
        // revision whose digest starts with what was given, else at the latest.
        const byPrefix = "digest" in selector && selector.digest.length >= 8
          ? known.find((b) => b.digest.startsWith(selector.digest) || b.digest.slice(7).startsWith(selector.digest))
          : undefined
        const latest = known[0]
        const suggestion = byPrefix !== undefined
          ? `revision ${byPrefix.revision} (${byPrefix.digest})`
          : latest === undefined
          ? undefined
          : `revision ${latest.revision} (${latest.digest}), the latest`
        yield* requireWorkspace(workspaceName)
        return yield* new NotFound({ kind: "bundle", ref: wanted, workspace: workspaceName, ...optionalSuggestion(suggestion) })
      }
      const body = yield* run(decodeStoredBody(row.body))
      const provenance = yield* run(decodeProvenance(row.provenance))
      const hashes = [...new Set(Object.values(body.files).map((file) => file.sha256))]
      const blobs = hashes.length === 0 ? [] : yield* run(Effect.flatMap(
        sql`select ${sql.literal(BlobTable.selectList)} from ${sql(BlobTable.name)} where sha256 = any(${hashes}::text[])`,
        decodeRows(BlobTable),
      ))
      const envelope: BundleEnvelope = {
        format: BUNDLE_FORMAT,
        digest: row.digest,
        workspace: workspaceName,
        revision: row.revision,
        created_at: row.created_at.toISOString(),
        provenance,
        body,
        blobs: Object.fromEntries(blobs.map((blob) => [blob.sha256, Buffer.from(blob.bytes).toString("base64")])),
      }
      return envelope
    })

    const getBlob = Effect.fn("Registry.getBlob")(function*(sha256: string) {
      const rows = yield* run(Effect.flatMap(
        sql`select ${sql.literal(BlobTable.selectList)} from ${sql(BlobTable.name)} where sha256 = ${sha256}`,
        decodeRows(BlobTable),
      ))
      const blob = rows[0]
      if (blob === undefined) return yield* new NotFound({ kind: "blob", ref: sha256, workspace: "" })
      return blob
    })

    const listActions = Effect.fn("Registry.listActions")(function*(workspaceName: string, options: ListOptions = {}) {
      const rows = yield* run(Effect.flatMap(
        sql`select ${sql.literal(selectListOf(Object.keys(ActionSummary.fields)))} from ${sql(ActionTable.name)}
          where workspace_id = ${workspaceId(workspaceName)}
          ${options.pack === undefined ? sql.literal("") : sql`and pack_ref = ${options.pack}`}
          order by ref`,
        Schema.decodeUnknown(Schema.Array(ActionSummary)),
      ))
      if (rows.length === 0) yield* requireWorkspace(workspaceName)
      return rows
    })

    const findAction = Effect.fn("Registry.findAction")((workspaceName: string, ref: string) =>
      findRow(ActionTable, workspaceName, ref)
    )
    const showAction = Effect.fn("Registry.showAction")((workspaceName: string, ref: string) =>
      showRow(ActionTable, "action", workspaceName, ref)
    )

    const versionsOf = (runtimeIds: ReadonlyArray<string>) =>
      runtimeIds.length === 0 ? Effect.succeed([] as ReadonlyArray<RuntimeVersionRow>) : run(Effect.flatMap(
        sql`select ${sql.literal(RuntimeVersionTable.selectList)} from ${sql(RuntimeVersionTable.name)}
          where runtime_id = any(${runtimeIds}::int8[])`,
        decodeRows(RuntimeVersionTable),
      ))

    const withVersions = (runtimes: ReadonlyArray<RuntimeRow>) =>
      Effect.map(versionsOf(runtimes.map((runtime) => runtime.id)), (versions): ReadonlyArray<RuntimeDetail> =>
        runtimes.map((runtime) => ({
          runtime,
          versions: versions.filter((version) => version.runtime_id === runtime.id).sort(byVersion),
        })))

    const listRuntimes = Effect.fn("Registry.listRuntimes")(function*(workspaceName: string, options: ListOptions = {}) {
      return yield* withVersions(yield* listRows(RuntimeTable, workspaceName, options))
    })

    const findRuntime = Effect.fn("Registry.findRuntime")(function*(workspaceName: string, ref: string) {
      const found = yield* findRow(RuntimeTable, workspaceName, ref)
      if (Option.isNone(found)) return Option.none<RuntimeDetail>()
      const [detail] = yield* withVersions([found.value])
      return Option.fromNullable(detail)
    })

    const showRuntime = Effect.fn("Registry.showRuntime")(function*(workspaceName: string, ref: string) {
      const runtime = yield* showRow(RuntimeTable, "runtime", workspaceName, ref)
      const [detail] = yield* withVersions([runtime])
      return detail ?? { runtime, versions: [] }
    })

    const listProfiles = Effect.fn("Registry.listProfiles")((workspaceName: string, options: ListOptions = {}) =>
      bodyComponents("profiles", workspaceName, options)
    )
    const listAgents = Effect.fn("Registry.listAgents")((workspaceName: string, options: ListOptions = {}) =>
      bodyComponents("agents", workspaceName, options)
    )
    const listQueues = Effect.fn("Registry.listQueues")((workspaceName: string, options: ListOptions = {}) =>
      bodyComponents("queues", workspaceName, options)
    )

    const findBodyComponent = <K extends BodyKind>(kind: K, workspaceName: string, ref: string) =>
      Effect.map(
        bodyComponents(kind, workspaceName).pipe(Effect.catchTag("NotFound", () => Effect.succeed([]))),
        (all) => Option.fromNullable(all.find((component) => component.ref === ref)),
      )

    const showBodyComponent = <K extends BodyKind>(kind: K, workspaceName: string, ref: string) =>
      Effect.flatMap(bodyComponents(kind, workspaceName), (all) => {
        const found = all.find((component) => component.ref === ref)
        return found !== undefined
          ? Effect.succeed(found)
          : notFound(BODY_KIND_NAMES[kind], ref, workspaceName, all.map((component) => component.ref))
      })

    return {
      listWorkspaces,
      workspace,
      ensureWorkspace,
      listPacks,
      showPack,
      listBundles,
      getBundle,
      getBlob,
      listActions,
      findAction,
      showAction,
      listRuntimes,
      findRuntime,
      showRuntime,
      listTriggers: Effect.fn("Registry.listTriggers")((w: string, o: ListOptions = {}) => listRows(TriggerTable, w, o)),
      listSensors: Effect.fn("Registry.listSensors")((w: string, o: ListOptions = {}) => listRows(SensorTable, w, o)),
      listRules: Effect.fn("Registry.listRules")((w: string, o: ListOptions = {}) => listRows(RuleTable, w, o)),
      listWorkflows: Effect.fn("Registry.listWorkflows")((w: string, o: ListOptions = {}) => listRows(WorkflowTable, w, o)),
      listPermissionSets: Effect.fn("Registry.listPermissionSets")((w: string, o: ListOptions = {}) =>
        listRows(PermissionSetTable, w, o)
      ),
      listProfiles,
      listAgents,
      listQueues,
      findProfile: Effect.fn("Registry.findProfile")((w: string, ref: string) => findBodyComponent("profiles", w, ref)),
      showProfile: Effect.fn("Registry.showProfile")((w: string, ref: string) => showBodyComponent("profiles", w, ref)),
    } as const
  }),
}) {}

const optionalSuggestion = (suggestion: string | undefined): { readonly suggestion?: string } =>
  suggestion === undefined ? {} : { suggestion }
