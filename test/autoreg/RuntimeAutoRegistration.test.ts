/**
 * The auto-registration matrix, on every backend: template present (works here / not here), template absent,
 * already provided, already registered, two workers at once, and a database that fails (warning, no failure).
 */
import { describe, expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Either, Layer } from "effect"
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { PackCompiler } from "../../src/compiler/PackCompiler.js"
import { DetectedRuntime, DetectionReport } from "../../src/domain/Detection.js"
import { RuntimeAutoRegistration } from "../../src/services/RuntimeAutoRegistration.js"
import { backends, type TestBackend } from "../support/databases.js"

const REPO = path.resolve(import.meta.dirname, "../..")

/** A directory of executable stubs, standing in for a host's PATH. */
const stubDir = (names: ReadonlyArray<string>) => {
  const dir = mkdtempSync(path.join(tmpdir(), "packsmith-autoreg-"))
  for (const name of names) {
    const file = path.join(dir, name)
    writeFileSync(file, "#!/bin/sh\necho stub\n")
    chmodSync(file, 0o755)
  }
  return dir
}

const detected = (family: string, name: string, file: string, version = "1.0.0") =>
  new DetectedRuntime({ family, name, path: file, realPath: file, version, source: "path" })

const report = (...runtimes: Array<DetectedRuntime>) => new DetectionReport({ runtimes, templates: [], problems: [] })

/** Registers the core pack's runtimes (the templates) in `workspace`, straight from the compiled pack. */
const seedCoreTemplates = (workspace: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const compiler = yield* PackCompiler
    const { bundle } = yield* compiler.compile([path.join(REPO, "packs")])
    const core = bundle.body.packs.core!
    yield* sql`insert into workspace (name) values (${workspace}) on conflict (name) do nothing`
    const [{ id }] = yield* sql<{ id: string }>`select id from workspace where name = ${workspace}` as unknown as Effect.Effect<[{ id: string }]>
    yield* sql`insert into pack (workspace_id, ref, version, label, is_adhoc) values (${id}, 'core', '1.0.0', 'Core', true)`
    for (const runtime of Object.values(core.runtimes)) {
      yield* sql`insert into runtime (workspace_id, ref, pack_ref, name, aliases, execution_config, distributions)
        values (${id}, ${runtime.ref}, 'core', ${runtime.name}, ${runtime.aliases as Array<string>},
                ${JSON.stringify(runtime.execution_config)}, ${JSON.stringify(runtime.distributions)})`
    }
    return id
  }).pipe(Effect.provide(PackCompiler.Default))

const autoRows = (workspace: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{
    ref: string; name: string; aliases: Array<string>; execution_config: any; auto_detected: boolean; detection_config: any
  }>`select r.ref, r.name, r.aliases, r.execution_config, r.auto_detected, r.detection_config
     from runtime r join workspace w on w.id = r.workspace_id
     where w.name = ${workspace} and r.ref like 'auto.%' order by r.ref`)

const RuntimeAutoRegistrationWithDb = (backend: TestBackend) =>
  RuntimeAutoRegistration.Default.pipe(Layer.provideMerge(backend.layer))

