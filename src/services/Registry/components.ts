/**
 * How a verified bundle maps onto the registry tables: one row per component, typed against the row
 * schemas of `sql/Tables.ts`, and checked with those same column codecs before anything is written, so a
 * value the database would refuse is reported with the component it belongs to.
 */
import { Either, ParseResult, Schema } from "effect"
import type { Action } from "../../domain/Action.js"
import { type BundleEnvelope, canonicalJson, InvalidBundle, type PackBundle, type PackSection } from "../../domain/Bundle.js"
import type { PermissionSet } from "../../domain/PermissionSet.js"
import type { Rule } from "../../domain/Rule.js"
import type { Runtime } from "../../domain/Runtime.js"
import type { RuntimeProfile } from "../../domain/RuntimeProfile.js"
import type { Sensor } from "../../domain/Sensor.js"
import type { Trigger } from "../../domain/Trigger.js"
import type { Workflow } from "../../domain/Workflow.js"
import { type AnyTable, SEMVER_PATTERN } from "../../sql/TableSchema.js"
import {
  ActionTable, BlobTable, PackTable, PermissionSetTable, RuleTable, RuntimeProfileTable, RuntimeTable, RuntimeVersionTable,
  SensorTable, TriggerTable, WorkflowTable,
} from "../../sql/Tables.js"

/** What a registration reports counts for. */
export const REGISTRY_KINDS = [
  "packs", "runtimes", "runtime_versions", "actions", "triggers", "sensors", "rules", "workflows", "permission_sets",
  "profiles", "agents", "queues",
] as const
export type RegistryKind = (typeof REGISTRY_KINDS)[number]

/** Kinds with no table of their own: read from the body of the workspace's latest bundle revision. */
export const BODY_KINDS = ["profiles", "agents", "queues"] as const satisfies ReadonlyArray<RegistryKind & PackSection>
export type BodyKind = (typeof BODY_KINDS)[number]

type Encoded<T extends AnyTable> = Schema.Schema.Encoded<T["Row"]>

/** Every column a registration writes in one row: the table's insert columns except those named in `Unwritten`. */
export type Written<T extends AnyTable, Unwritten extends string> = {
  readonly [K in Exclude<T["insertColumns"][number], Unwritten>]: Encoded<T>[K]
}

/** Names of `table`'s columns, checked by the compiler. */
type ColumnOf<T extends AnyTable> = T["insertColumns"][number]

/** `table`'s insert columns without `excluded`: what a statement writes, derived from Tables.ts. */
const columnsExcept = <T extends AnyTable>(table: T, excluded: ReadonlyArray<ColumnOf<T>>): ReadonlyArray<string> =>
  table.insertColumns.filter((column) => !(excluded as ReadonlyArray<string>).includes(column))

/** Columns the database maintains (timestamps) or that are given once per statement (the workspace). */
const MAINTAINED = ["workspace_id", "created_at", "updated_at"] as const
type Maintained = (typeof MAINTAINED)[number]

/** A component table upserted by (workspace_id, ref), with `is_adhoc` rows that registration never touches. */
export interface ComponentTable {
  readonly kind: RegistryKind & PackSection
  readonly table: AnyTable
  /** Columns registration leaves alone, besides the maintained ones (e.g. what runtime detection records). */
  readonly unwritten: ReadonlyArray<string>
  /** SQL predicate on `<table>` for rows a registration owns (and may therefore update or delete). */
  readonly owned: string
  readonly toRow: (component: never, pack: PackBundle) => Readonly<Record<string, unknown>>
}

const nullable = <A>(value: A | undefined): A | null => value ?? null

const runtimeRow = (runtime: Runtime): Written<typeof RuntimeTable, Maintained | "detection_config"> => ({
  ref: runtime.ref,
  pack_ref: runtime.pack_ref,
  name: runtime.name,
  description: nullable(runtime.description),
  aliases: runtime.aliases,
  distributions: runtime.distributions,
  execution_config: runtime.execution_config,
  installation: nullable(runtime.installation),
  auto_detected: false,
  is_adhoc: false,
})

const actionRow = (action: Action): Written<typeof ActionTable, Maintained> => ({
  ref: action.ref,
  pack_ref: action.pack,
  label: action.label,
  description: nullable(action.description),
  runtime_ref: nullable(action.runtime),
  entry_point: nullable(action.entry_point?.value),
  param_schema: action.parameters,
  out_schema: nullable(action.output),
  parameter_delivery: action.parameter_delivery,
  parameter_format: action.parameter_format,
  output_format: action.output_format,
  runtime_version_constraint: nullable(action.runtime_version),
  timeout_seconds: nullable(action.timeout),
  enabled: action.enabled,
  tags: action.tags,
  workflow_ref: nullable(action.workflow),
  definition: action,
  is_adhoc: false,
})

