// Writes the migrated cluster that new embedded databases start from (dist/pglite-snapshot-<key>.tar.gz),
// unless this build's is there already; see src/sql/DataDirSnapshot.ts.
import { Effect } from "effect"
import { writeSnapshot } from "../dist/sql/DataDirSnapshot.js"

await Effect.runPromise(writeSnapshot())
