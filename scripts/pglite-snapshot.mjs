// Writes the migrated cluster that new embedded databases start from (dist/pglite-snapshot-<key>.tar.gz)
// unless this build's is there already, and removes snapshots of other builds; see src/sql/DataDirSnapshot.ts.
import { Effect } from "effect"
import * as fs from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import * as tar from "tar"
import { createMigratedCluster, snapshotDirectory, snapshotFileName, snapshotKey } from "../dist/sql/DataDirSnapshot.js"

const name = snapshotFileName(await Effect.runPromise(snapshotKey))
for (const entry of fs.readdirSync(snapshotDirectory)) {
  if (entry.startsWith("pglite-snapshot-") && entry !== name) fs.rmSync(path.join(snapshotDirectory, entry))
}
const file = path.join(snapshotDirectory, name)
if (!fs.existsSync(file)) {
  const cluster = fs.mkdtempSync(path.join(tmpdir(), "packsmith-snapshot-"))
  try {
    await Effect.runPromise(createMigratedCluster(cluster))
    const partial = `${file}.${process.pid}.partial`
    await tar.c({ gzip: true, portable: true, file: partial, cwd: cluster }, fs.readdirSync(cluster))
    fs.renameSync(partial, file)
  } finally {
    fs.rmSync(cluster, { recursive: true, force: true })
  }
}