const triggerRow = (trigger: Trigger): Written<typeof TriggerTable, Maintained> => ({
  ref: trigger.ref,
  pack_ref: trigger.pack,
  label: trigger.label,
  description: nullable(trigger.description),
  enabled: trigger.enabled,
  param_schema: trigger.parameters,
  out_schema: nullable(trigger.output),
  definition: trigger,
  is_adhoc: false,
})

const sensorRow = (sensor: Sensor): Written<typeof SensorTable, Maintained> => ({
  ref: sensor.ref,
  pack_ref: sensor.pack,
  label: sensor.label,
  description: nullable(sensor.description),
  runtime_ref: sensor.runtime,
  entry_point: sensor.entry_point.value,
  trigger_refs: sensor.trigger_types,
  poll_interval_seconds: nullable(sensor.poll_interval),
  enabled: sensor.enabled,
  param_schema: sensor.parameters,
  config: sensor.config ?? {},
  definition: sensor,
  is_adhoc: false,
})

const ruleRow = (rule: Rule): Written<typeof RuleTable, Maintained> => ({
  ref: rule.ref,
  pack_ref: rule.pack,
  label: rule.label,
  description: nullable(rule.description),
  trigger_ref: rule.trigger_ref,
  action_ref: rule.action_ref,
  criteria: rule.conditions,
  action_params: rule.action_params,
  trigger_params: rule.trigger_params,
  enabled: rule.enabled,
  definition: rule,
  is_adhoc: false,
})

/** A workflow runs as the action of the same ref, which carries its label, parameters, tags and switch. */
const workflowRow = (workflow: Workflow, pack: PackBundle): Written<typeof WorkflowTable, Maintained> => {
  const action = pack.actions[workflow.ref]
  return {
    ref: workflow.ref,
    pack_ref: workflow.pack,
    label: nullable(action?.label),
    description: nullable(workflow.description ?? action?.description),
    // The column holds strict semver; any other version string stays in the definition as written.
    version: workflow.version !== undefined && SEMVER_PATTERN.test(workflow.version) ? workflow.version : null,
    param_schema: nullable(action?.parameters),
    out_schema: nullable(action?.output),
    tags: action?.tags ?? [],
    enabled: action?.enabled ?? true,
    definition: workflow,
    is_adhoc: false,
  }
}

const permissionSetRow = (set: PermissionSet): Written<typeof PermissionSetTable, Maintained> => ({
  ref: set.ref,
  pack_ref: set.pack,
  label: set.label,
  description: nullable(set.description),
  grants: set.grants,
  is_adhoc: false,
})

const NOT_ADHOC = "not is_adhoc"

/** Component tables in the order they are written (none references another by key). */
export const COMPONENT_TABLES: ReadonlyArray<ComponentTable> = [
  {
    kind: "runtimes",
    table: RuntimeTable,
    unwritten: ["detection_config"],
    // Auto-detected runtimes (auto.<name>) belong to no pack and are never a registration's to change.
    owned: "not is_adhoc and not auto_detected and pack_ref is not null",
    toRow: runtimeRow as ComponentTable["toRow"],
  },
  { kind: "actions", table: ActionTable, unwritten: [], owned: NOT_ADHOC, toRow: actionRow as ComponentTable["toRow"] },
  { kind: "triggers", table: TriggerTable, unwritten: [], owned: NOT_ADHOC, toRow: triggerRow as ComponentTable["toRow"] },
  { kind: "sensors", table: SensorTable, unwritten: [], owned: NOT_ADHOC, toRow: sensorRow as ComponentTable["toRow"] },
  { kind: "rules", table: RuleTable, unwritten: [], owned: NOT_ADHOC, toRow: ruleRow as ComponentTable["toRow"] },
  { kind: "workflows", table: WorkflowTable, unwritten: [], owned: NOT_ADHOC, toRow: workflowRow as ComponentTable["toRow"] },
  {
    kind: "permission_sets",
    table: PermissionSetTable,
    unwritten: [],
    owned: NOT_ADHOC,
    toRow: permissionSetRow as ComponentTable["toRow"],
  },
]

/** Tables whose rows hang off a pack (`pack_ref` references `pack`), so a pack row with any left is still needed. */
export const PACK_CHILD_TABLES: ReadonlyArray<AnyTable> = [
  ...COMPONENT_TABLES.map((component) => component.table),
  RuntimeProfileTable,
]

