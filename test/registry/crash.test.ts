/**
 * Crash safety on PostgreSQL (skipped without DATABASE_URL): a registration whose process is SIGKILLed inside
 * its transaction leaves the previous revision exactly as it was, and the next registration goes through.
 */
import { describe, expect, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { generateWorkspace } from "../../bench/workspace.js"
import { BundleRegistry } from "../../src/services/BundleRegistry.js"
import { Registry } from "../../src/services/Registry.js"
import { Database } from "../../src/sql/Database.js"
import { postgresTestSchema } from "../support/databases.js"
import { compileBundle, everyKind, REPO, tableCounts } from "./fixtures.js"

const CHILD = path.join(import.meta.dirname, "crash-child.ts")

/** Runs the child until it reports being inside the transaction, then SIGKILLs it; resolves with its output. */
const registerAndKill = (url: string, file: string, workspace: string) =>
  Effect.async<{ readonly lines: ReadonlyArray<string>; readonly signal: NodeJS.Signals | null }, Error>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, file, workspace], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    })
    const lines: Array<string> = []
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line)
      if (line === "inside transaction") child.kill("SIGKILL")
    })
    child.on("exit", (_code, signal) => {
      if (signal === "SIGKILL") resume(Effect.succeed({ lines, signal }))
      else resume(Effect.fail(new Error(`the child ended on its own (${lines.join(" | ")}): ${stderr}`)))
    })
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe.skipIf(!process.env["DATABASE_URL"])("crash safety (postgres)", () => {
  it.live("a registration SIGKILLed inside its transaction leaves revision N intact, and the next one succeeds", () =>
    Effect.gen(function*() {
      const url = yield* postgresTestSchema()
      const services = Layer.mergeAll(BundleRegistry.Default, Registry.Default).pipe(
        Layer.provide(NodeFileSystem.layer),
        Layer.provideMerge(Database.migrated(Database.layerPostgres(url))),
      )
      yield* Effect.gen(function*() {
        const registry = yield* BundleRegistry
        const reader = yield* Registry
        const base = yield* everyKind
        expect((yield* registry.register(base, "crash")).revision).toBe(1)
        const before = yield* tableCounts

        // The 200-pack, 2,000-action workspace: large enough that the kill lands mid-transaction.
        const dir = mkdtempSync(path.join(tmpdir(), "packsmith-crash-"))
        generateWorkspace(dir, { packs: 200, actionsPerPack: 10 })
        cpSync(path.join(REPO, "packs/core"), path.join(dir, "core"), { recursive: true })
        const large = yield* compileBundle([dir], "crash")
        const file = path.join(dir, "bundle.json")
        writeFileSync(file, JSON.stringify(large))

        const killed = yield* registerAndKill(url, file, "crash")
        expect(killed.lines).toContain("inside transaction")
        expect(killed.lines.some((line) => line.startsWith("committed"))).toBe(false)

        expect((yield* reader.listBundles("crash")).map((b) => [b.revision, b.digest])).toEqual([[1, base.digest]])
        expect(yield* tableCounts).toEqual(before)
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`select revision from bundle where revision > 1`).toEqual([])

        const next = yield* registry.register(large, "crash")
        expect(next).toMatchObject({ revision: 2, unchanged: false, digest: large.digest })
        const actions = Object.values(large.body.packs).reduce((n, pack) => n + Object.keys(pack.actions).length, 0)
        expect((yield* reader.listActions("crash")).length).toBe(actions)
        expect(actions).toBeGreaterThanOrEqual(2000)
      }).pipe(Effect.provide(services))
    }).pipe(Effect.scoped), { timeout: 240_000 })
})
