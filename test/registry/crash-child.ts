/**
 * The process the crash-safety test kills: registers a bundle file into the PostgreSQL database at
 * DATABASE_URL and, once it is writing action rows inside the transaction, prints "inside transaction" and
 * stalls there (the transaction stays open) until it is killed.
 * Usage: node --import tsx test/registry/crash-child.ts <bundle.json> <workspace>
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { BundleRegistry, type RegisterProgress } from "../../src/services/BundleRegistry.js"
import { Database } from "../../src/sql/Database.js"

const [file, workspace] = process.argv.slice(2)
const url = process.env["DATABASE_URL"]
if (file === undefined || workspace === undefined || url === undefined) {
  process.stderr.write("usage: DATABASE_URL=... crash-child.ts <bundle.json> <workspace>\n")
  process.exit(2)
}

const stall = new Int32Array(new SharedArrayBuffer(4))
const onProgress = (progress: RegisterProgress) => {
  process.stdout.write(`${progress.phase} ${progress.done}/${progress.total}\n`)
  if (progress.phase === "actions" && progress.done > 0) {
    process.stdout.write("inside transaction\n")
    // Blocks this thread, so nothing more is sent and the transaction is neither committed nor rolled back.
    Atomics.wait(stall, 0, 0, 120_000)
  }
}

const services = BundleRegistry.Default.pipe(Layer.provide(NodeFileSystem.layer), Layer.provide(Database.layerPostgres(url)))
Effect.runPromise(Effect.flatMap(BundleRegistry, (registry) => registry.registerFile(file, workspace, { onProgress })).pipe(
  Effect.provide(services),
)).then(
  (result) => process.stdout.write(`committed revision ${result.revision}\n`),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exitCode = 1
  },
)
