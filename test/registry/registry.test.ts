/**
 * The registry conformance suite, run on every backend from `backends()`: PGlite always, PostgreSQL when
 * DATABASE_URL is set. Each test works in a workspace of its own, so they share one database per backend.
 */
import { describe, expect, layer } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Either, Layer, Option } from "effect"
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { type BundleEnvelope, canonicalJson, PACK_SECTIONS, verifyBundle } from "../../src/domain/Bundle.js"
import { BundleRegistry, type RegisterProgress } from "../../src/services/BundleRegistry.js"
import { ComponentSource } from "../../src/services/ComponentSource.js"
import { Registry } from "../../src/services/Registry.js"
import { COMPONENT_TABLES } from "../../src/services/Registry/components.js"
import { backends, type TestBackend } from "../support/databases.js"
import { everyKind, failureOf, refsBySection, tableCounts, withBody, workspaceIdOf } from "./fixtures.js"

const servicesOn = (backend: TestBackend) =>
  Layer.mergeAll(BundleRegistry.Default, Registry.Default).pipe(
    Layer.provide(NodeFileSystem.layer),
    Layer.provideMerge(backend.layer),
  )

const scratch = () => mkdtempSync(path.join(tmpdir(), "packsmith-registry-"))

/** Refs (and, where the table keeps one, the definition) of every component table's pack-sourced rows. */
const storedComponents = (workspace: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* workspaceIdOf(workspace)
    const out: Record<string, Record<string, string>> = {}
    for (const { kind, table } of COMPONENT_TABLES) {
      const hasDefinition = table.columns.includes("definition")
      const rows = yield* sql<{ readonly ref: string; readonly definition: unknown }>`
        select ref, ${sql.literal(hasDefinition ? "definition" : "null")} as definition from ${sql(table.name)}
        where workspace_id = ${id} and not is_adhoc order by ref`
      out[kind] = Object.fromEntries(rows.map((row) => [row.ref, hasDefinition ? canonicalJson(row.definition) : ""]))
    }
    return out
  }).pipe(Effect.orDie)

/** What `storedComponents` must equal for `bundle`. */
const expectedComponents = (bundle: BundleEnvelope) =>
  Object.fromEntries(COMPONENT_TABLES.map(({ kind, table }) => {
    const hasDefinition = table.columns.includes("definition")
    const entries = Object.values(bundle.body.packs).flatMap((pack) =>
      Object.entries(pack[kind] as Record<string, unknown>).map(([ref, value]) => [ref, hasDefinition ? canonicalJson(value) : ""] as const)
    )
    return [kind, Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)))]
  }))

const updatedAt = (table: string, workspace: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* workspaceIdOf(workspace)
    const rows = yield* sql<{ readonly ref: string; readonly updated_at: Date }>`
      select ref, updated_at from ${sql(table)} where workspace_id = ${id} order by ref`
    return new Map(rows.map((row) => [row.ref, row.updated_at.getTime()]))
  }).pipe(Effect.orDie)

const insertAdhocAction = (workspace: string, ref: string, packRef: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* workspaceIdOf(workspace)
    yield* sql`insert into action (workspace_id, ref, pack_ref, label, definition, is_adhoc)
      values (${id}, ${ref}, ${packRef}, 'made through the API', ${JSON.stringify({ ref })}::jsonb, true)`
  }).pipe(Effect.orDie)

/** The bundle the compiler makes once an action (and its workflow, if it runs one) is gone; nothing else may use it. */
const removeAction = (bundle: BundleEnvelope, pack: string, ref: string) =>
  withBody(bundle, (body) => {
    delete body.packs[pack].actions[ref]
    delete body.packs[pack].workflows[ref]
  })

const describeAction = (bundle: BundleEnvelope, pack: string, ref: string, description: string) =>
  withBody(bundle, (body) => {
    body.packs[pack].actions[ref].description = description
  })

