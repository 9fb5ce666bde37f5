/**
 * Storage as a program composes it: the `Database` port, its layers (PostgreSQL or embedded PGlite, migrated
 * by `Database.migrated`) and the failures it reports. The raw clients, migration runner and table codecs are
 * internals; their types would put pg's and PGlite's declarations in every consumer's program.
 */
export { Database, DatabaseConfig, DatabaseLive, DEFAULT_DATA_DIR } from "./Database.js"
export type { Backend, DatabaseSelection, DatabaseShape, PgliteLayerOptions } from "./Database.js"
export {
  DataDirInUse,
  DataDirUnusable,
  DatabaseUnreachable,
  DatabaseUrlInvalid,
  MigrationFailed,
  MigrationHistoryMismatch,
} from "./DatabaseError.js"
export type { DatabaseConnectError, MigrationError } from "./DatabaseError.js"
