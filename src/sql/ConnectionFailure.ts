/**
 * Why a PostgreSQL connection failed, for a person: each attempt (host, TLS or not) with its error, and a hint
 * for the last one, the one most likely to be acted on (a refused port, a missing socket, a timeout, TLS).
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as path from "node:path"
import type { ConnectionConfig, ConnectionHost } from "./ConnectionString.js"
import { DatabaseUnreachable, DatabaseUrlInvalid } from "./DatabaseError.js"
import { isTimeoutError } from "./PostgresClient.js"
import type { ConnectAttempt, ConnectFailed, TlsFileUnreadable } from "./PostgresClient.js"
import { describeSqlError } from "./SqlFailure.js"

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === "string" ? code : undefined
}

const errorMessage = (error: unknown): string => {
  if (error instanceof AggregateError && error.message === "") return error.errors.map(errorMessage).join("; ")
  return error instanceof Error ? (error.message || errorCode(error) || error.name) : String(error)
}

const where = (host: ConnectionHost) =>
  host.host.startsWith("/") ? path.join(host.host, `.s.PGSQL.${host.port}`) : `${host.host}:${host.port}`

/** What to do about the last failed attempt (the one a person is most likely to act on). */
const connectionHint = (attempt: ConnectAttempt, config: ConnectionConfig): string => {
  const { error, host } = attempt
  if (isTimeoutError(error)) {
    return `The server did not answer within connect_timeout (${config.connectTimeoutSeconds} s). Check that it is ` +
      "PostgreSQL and not overloaded, or wait longer: connect_timeout=<seconds> in the connection string, or PGCONNECT_TIMEOUT."
  }
  switch (errorCode(error)) {
    case "ECONNREFUSED":
      return `Is PostgreSQL running and accepting TCP connections on ${where(host)}?`
    case "ENOENT":
      return `There is no socket ${where(host)}: is PostgreSQL running, and is ${host.host} among its unix_socket_directories?`
    case "EACCES":
      return `This user may not open the socket ${where(host)}.`
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host name ${host.host} does not resolve; check the connection string.`
    case "28P01":
      return "Check the user name and password."
    case "28000":
      return "The server refuses this user from this host; check pg_hba.conf, the user name and sslmode."
    case "3D000":
      return `Create the database first (createdb ${config.database}) or fix its name in the connection string.`
  }
  if (/does not support SSL/i.test(errorMessage(error))) {
    return `The server does not offer TLS, which sslmode=${config.sslmode} requires; enable ssl on the server, or use sslmode=prefer.`
  }
  if (/certificate|self.signed/i.test(errorMessage(error))) {
    return "The server's certificate is not trusted: give its CA with sslrootcert=<file>, or use sslmode=require to encrypt without checking."
  }
  return "Check that the server is running and reachable, and that the connection string is right."
}

/** The typed error for a connection that could not be made: every attempt, and what to do about the last. */
export const explainConnectFailure = (masked: string, config: ConnectionConfig) => (error: ConnectFailed | TlsFileUnreadable | SqlError) => {
  if (error._tag === "TlsFileUnreadable") return new DatabaseUrlInvalid({ url: masked, reason: error.reason })
  if (error._tag === "SqlError") {
    const hint = connectionHint({ host: config.hosts[0]!, tls: false, error: error.cause }, config)
    return new DatabaseUnreachable({ url: masked, reason: describeSqlError(error), hint })
  }
  const reason = error.attempts.map((attempt) =>
    `${where(attempt.host)}${attempt.tls ? " over TLS" : ""}: ${isTimeoutError(attempt.error) ? `no answer within ${config.connectTimeoutSeconds} s` : errorMessage(attempt.error)}`
  ).join("; ")
  return new DatabaseUnreachable({ url: masked, reason, hint: connectionHint(error.attempts.at(-1)!, config) })
}
