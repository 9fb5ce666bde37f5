/**
 * Storage as a program composes it: the `Database` port, its layers (PostgreSQL or embedded PGlite, migrated
 * by `Database.migrated`) and the failures it reports. The raw clients, migration runner and table codecs are
 * internals; their types would put pg's and PGlite's declarations in every consumer's program.
 */
export { Database, DatabaseConfig, DatabaseLive, DEFAULT_DATA_DIR } from "./Database.js"
export type { Backend, DatabaseSelection, DatabaseShape, PgliteLayerOptions } from "./Database.js"
export {
  DataDirDamaged,
  DataDirInUse,
  DataDirNotPacksmith,
  DataDirUnusable,
  DatabaseUnreachable,
  DatabaseUrlInvalid,
  MigrationFailed,
  MigrationHistoryMismatch,
  MigrationLockTimeout,
} from "./DatabaseError.js"
export type { DatabaseConnectError, DataDirError, MigrationError } from "./DatabaseError.js"