const suite = (backend: TestBackend) =>
  layer(servicesOn(backend), { timeout: "180 seconds", excludeTestServices: true })(`registry (${backend.name})`, (it) => {
    it.effect("registering core + the fixture pack writes one row per component of every kind", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        const phases: Array<RegisterProgress["phase"]> = []
        const result = yield* registry.register(bundle, "first", { onProgress: (p) => phases.push(p.phase) })
        expect(result).toMatchObject({ workspace: "first", revision: 1, digest: bundle.digest, unchanged: false })
        expect(yield* storedComponents("first")).toEqual(expectedComponents(bundle))
        const refs = refsBySection(bundle)
        for (const { kind } of COMPONENT_TABLES) {
          expect(result.counts[kind]).toEqual({ added: refs[kind]!.length, updated: 0, removed: 0 })
        }
        expect(result.counts.packs).toEqual({ added: 2, updated: 0, removed: 0 })
        for (const kind of ["profiles", "agents", "queues"] as const) {
          expect(result.counts[kind]).toEqual({ added: refs[kind]!.length, updated: 0, removed: 0 })
        }
        expect(phases).toContain("actions")
        expect(phases.at(-1)).toBe("commit")

        const sql = yield* SqlClient.SqlClient
        const id = yield* workspaceIdOf("first")
        const packs = yield* sql<{ ref: string; bundle_revision: number; bundle_digest: string; is_adhoc: boolean }>`
          select ref, bundle_revision, bundle_digest, is_adhoc from pack where workspace_id = ${id} order by ref`
        expect(packs).toEqual(Object.keys(bundle.body.packs).sort().map((ref) =>
          ({ ref, bundle_revision: 1, bundle_digest: bundle.digest, is_adhoc: false })
        ))
        const versions = yield* sql<{ ref: string; version: string; is_default: boolean }>`
          select r.ref, v.version, v.is_default from runtime_version v join runtime r on r.id = v.runtime_id
          where r.workspace_id = ${id} order by r.ref, v.version`
        const expectedVersions = Object.values(bundle.body.packs).flatMap((pack) =>
          Object.values(pack.runtimes).flatMap((runtime) =>
            runtime.versions.map((v) => ({ ref: runtime.ref, version: v.version, is_default: v.is_default ?? false }))
          )
        ).sort((a, b) => (`${a.ref} ${a.version}` < `${b.ref} ${b.version}` ? -1 : 1))
        expect(versions).toEqual(expectedVersions)
        expect(expectedVersions.length).toBeGreaterThan(0)
        const profiles = yield* sql<{ ref: string; display_name: string; protocol_family: string }>`
          select ref, display_name, protocol_family from runtime_profile where workspace_id = ${id} order by ref`
        expect(profiles).toEqual(Object.values(bundle.body.packs).flatMap((pack) =>
          Object.values(pack.profiles).filter((p) => p.protocol_family !== undefined)
            .map((p) => ({ ref: p.ref, display_name: p.display_name, protocol_family: p.protocol_family }))
        ))
        const blobs = yield* sql<{ sha256: string; size: number }>`
          select sha256, size from blob where sha256 = any(${Object.keys(bundle.blobs)}::text[]) order by sha256`
        expect(blobs.map((b) => b.sha256)).toEqual(Object.keys(bundle.blobs).sort())
      }))

    it.effect("registering the same digest again is a no-op: same revision, nothing written", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        const first = yield* registry.register(bundle, "again")
        const before = yield* tableCounts
        const touched = yield* updatedAt("action", "again")
        const second = yield* registry.register(bundle, "again")
        expect(second).toMatchObject({ workspace: "again", revision: first.revision, digest: bundle.digest, unchanged: true })
        expect(Object.values(second.counts).every((c) => c.added + c.updated + c.removed === 0)).toBe(true)
        expect(yield* tableCounts).toEqual(before)
        expect(yield* updatedAt("action", "again")).toEqual(touched)
        // A copy of the envelope (as read from a file) is recognized by its digest too.
        const copy = JSON.parse(JSON.stringify(bundle)) as BundleEnvelope
        expect((yield* registry.register(copy, "again")).unchanged).toBe(true)
      }))

    it.effect("changing one action makes revision 2 and updates only that action", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        yield* registry.register(bundle, "one-change")
        const before = yield* updatedAt("action", "one-change")
        const packsBefore = yield* updatedAt("pack", "one-change")
        yield* Effect.sleep("20 millis")
        const changed = describeAction(bundle, "ops", "ops.deploy_region", "Deploys one region, now documented")
        const result = yield* registry.register(changed, "one-change")
        expect(result).toMatchObject({ revision: 2, unchanged: false, digest: changed.digest })
        expect(result.counts.actions).toEqual({ added: 0, updated: 1, removed: 0 })
        for (const [kind, counts] of Object.entries(result.counts)) {
          if (kind !== "actions") expect(counts, kind).toEqual({ added: 0, updated: 0, removed: 0 })
        }
        const after = yield* updatedAt("action", "one-change")
        for (const [ref, time] of before) {
          if (ref === "ops.deploy_region") expect(after.get(ref)).toBeGreaterThan(time)
          else expect(after.get(ref), ref).toBe(time)
        }
        expect(yield* updatedAt("pack", "one-change")).toEqual(packsBefore)
        expect(yield* storedComponents("one-change")).toEqual(expectedComponents(changed))
        const registryRead = yield* Registry
        const action = yield* registryRead.showAction("one-change", "ops.deploy_region")
        expect(action.description).toBe("Deploys one region, now documented")
        // Packs point at the revision that last registered them.
        const packs = yield* registryRead.listPacks("one-change")
        expect(packs.map((p) => [p.pack.ref, p.pack.bundle_revision, p.pack.bundle_digest])).toEqual([
          ["core", 2, changed.digest],
          ["ops", 2, changed.digest],
        ])
      }))

    it.effect("a removed action or pack loses its rows; ad-hoc rows are kept, and so is the pack they need", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        const reader = yield* Registry
        yield* registry.register(bundle, "removal")
        yield* insertAdhocAction("removal", "ops.manual", "ops")
        yield* insertAdhocAction("removal", "core.handmade", "core")

        // core.ask is the one action nothing in the fixture runs by ref (the scheduler intercepts it).
        const withoutAsk = removeAction(bundle, "core", "core.ask")
        const second = yield* registry.register(withoutAsk, "removal")
        expect(second.counts.actions).toEqual({ added: 0, updated: 0, removed: 1 })
        expect(Option.isNone(yield* reader.findAction("removal", "core.ask"))).toBe(true)
        expect(yield* storedComponents("removal")).toEqual(expectedComponents(withoutAsk))

        // The whole ops pack goes: its pack-sourced rows of every kind, but not the ad-hoc action.
        const coreOnly = withBody(withoutAsk, (body) => {
          delete body.packs.ops
          for (const key of Object.keys(body.files)) if (key.startsWith("ops/")) delete body.files[key]
        })
        const third = yield* registry.register(coreOnly, "removal")
        expect(third.revision).toBe(3)
        expect(third.counts.actions.removed).toBe(Object.keys(bundle.body.packs["ops"]!.actions).length)
        expect(third.counts.rules.removed).toBe(Object.keys(bundle.body.packs["ops"]!.rules).length)
        expect(third.counts.profiles.removed).toBe(1)
        expect(third.counts.agents.removed).toBe(1)
        expect(third.counts.packs.removed).toBe(1)
        expect(yield* storedComponents("removal")).toEqual(expectedComponents(coreOnly))
        const actions = yield* reader.listActions("removal")
        expect(actions.filter((a) => a.is_adhoc).map((a) => a.ref)).toEqual(["core.handmade", "ops.manual"])
        const ops = yield* reader.showPack("removal", "ops")
        expect(ops.pack.is_adhoc).toBe(true)
        expect(ops.components.actions).toEqual(["ops.manual"])
        expect(ops.components.rules).toEqual([])
        const sql = yield* SqlClient.SqlClient
        const id = yield* workspaceIdOf("removal")
        expect(yield* sql`select ref from runtime_profile where workspace_id = ${id}`).toEqual([])

        // Without ad-hoc rows, a pack absent from the bundle is deleted outright.
        yield* sql`delete from action where workspace_id = ${id} and ref = 'ops.manual'`
        yield* registry.register(bundle, "removal")
        const fourth = yield* registry.register(coreOnly, "removal")
        expect(fourth.counts.packs.removed).toBe(1)
        expect((yield* reader.listPacks("removal")).map((p) => p.pack.ref)).toEqual(["core"])
      }))

    it.effect("a bundle declaring a ref that an ad-hoc row holds is refused, with nothing written", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        yield* registry.register(removeAction(bundle, "core", "core.ask"), "clash")
        yield* insertAdhocAction("clash", "core.ask", "core")
        const before = yield* tableCounts
        const error = yield* failureOf(registry.register(bundle, "clash"))
        expect(error._tag).toBe("Conflict")
        expect(error).toMatchObject({ kind: "action", ref: "core.ask", workspace: "clash" })
        expect(error.message).toContain("ad-hoc")
        expect(error.message).toContain("Delete the existing action or rename it")
        expect(yield* tableCounts).toEqual(before)
      }))

    it.effect("every revision stays readable with its body and verifies", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        const reader = yield* Registry
        yield* registry.register(bundle, "history")
        const changed = describeAction(bundle, "core", "core.echo", "Echoes, revised")
        yield* registry.register(changed, "history")
        const first = yield* reader.getBundle("history", { revision: 1 })
        expect(first.revision).toBe(1)
        expect(first.digest).toBe(bundle.digest)
        expect(canonicalJson(first.body)).toBe(canonicalJson(bundle.body))
        expect(first.blobs).toEqual(bundle.blobs)
        expect(Either.isRight(verifyBundle(first))).toBe(true)
        const byDigest = yield* reader.getBundle("history", { digest: changed.digest })
        expect(byDigest.revision).toBe(2)
        expect(Either.isRight(verifyBundle(byDigest))).toBe(true)
        const listed = yield* reader.listBundles("history")
        expect(listed.map((b) => [b.revision, b.digest])).toEqual([[2, changed.digest], [1, bundle.digest]])
        const refs = refsBySection(bundle)
        for (const section of PACK_SECTIONS) expect(listed[1]!.counts[section], section).toBe(refs[section]!.length)
        expect(listed[1]!.packs).toBe(2)
        expect(listed[1]!.files).toBe(Object.keys(bundle.body.files).length)
        const missing = yield* failureOf(reader.getBundle("history", { revision: 7 }))
        expect(missing).toMatchObject({ _tag: "NotFound", kind: "bundle", ref: "7" })
        expect(missing.message).toContain("revision 2")
      }))

    it.effect("racing registrations of one workspace serialize: consecutive revisions, the later one's components win", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        const registry = yield* BundleRegistry
        const a = removeAction(bundle, "core", "core.ask")
        const b = describeAction(bundle, "core", "core.echo", "Echoes, from the other writer")
        const [ra, rb] = yield* Effect.all([registry.register(a, "race"), registry.register(b, "race")], { concurrency: 2 })
        expect([ra.revision, rb.revision].sort()).toEqual([1, 2])
        const later = ra.revision === 2 ? a : b
        const reader = yield* Registry
        const listed = yield* reader.listBundles("race")
        expect(listed.map((x) => x.digest).sort()).toEqual([a.digest, b.digest].sort())
        expect(listed[0]!.digest).toBe(later.digest)
        expect(yield* storedComponents("race")).toEqual(expectedComponents(later))
        const packs = yield* reader.listPacks("race")
        expect(packs.every((p) => p.pack.bundle_revision === 2)).toBe(true)

        // Again once the workspace row exists: now they queue on its row lock.
        const c = describeAction(bundle, "ops", "ops.deploy_region", "third writer")
        const d = removeAction(bundle, "ops", "ops.deploy")
        const [rc, rd] = yield* Effect.all([registry.register(c, "race"), registry.register(d, "race")], { concurrency: 2 })
        expect([rc.revision, rd.revision].sort()).toEqual([3, 4])
        const last = rc.revision === 4 ? c : d
        expect((yield* reader.listBundles("race")).map((x) => x.revision)).toEqual([4, 3, 2, 1])
        expect(yield* storedComponents("race")).toEqual(expectedComponents(last))
      }))

    it.effect("list and show queries answer from the tables; a missing ref is NotFound with a suggestion", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        yield* (yield* BundleRegistry).register(bundle, "reads")
        const reader = yield* Registry
        const refs = refsBySection(bundle)
        const packs = yield* reader.listPacks("reads")
        expect(packs.map((p) => p.pack.ref)).toEqual(["core", "ops"])
        expect(packs[1]!.counts).toEqual(Object.fromEntries(PACK_SECTIONS.map((s) => [s, Object.keys(bundle.body.packs["ops"]![s]).length])))
        const ops = yield* reader.showPack("reads", "ops")
        expect(ops.components.rules).toEqual(Object.keys(bundle.body.packs["ops"]!.rules).sort())
        expect(ops.pack.manifest).toEqual(bundle.body.packs["ops"]!.manifest)

        expect((yield* reader.listActions("reads")).map((a) => a.ref)).toEqual(refs["actions"])
        expect((yield* reader.listActions("reads", { pack: "core" })).map((a) => a.ref))
          .toEqual(Object.keys(bundle.body.packs["core"]!.actions).sort())
        const echo = yield* reader.showAction("reads", "core.echo")
        expect(echo.definition).toEqual(bundle.body.packs["core"]!.actions["core.echo"])
        expect(echo.runtime_ref).toBe(bundle.body.packs["core"]!.actions["core.echo"]!.runtime)

        const runtimes = yield* reader.listRuntimes("reads")
        expect(runtimes.map((r) => r.runtime.ref)).toEqual(refs["runtimes"])
        const python = yield* reader.showRuntime("reads", "core.python")
        expect(python.versions.map((v) => v.version)).toEqual(
          bundle.body.packs["core"]!.runtimes["core.python"]!.versions.map((v) => v.version).sort(),
        )
        expect((yield* reader.listTriggers("reads")).map((r) => r.ref)).toEqual(refs["triggers"])
        expect((yield* reader.listSensors("reads")).map((r) => r.ref)).toEqual(refs["sensors"])
        expect((yield* reader.listRules("reads")).map((r) => r.ref)).toEqual(refs["rules"])
        expect((yield* reader.listWorkflows("reads")).map((r) => r.ref)).toEqual(refs["workflows"])
        expect((yield* reader.listPermissionSets("reads")).map((r) => r.ref)).toEqual(refs["permission_sets"])
        expect((yield* reader.listProfiles("reads")).map((r) => r.ref)).toEqual(refs["profiles"])
        expect((yield* reader.listAgents("reads")).map((r) => r.ref)).toEqual(refs["agents"])
        expect((yield* reader.listQueues("reads")).map((r) => r.ref)).toEqual(refs["queues"])
        const [hash, base64] = Object.entries(bundle.blobs)[0]!
        expect(Buffer.from((yield* reader.getBlob(hash)).bytes).toString("base64")).toBe(base64)

        const typo = yield* failureOf(reader.showAction("reads", "core.ecoh"))
        expect(typo).toMatchObject({ _tag: "NotFound", kind: "action", ref: "core.ecoh", workspace: "reads", suggestion: "core.echo" })
        expect(typo.message).toBe("action core.ecoh not found in workspace reads; did you mean core.echo?")
        expect(yield* failureOf(reader.showAction("reads", "echo"))).toMatchObject({ suggestion: "core.echo" })
        expect(yield* failureOf(reader.showPack("reads", "opz"))).toMatchObject({ kind: "pack", suggestion: "ops" })
        expect(yield* failureOf(reader.showRuntime("reads", "core.pyton"))).toMatchObject({ kind: "runtime", suggestion: "core.python" })
        expect(yield* failureOf(reader.listPacks("raeds"))).toMatchObject({ kind: "workspace", ref: "raeds", suggestion: "reads" })
        const unrelated = yield* failureOf(reader.showAction("reads", "zzz.qqqqqqqq"))
        expect(unrelated.suggestion).toBeUndefined()
        expect(yield* failureOf(reader.getBlob("0".repeat(64)))).toMatchObject({ kind: "blob" })
      }))

    it.effect("the registry-backed ComponentSource serves what was registered", () =>
      Effect.gen(function*() {
        const bundle = yield* everyKind
        yield* (yield* BundleRegistry).register(bundle, "source")
        const registry = yield* Registry
        const source = ComponentSource.makeFromRegistry(registry, "source", { packsRoot: "/srv/packs" })
        const fromBundle = ComponentSource.make(bundle)
        expect(yield* source.listActionRefs()).toEqual(yield* fromBundle.listActionRefs())
        expect(yield* source.getAction("ops.deploy_region")).toEqual(yield* fromBundle.getAction("ops.deploy_region"))
        expect(Option.isNone(yield* source.getAction("ops.nope"))).toBe(true)
        expect(yield* source.getRuntime("core.python")).toEqual(yield* fromBundle.getRuntime("core.python"))
        expect(yield* source.listRuntimes()).toEqual(yield* fromBundle.listRuntimes())
        expect(yield* source.listProfiles()).toEqual(yield* fromBundle.listProfiles())
        expect(yield* source.packDir("ops")).toEqual(Option.some("/srv/packs/ops"))
        expect(yield* source.packDir("nope")).toEqual(Option.none())
        const elsewhere = ComponentSource.makeFromRegistry(registry, "never-registered")
        const unavailable = yield* failureOf(elsewhere.getAction("core.echo"))
        expect(unavailable._tag).toBe("ComponentSourceUnavailable")
        expect(unavailable.message).toContain("workspace never-registered not found")
      }))

    describe("bad input is a typed error and writes nothing", () => {
      const refused = <E extends { readonly _tag: string }>(attempt: Effect.Effect<unknown, E, BundleRegistry>, tag: string) =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const registry = yield* BundleRegistry
          yield* registry.register(bundle, "bad")
          const before = yield* tableCounts
          const error = yield* failureOf(attempt)
          expect(error._tag).toBe(tag)
          expect(yield* tableCounts).toEqual(before)
          return error
        })

      it.effect("a digest that does not match the body", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const tampered = { ...describeAction(bundle, "core", "core.echo", "tampered"), digest: `sha256:${"ab".repeat(32)}` } as BundleEnvelope
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(tampered, "bad")), "BundleDigestMismatch")
          expect(error.message).toContain("digest mismatch")
          // Same story when the forged digest is the one the workspace already has: caught on a new workspace.
          const forged = { ...describeAction(bundle, "core", "core.echo", "tampered"), digest: bundle.digest } as BundleEnvelope
          yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(forged, "bad-elsewhere")), "BundleDigestMismatch")
        }))

      it.effect("a truncated bundle file", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const file = path.join(scratch(), "truncated.json")
          const text = JSON.stringify(bundle)
          writeFileSync(file, text.slice(0, Math.floor(text.length / 2)))
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.registerFile(file, "bad")), "MalformedBundleJson")
          expect(error.message).toContain("truncated")
        }))

      it.effect("an unknown format version", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const future = { ...bundle, format: "packsmith.bundle/v9" } as unknown as BundleEnvelope
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(future, "bad")), "UnsupportedBundleFormat")
          expect(error.message).toContain("packsmith.bundle/v9")
          const file = path.join(scratch(), "future.json")
          writeFileSync(file, JSON.stringify(future))
          yield* refused(Effect.flatMap(BundleRegistry, (r) => r.registerFile(file, "bad")), "UnsupportedBundleFormat")
        }))

      it.effect("a 200 MB bundle file is refused by its size before it is read", () =>
        Effect.gen(function*() {
          const file = path.join(scratch(), "huge.json")
          const fd = openSync(file, "w")
          ftruncateSync(fd, 200 * 1024 * 1024)
          closeSync(fd)
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.registerFile(file, "bad")), "BundleTooLarge")
          expect(error).toMatchObject({ size: 200 * 1024 * 1024 })
        }))

      it.effect("a blob whose bytes do not hash to its key", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const [hash] = Object.keys(bundle.blobs)
          const bad = { ...bundle, blobs: { ...bundle.blobs, [hash!]: Buffer.from("not the script\n").toString("base64") } }
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(bad, "bad-blob")), "InvalidBundle")
          expect(error.message).toContain("does not hash to its key")
        }))

      it.effect("a value the tables cannot hold names its component", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          // The compiler's semver check accepts a leading "v"; the registry's semver domain does not.
          const odd = withBody(bundle, (body) => {
            body.packs.ops.manifest.version = "v0.2.0"
          })
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(odd, "bad")), "InvalidBundle")
          expect(JSON.stringify(error)).toContain("packs.ops.manifest")
          expect(JSON.stringify(error)).toContain("pack.version")
        }))

      it.effect("text the database cannot store (a NUL character in jsonb) is refused by the database, mid-transaction", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const nul = describeAction(bundle, "ops", "ops.deploy_region", "before\u0000after")
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(nul, "bad-nul")), "InvalidBundle")
          expect(error.message).toContain("the database refused part of the bundle")
        }))

      it.effect("a workspace name that can never exist", () =>
        Effect.gen(function*() {
          const bundle = yield* everyKind
          const error = yield* refused(Effect.flatMap(BundleRegistry, (r) => r.register(bundle, "Not A Name")), "InvalidName")
          expect(error.message).toContain("not a valid workspace name")
        }))
    })
  })

describe("registry conformance", () => {
  for (const backend of backends()) suite(backend)
})
