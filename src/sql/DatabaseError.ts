/**
 * Database failures a user can act on: a wrong URL, a server that does not answer, a data directory that
 * cannot be used, migration history that does not match this package. Everything else is a defect.
 */
import { Schema } from "effect"

export class DatabaseUrlInvalid extends Schema.TaggedError<DatabaseUrlInvalid>()("DatabaseUrlInvalid", {
  /** The URL as given, with any password masked. */
  url: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `database URL ${JSON.stringify(this.url)} is not usable: ${this.reason}. ` +
      "Expected postgres://user:password@host:5432/database (set --db or DATABASE_URL)."
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

export type DatabaseConnectError = DatabaseUrlInvalid | DatabaseUnreachable | DataDirUnusable | DataDirInUse
export type MigrationError = MigrationFailed | MigrationHistoryMismatch
