/** Storage: the Database port and its layers, migrations, table codecs, and reading SQL failures. */
export * from "./Database.js"
export * from "./DatabaseError.js"
export * as Migrations from "./Migrations.js"
export * as PgliteClient from "./PgliteClient.js"
export * as PostgresClient from "./PostgresClient.js"
export * from "./SqlFailure.js"
export * as TableSchema from "./TableSchema.js"
export * as Tables from "./Tables.js"