/** The columns a component table's rows carry (everything written except the per-statement workspace). */
export const rowColumns = (component: ComponentTable): ReadonlyArray<string> =>
  columnsExcept(component.table, [...MAINTAINED, ...component.unwritten])

// Each list below says which columns a registration leaves alone; the row type and the column list both follow it.
// Packs: the revision that registered them is given once per statement.
const PACK_UNWRITTEN = [...MAINTAINED, "bundle_revision", "bundle_digest"] as const satisfies ReadonlyArray<ColumnOf<typeof PackTable>>
// Versions: the runtime id is only known inside the transaction; availability is what workers find.
const VERSION_UNWRITTEN = ["runtime_id", "available", "verified_at"] as const satisfies ReadonlyArray<
  ColumnOf<typeof RuntimeVersionTable>
>
// Profiles: the id and creator belong to rows made through the API.
const PROFILE_UNWRITTEN = [...MAINTAINED, "id", "created_by"] as const satisfies ReadonlyArray<ColumnOf<typeof RuntimeProfileTable>>
const BLOB_UNWRITTEN = ["created_at"] as const satisfies ReadonlyArray<ColumnOf<typeof BlobTable>>

type PackRow = Written<typeof PackTable, (typeof PACK_UNWRITTEN)[number]>
type VersionRow = Written<typeof RuntimeVersionTable, (typeof VERSION_UNWRITTEN)[number]> & { readonly runtime_ref: string }
type ProfileRow = Written<typeof RuntimeProfileTable, (typeof PROFILE_UNWRITTEN)[number]>
type BlobRow = Written<typeof BlobTable, (typeof BLOB_UNWRITTEN)[number]>

export const PACK_COLUMNS = columnsExcept(PackTable, PACK_UNWRITTEN)
export const VERSION_COLUMNS = columnsExcept(RuntimeVersionTable, VERSION_UNWRITTEN)
export const PROFILE_COLUMNS = columnsExcept(RuntimeProfileTable, PROFILE_UNWRITTEN)
export const BLOB_COLUMNS = columnsExcept(BlobTable, BLOB_UNWRITTEN)

export interface ComponentRows {
  readonly component: ComponentTable
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly refs: ReadonlyArray<string>
}

/** Everything a registration writes, computed before the transaction so the workspace lock is held briefly. */
export interface RegistrationPlan {
  readonly packs: ReadonlyArray<PackRow>
  readonly packRefs: ReadonlyArray<string>
  readonly components: ReadonlyArray<ComponentRows>
  readonly runtimeVersions: ReadonlyArray<VersionRow>
  /** Pack profiles that name a protocol family: the ones a multica-style `runtime_profile` row can hold. */
  readonly profileRows: ReadonlyArray<ProfileRow>
  /** Canonical JSON of each body-only component by ref, to count what changed against the previous revision. */
  readonly bodyComponents: Readonly<Record<BodyKind, ReadonlyMap<string, string>>>
  /** Content-addressed file bytes the body references: sha256 (hex) -> base64. */
  readonly blobs: ReadonlyMap<string, string>
}

type Issue = { readonly path: string; readonly message: string }

const MAX_ISSUES = 50

/** Checks each written column of `row` with its codec from Tables.ts (domains, CHECK lists, integer ranges). */
const makeRowCheck = (table: AnyTable, columns: ReadonlyArray<string>) => {
  const fields = (table.Row as unknown as Schema.Struct<Schema.Struct.Fields>).fields
  const checks = columns.map((column) => {
    const schema = fields[column] as Schema.Schema<unknown> | undefined
    return schema === undefined ? undefined : { column, is: Schema.is(schema), schema }
  })
  return (row: Readonly<Record<string, unknown>>, path: string, issues: Array<Issue>) => {
    for (const check of checks) {
      if (check === undefined || check.is(row[check.column])) continue
      if (issues.length >= MAX_ISSUES) return
      const reason = Either.match(Schema.validateEither(check.schema)(row[check.column]), {
        onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
        onRight: () => "not accepted",
      })
      issues.push({ path, message: `column ${table.name}.${check.column}: ${reason.replace(/\s+/g, " ")}` })
    }
  }
}

const hasProtocolFamily = (profile: RuntimeProfile): profile is RuntimeProfile & {
  readonly protocol_family: NonNullable<RuntimeProfile["protocol_family"]>
} => profile.protocol_family !== undefined

