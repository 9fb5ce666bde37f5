/**
 * Database failures a user can act on: a wrong URL, a server that does not answer, a data directory that
 * cannot be used, migration history that does not match this package. Everything else is a defect.
 */
import { Schema } from "effect"

export class DatabaseUrlInvalid extends Schema.TaggedError<DatabaseUrlInvalid>()("DatabaseUrlInvalid", {
  /** The connection string as given, with any password masked. */
  url: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `database connection string ${JSON.stringify(this.url)} is not usable: ${this.reason}. ` +
      "Expected a URL such as postgres://user:password@host:5432/database (postgres://user@/database?host=/run/postgresql " +
      "for a unix socket) or key=value pairs such as \"host=db.internal dbname=packsmith\" (set --db or DATABASE_URL)."
  }
}

export class DatabaseUnreachable extends Schema.TaggedError<DatabaseUnreachable>()("DatabaseUnreachable", {
  /** The URL with any password masked. */
  url: Schema.String,
  reason: Schema.String,
  hint: Schema.String,
}) {
  override get message() {
    return `cannot connect to PostgreSQL at ${this.url}: ${this.reason}. ${this.hint}`
  }
}

export class DataDirUnusable extends Schema.TaggedError<DataDirUnusable>()("DataDirUnusable", {
  dataDir: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `cannot use the embedded database directory ${this.dataDir}: ${this.reason}. ` +
      "Choose another directory with PACKSMITH_DATA_DIR, or use PostgreSQL with --db / DATABASE_URL."
  }
}

export class DataDirInUse extends Schema.TaggedError<DataDirInUse>()("DataDirInUse", {
  dataDir: Schema.String,
  pid: Schema.Int,
}) {
  override get message() {
    return `the embedded database ${this.dataDir} is already open in process ${this.pid}; ` +
      "the embedded database serves one process. Stop that process, or share a PostgreSQL server (--db / DATABASE_URL)."
  }
}

export class DataDirNotPacksmith extends Schema.TaggedError<DataDirNotPacksmith>()("DataDirNotPacksmith", {
  dataDir: Schema.String,
  /** What the directory holds, e.g. "a PostgreSQL cluster (PG_VERSION, pg_hba.conf, ...)". */
  found: Schema.String,
}) {
  override get message() {
    return `${this.dataDir} is not empty and is not a packsmith database: it holds ${this.found}. ` +
      "packsmith never initialises over existing files and has changed nothing there. Point PACKSMITH_DATA_DIR " +
      "at a new or empty directory, or use a PostgreSQL server with --db / DATABASE_URL."
  }
}

export class DataDirDamaged extends Schema.TaggedError<DataDirDamaged>()("DataDirDamaged", {
  dataDir: Schema.String,
  problem: Schema.String,
}) {
  override get message() {
    return `the embedded database ${this.dataDir} is damaged: ${this.problem}. It has been left as it is. ` +
      `Restore it from a backup, or move it aside (mv ${JSON.stringify(this.dataDir)} ` +
      `${JSON.stringify(`${this.dataDir}.damaged`)}) and run again to start an empty database.`
  }
}

export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  /** `NNNN_name` of the migration whose SQL failed; nothing of the batch was applied. */
  migration: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `migration ${this.migration} failed and no pending migration was applied: ${this.reason}`
  }
}

export class MigrationHistoryMismatch extends Schema.TaggedError<MigrationHistoryMismatch>()(
  "MigrationHistoryMismatch",
  { reason: Schema.String },
) {
  override get message() {
    return `the database's migration history does not match this packsmith: ${this.reason}`
  }
}

export class MigrationLockTimeout extends Schema.TaggedError<MigrationLockTimeout>()("MigrationLockTimeout", {
  /** `database <name> (schema <schema>)`. */
  database: Schema.String,
  /** The session's lock_timeout, e.g. "1min". */
  lockTimeout: Schema.String,
}) {
  override get message() {
    return `another session has been migrating ${this.database} for longer than lock_timeout (${this.lockTimeout}). ` +
      "If no other packsmith is starting, find the session holding the advisory lock " +
      "(select pid, state, query from pg_stat_activity where pid in (select pid from pg_locks where locktype = 'advisory')); " +
      "to wait longer, add options=-c lock_timeout=<duration> to the connection string."
  }
}

export type DataDirError = DataDirUnusable | DataDirInUse | DataDirNotPacksmith | DataDirDamaged
export type DatabaseConnectError = DatabaseUrlInvalid | DatabaseUnreachable | DataDirError
export type MigrationError = MigrationFailed | MigrationHistoryMismatch | MigrationLockTimeout
