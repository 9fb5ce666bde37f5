/**
 * Reading a failed statement: both drivers put the server's error (with its SQLSTATE `code`) in
 * `SqlError.cause`, so callers can tell a unique violation from a lost connection the same way on each.
 */
import type { SqlError } from "@effect/sql/SqlError"

export const SqlState = {
  UNIQUE_VIOLATION: "23505",
  CHECK_VIOLATION: "23514",
  FOREIGN_KEY_VIOLATION: "23503",
  NOT_NULL_VIOLATION: "23502",
  SERIALIZATION_FAILURE: "40001",
  DEADLOCK_DETECTED: "40P01",
  /** A lock was not granted within the session's lock_timeout (PostgreSQL connections set one by default). */
  LOCK_NOT_AVAILABLE: "55P03",
} as const

interface ServerError {
  readonly message: string
  readonly code?: unknown
  readonly detail?: unknown
  readonly hint?: unknown
  readonly constraint?: unknown
}

const serverError = (error: SqlError): ServerError | undefined =>
  error.cause instanceof Error ? error.cause as ServerError : undefined

/** The five-character SQLSTATE of the server error behind `error`, if the server answered. */
export const sqlStateOf = (error: SqlError): string | undefined => {
  const code = serverError(error)?.code
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

export const hasSqlState = (error: SqlError, state: string): boolean => sqlStateOf(error) === state

/** The name of the constraint a violation refers to (e.g. `agent_runtime_workspace_daemon_provider_key`). */
export const violatedConstraintOf = (error: SqlError): string | undefined => {
  const constraint = serverError(error)?.constraint
  return typeof constraint === "string" ? constraint : undefined
}

/** One line for a person: the server's message with its detail and hint, else the client's message. */
export const describeSqlError = (error: SqlError): string => {
  const cause = serverError(error)
  if (cause === undefined) return error.message
  // A failed connection to several addresses is an AggregateError with an empty message but a code.
  const headline = cause.message !== "" ? cause.message : typeof cause.code === "string" ? cause.code : error.message
  const parts = [headline]
  if (typeof cause.detail === "string" && cause.detail !== "") parts.push(cause.detail)
  if (typeof cause.hint === "string" && cause.hint !== "") parts.push(`hint: ${cause.hint}`)
  return parts.join("; ")
}