/** Maps a verified bundle onto rows; a value the tables cannot hold is an `InvalidBundle` naming its component. */
export const planRegistration = (bundle: BundleEnvelope): RegistrationPlan | InvalidBundle => {
  const issues: Array<Issue> = []
  const packEntries = Object.entries(bundle.body.packs)
  const packs: Array<PackRow> = []
  const checkPack = makeRowCheck(PackTable, PACK_COLUMNS)
  for (const [ref, pack] of packEntries) {
    const row: PackRow = {
      ref,
      version: pack.manifest.version,
      label: pack.manifest.label,
      description: nullable(pack.manifest.description),
      manifest: pack.manifest,
      is_adhoc: false,
    }
    checkPack(row, `packs.${ref}.manifest`, issues)
    packs.push(row)
  }

  const components = COMPONENT_TABLES.map((component): ComponentRows => {
    const columns = rowColumns(component)
    const check = makeRowCheck(component.table, columns)
    const rows: Array<Readonly<Record<string, unknown>>> = []
    const refs: Array<string> = []
    for (const [packRef, pack] of packEntries) {
      for (const [ref, value] of Object.entries(pack[component.kind] as Record<string, never>)) {
        const row = component.toRow(value, pack)
        check(row, `packs.${packRef}.${component.kind}.${ref}`, issues)
        rows.push(row)
        refs.push(ref)
      }
    }
    return { component, columns, rows, refs }
  })

  const runtimeVersions: Array<VersionRow> = []
  const checkVersion = makeRowCheck(RuntimeVersionTable, VERSION_COLUMNS)
  const profileRows: Array<ProfileRow> = []
  const checkProfile = makeRowCheck(RuntimeProfileTable, PROFILE_COLUMNS)
  const displayNames = new Map<string, string>()
  const bodyComponents: Record<BodyKind, Map<string, string>> = { profiles: new Map(), agents: new Map(), queues: new Map() }
  for (const [packRef, pack] of packEntries) {
    for (const runtime of Object.values(pack.runtimes)) {
      const seen = new Set<string>()
      let defaults = 0
      runtime.versions.forEach((version, index) => {
        const path = `packs.${packRef}.runtimes.${runtime.ref}.versions.${index}`
        if (seen.has(version.version)) issues.push({ path, message: `version ${version.version} is listed twice` })
        seen.add(version.version)
        if (version.is_default === true && ++defaults === 2) issues.push({ path, message: "a second default version" })
        const row: VersionRow = {
          runtime_ref: runtime.ref,
          version: version.version,
          is_default: version.is_default ?? false,
          execution_config: nullable(version.execution_config),
          distributions: nullable(version.distributions),
          meta: version.meta ?? {},
        }
        checkVersion(row, path, issues)
        runtimeVersions.push(row)
      })
    }
    for (const profile of Object.values(pack.profiles)) {
      if (!hasProtocolFamily(profile)) continue
      const path = `packs.${packRef}.profiles.${profile.ref}`
      const clash = displayNames.get(profile.display_name)
      if (clash !== undefined) {
        issues.push({ path, message: `display name ${JSON.stringify(profile.display_name)} is also used by profile ${clash}` })
      }
      displayNames.set(profile.display_name, profile.ref)
      const row: ProfileRow = {
        display_name: profile.display_name,
        protocol_family: profile.protocol_family,
        command_name: profile.command_name,
        description: nullable(profile.description),
        fixed_args: profile.fixed_args,
        visibility: "workspace",
        enabled: profile.enabled,
        ref: profile.ref,
        pack_ref: profile.pack,
      }
      checkProfile(row, path, issues)
      profileRows.push(row)
    }
    for (const kind of BODY_KINDS) {
      for (const [ref, value] of Object.entries(pack[kind] as Record<string, unknown>)) {
        bodyComponents[kind].set(ref, canonicalJson(value))
      }
    }
  }
  if (issues.length > 0) {
    return new InvalidBundle({ reason: "the registry cannot store some components as they are", issues })
  }
  const blobs = new Map<string, string>()
  for (const file of Object.values(bundle.body.files)) {
    const base64 = bundle.blobs[file.sha256]
    if (base64 !== undefined) blobs.set(file.sha256, base64)
  }
  return { packs, packRefs: packs.map((pack) => pack.ref), components, runtimeVersions, profileRows, bodyComponents, blobs }
}

/** Blob rows for the given hashes (the ones the registry does not hold yet). */
export const blobRows = (blobs: ReadonlyMap<string, string>, missing: ReadonlyArray<string>): ReadonlyArray<BlobRow> =>
  missing.flatMap((sha256) => {
    const base64 = blobs.get(sha256)
    if (base64 === undefined) return []
    const bytes = Buffer.from(base64, "base64")
    return [{ sha256, size: bytes.length, bytes }]
  })