const autoRegistration = (backend: TestBackend) =>
  layer(RuntimeAutoRegistrationWithDb(backend), { timeout: "120 seconds", excludeTestServices: true })(
    `runtime auto-registration (${backend.name})`,
    (it) => {
      it.effect("a core template that works on this host provides its family: nothing is registered", () =>
        Effect.gen(function* () {
          yield* seedCoreTemplates("provided")
          const bin = stubDir(["python3"])
          const auto = yield* RuntimeAutoRegistration
          const result = yield* auto.register(report(detected("python", "python3", path.join(bin, "python3"))), {
            workspace: "provided", path: bin,
          })
          expect(result.registered).toEqual([])
          expect(result.skipped).toEqual([expect.objectContaining({ family: "python", providedBy: "core.python" })])
          expect(yield* autoRows("provided")).toEqual([])
        }))

      it.effect("a core template whose binary is not the detected interpreter is cloned as auto.<family>", () =>
        Effect.gen(function* () {
          yield* seedCoreTemplates("cloned")
          const hostPath = stubDir([]) // `ruby` is not on the PATH the template would use
          const elsewhere = stubDir(["ruby"])
          const auto = yield* RuntimeAutoRegistration
          const ruby = path.join(elsewhere, "ruby")
          const result = yield* auto.register(report(detected("ruby", "ruby", ruby, "3.3.0")), { workspace: "cloned", path: hostPath })
          expect(result.registered).toEqual([{ ref: "auto.ruby", family: "ruby", template: "core.ruby", binary: ruby }])
          const [row] = yield* autoRows("cloned")
          expect(row!.auto_detected).toBe(true)
          expect(row!.detection_config).toEqual({ detected_path: ruby, detected_name: "ruby", detected_version: "3.3.0" })
          expect(row!.execution_config.interpreter.binary).toBe(ruby)
          // Everything else comes from the template: its extension, env vars and aliases.
          expect(row!.execution_config.interpreter.file_extension).toBe(".rb")
          expect(row!.execution_config.env_vars).toHaveProperty("GEM_HOME")
          expect(row!.aliases).toContain("rb")
        }))

      it.effect("without a template a minimal entry is registered; a second run is a no-op", () =>
        Effect.gen(function* () {
          const bin = stubDir(["lua5.4"])
          const lua = path.join(bin, "lua5.4")
          const auto = yield* RuntimeAutoRegistration
          const first = yield* auto.register(report(detected("lua", "lua5.4", lua, "5.4.6")), { workspace: "minimal", path: bin })
          expect(first.registered).toEqual([{ ref: "auto.lua", family: "lua", template: null, binary: lua }])
          const [row] = yield* autoRows("minimal")
          expect(row!.name).toBe("Lua")
          expect(row!.execution_config).toEqual({ interpreter: { binary: lua, args: [], file_extension: ".lua" } })
          const second = yield* auto.register(report(detected("lua", "lua5.4", lua, "5.4.6")), { workspace: "minimal", path: bin })
          expect(second.registered).toEqual([])
          expect(second.skipped).toEqual([expect.objectContaining({ family: "lua", providedBy: "auto.lua" })])
          expect((yield* autoRows("minimal")).length).toBe(1)
        }))

      it.effect("a shim is registered by the real interpreter behind it", () =>
        Effect.gen(function* () {
          const shims = stubDir(["php"])
          const real = stubDir(["php8.2"])
          const auto = yield* RuntimeAutoRegistration
          const runtime = new DetectedRuntime({
            family: "php", name: "php", path: path.join(shims, "php"), realPath: path.join(real, "php8.2"),
            version: "8.2.7", source: "path", viaShim: true,
          })
          const result = yield* auto.register(report(runtime), { workspace: "shim", path: shims })
          expect(result.registered.map((r) => r.binary)).toEqual([path.join(real, "php8.2")])
        }))

      it.effect("two workers registering at once leave exactly one row", () =>
        Effect.gen(function* () {
          const bin = stubDir(["bun"])
          const auto = yield* RuntimeAutoRegistration
          const detection = report(detected("bun", "bun", path.join(bin, "bun"), "1.1.0"))
          const results = yield* Effect.all(
            [auto.register(detection, { workspace: "race", path: bin }), auto.register(detection, { workspace: "race", path: bin })],
            { concurrency: 2 },
          )
          expect(results.flatMap((r) => r.registered).map((r) => r.ref)).toEqual(["auto.bun"])
          expect(results.flatMap((r) => r.skipped).map((s) => s.providedBy)).toEqual(["auto.bun"])
          expect(results.flatMap((r) => r.warnings)).toEqual([])
          expect((yield* autoRows("race")).map((r) => r.ref)).toEqual(["auto.bun"])
        }))

      it.effect("a database that fails gives a warning, never a failure", () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const auto = yield* RuntimeAutoRegistration
          const bin = stubDir(["deno"])
          yield* sql`alter table runtime rename to runtime_moved`
          const result = yield* auto.register(report(detected("deno", "deno", path.join(bin, "deno"))), { workspace: "broken", path: bin })
            .pipe(Effect.either)
          yield* sql`alter table runtime_moved rename to runtime`
          expect(Either.isRight(result)).toBe(true)
          const value = Either.getOrThrow(result)
          expect(value.registered).toEqual([])
          expect(value.warnings).toEqual([expect.stringContaining("auto-registration skipped: cannot read the registered runtimes")])
        }))
    },
  )

describe("auto-registration", () => {
  for (const backend of backends()) autoRegistration(backend)
})
