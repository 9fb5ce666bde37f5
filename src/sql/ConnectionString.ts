/**
 * PostgreSQL connection strings as libpq reads them: URIs (`postgres://` / `postgresql://`, with query
 * parameters such as `?host=/run/pg&port=5433` for a unix socket), `key=value` strings (values quoted with
 * '...' and backslash escapes), and PG* environment variables filling in whatever the string leaves out.
 * `pg-connection-string` (what node-postgres uses) reads neither key=value strings nor libpq's sslmode, and
 * takes an empty host as an error, so the forms are parsed here, into one `ConnectionConfig`.
 * `maskConnectionString` is the one place a connection string is made printable.
 */
import { Either, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full"
const SSL_MODES: ReadonlyArray<SslMode> = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

export interface ConnectionHost {
  /** A host name, an IP address, or (starting with "/") the directory of a unix socket. */
  readonly host: string
  readonly port: number
}

export interface ConnectionConfig {
  /** Tried in order; the first that accepts the connection is used. */
  readonly hosts: ReadonlyArray<ConnectionHost>
  readonly user: string
  readonly password: Redacted.Redacted | undefined
  readonly database: string
  readonly sslmode: SslMode
  readonly sslrootcert: string | undefined
  readonly sslcert: string | undefined
  readonly sslkey: string | undefined
  /** Seconds to wait for each connection attempt; 0 waits for ever (libpq's `connect_timeout`). */
  readonly connectTimeoutSeconds: number
  readonly applicationName: string | undefined
  /** Server options sent at startup, e.g. `-c lock_timeout=5s`. */
  readonly options: string | undefined
  readonly keepalives: boolean
  readonly keepalivesIdleSeconds: number | undefined
}

/** Applied when neither the string nor PGCONNECT_TIMEOUT says: a server that never answers fails in bounded time. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10

/** Where libpq builds look for a unix socket when no host is given, in order. */
const DEFAULT_SOCKET_DIRECTORIES = ["/var/run/postgresql", "/run/postgresql", "/tmp"]

/** libpq keywords packsmith honours; the rest of libpq's are refused by name rather than silently ignored. */
const KEYWORDS = new Set([
  "host",
  "hostaddr",
  "port",
  "dbname",
  "user",
  "password",
  "connect_timeout",
  "client_encoding",
  "options",
  "application_name",
  "fallback_application_name",
  "keepalives",
  "keepalives_idle",
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "target_session_attrs",
])

/** libpq keywords without an equivalent here; naming them is refused with this reason. */
const UNSUPPORTED: Record<string, string> = {
  service: "service files (pg_service.conf) are not read; give the parameters themselves",
  passfile: "password files are not read; give the password in the string or PGPASSWORD",
  requirepeer: "requirepeer is not supported",
  require_auth: "require_auth is not supported",
  channel_binding: "channel_binding is not supported",
  gssencmode: "GSSAPI encryption is not supported",
  replication: "replication connections are not supported",
  sslcrl: "sslcrl is not supported",
  sslcrldir: "sslcrldir is not supported",
  load_balance_hosts: "load_balance_hosts is not supported; hosts are tried in order",
}

/** PG* variables and the keyword each fills in, as libpq applies them. */
const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ["PGHOST", "host"],
  ["PGHOSTADDR", "hostaddr"],
  ["PGPORT", "port"],
  ["PGDATABASE", "dbname"],
  ["PGUSER", "user"],
  ["PGPASSWORD", "password"],
  ["PGSSLMODE", "sslmode"],
  ["PGSSLROOTCERT", "sslrootcert"],
  ["PGSSLCERT", "sslcert"],
  ["PGSSLKEY", "sslkey"],
  ["PGCONNECT_TIMEOUT", "connect_timeout"],
  ["PGAPPNAME", "application_name"],
  ["PGOPTIONS", "options"],
  ["PGCLIENTENCODING", "client_encoding"],
  ["PGTARGETSESSIONATTRS", "target_session_attrs"],
  ["PGSERVICE", "service"],
]

/** The PG* variables a connection string may take values from. */
export const PG_ENVIRONMENT_VARIABLES: ReadonlyArray<string> = ENVIRONMENT.map(([variable]) => variable)

export type Environment = Readonly<Record<string, string | undefined>>

const URI_PREFIX = /^postgres(?:ql)?:\/\//
const ANY_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//

type Params = Map<string, string>

const decodePercent = (text: string, what: string): Either.Either<string, string> => {
  try {
    return Either.right(decodeURIComponent(text))
  } catch {
    return Either.left(`the ${what} has an invalid percent-encoding`)
  }
}

/** libpq's URI grammar: postgres://[user[:password]@][host[:port][,...]][/dbname][?param=value&...] */
const parseUri = (text: string): Either.Either<Params, string> =>
  Either.gen(function*() {
    const params: Params = new Map()
    let rest = text.replace(URI_PREFIX, "")
    const hash = rest.indexOf("#")
    if (hash >= 0) rest = rest.slice(0, hash)
    const queryAt = rest.indexOf("?")
    const query = queryAt >= 0 ? rest.slice(queryAt + 1) : ""
    if (queryAt >= 0) rest = rest.slice(0, queryAt)
    // As libpq: user information ends at the first "@" before the first "/".
    const slash = rest.indexOf("/")
    const at = rest.indexOf("@")
    if (at >= 0 && (slash < 0 || at < slash)) {
      const userInfo = rest.slice(0, at)
      rest = rest.slice(at + 1)
      const colon = userInfo.indexOf(":")
      const user = colon >= 0 ? userInfo.slice(0, colon) : userInfo
      if (user !== "") params.set("user", yield* decodePercent(user, "user name"))
      if (colon >= 0) params.set("password", yield* decodePercent(userInfo.slice(colon + 1), "password"))
    }
    const pathAt = rest.indexOf("/")
    const hostPart = pathAt >= 0 ? rest.slice(0, pathAt) : rest
    const database = pathAt >= 0 ? rest.slice(pathAt + 1) : ""
    if (database !== "") params.set("dbname", yield* decodePercent(database, "database name"))
    if (hostPart !== "") {
      const hosts: Array<string> = []
      const ports: Array<string> = []
      for (const spec of hostPart.split(",")) {
        const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(spec)
        const [host, port] = bracketed !== null
          ? [bracketed[1] ?? "", bracketed[2] ?? ""]
          : spec.includes(":") ? [spec.slice(0, spec.lastIndexOf(":")), spec.slice(spec.lastIndexOf(":") + 1)] : [spec, ""]
        hosts.push(yield* decodePercent(host, "host"))
        ports.push(port)
      }
      if (hosts.some((host) => host !== "")) params.set("host", hosts.join(","))
      if (ports.some((port) => port !== "")) params.set("port", ports.join(","))
    }
    for (const pair of query === "" ? [] : query.split("&")) {
      const equals = pair.indexOf("=")
      if (equals < 0) return yield* Either.left(`the query parameter ${JSON.stringify(pair)} has no "="`)
      const key = yield* decodePercent(pair.slice(0, equals), "query")
      params.set(key, yield* decodePercent(pair.slice(equals + 1).replaceAll("+", " "), `value of ${key}`))
    }
    return params
  })

/** libpq's key=value grammar: whitespace-separated `key = value`, a value bare or single-quoted with \ escapes. */
const parseKeyValue = (text: string): Either.Either<Params, string> => {
  const params: Params = new Map()
  let i = 0
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++
  }
  while (true) {
    skipSpace()
    if (i >= text.length) return Either.right(params)
    const keyStart = i
    while (i < text.length && text[i] !== "=" && !/\s/.test(text[i]!)) i++
    const key = text.slice(keyStart, i)
    skipSpace()
    if (text[i] !== "=") return Either.left(`missing "=" after ${JSON.stringify(key)}`)
    i++
    skipSpace()
    let value = ""
    if (text[i] === "'") {
      i++
      while (true) {
        if (i >= text.length) return Either.left(`the quoted value of ${key} is not closed`)
        const char = text[i]!
        if (char === "'") break
        if (char === "\\" && i + 1 < text.length) i++
        value += text[i]
        i++
      }
      i++
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === "\\" && i + 1 < text.length) i++
        value += text[i]
        i++
      }
    }
    params.set(key, value)
  }
}

const parseInteger = (key: string, value: string): Either.Either<number, string> =>
  /^\s*-?\d+\s*$/.test(value) ? Either.right(Number(value)) : Either.left(`${key} must be an integer, not ${JSON.stringify(value)}`)

/** The socket directory libpq would use when no host is given, if a server listens there; else TCP to localhost. */
const defaultHost = (port: number): string =>
  DEFAULT_SOCKET_DIRECTORIES.find((directory) => fs.existsSync(path.join(directory, `.s.PGSQL.${port}`))) ?? "localhost"

const osUser = (): string => {
  try {
    return os.userInfo().username
  } catch {
    // No passwd entry for this uid (some containers): libpq fails here too; "postgres" is what servers have.
    return "postgres"
  }
}

/** Reads `text` (a URI or key=value string; empty means "everything from PG* and defaults") into a config. */
export const parseConnectionString = (text: string, env: Environment = {}): Either.Either<ConnectionConfig, string> =>
  Either.gen(function*() {
    const trimmed = text.trim()
    const scheme = ANY_SCHEME.exec(trimmed)?.[1]
    if (scheme !== undefined && !URI_PREFIX.test(trimmed)) {
      return yield* Either.left(`the scheme is ${scheme}, not postgres or postgresql`)
    }
    const given = URI_PREFIX.test(trimmed) ? yield* parseUri(trimmed) : yield* parseKeyValue(trimmed)
    for (const key of given.keys()) {
      const unsupported = UNSUPPORTED[key]
      if (unsupported !== undefined) return yield* Either.left(unsupported)
      if (!KEYWORDS.has(key)) return yield* Either.left(`${JSON.stringify(key)} is not a connection option libpq knows`)
    }
    // The string wins; PG* fill in what it leaves out (empty variables count as unset, as in libpq).
    const params: Params = new Map(given)
    for (const [variable, key] of ENVIRONMENT) {
      const value = env[variable]
      if (value === undefined || value === "" || params.has(key)) continue
      const unsupported = UNSUPPORTED[key]
      if (unsupported !== undefined) return yield* Either.left(`${variable} is set: ${unsupported}`)
      params.set(key, value)
    }
    const get = (key: string) => {
      const value = params.get(key)
      return value === undefined || value === "" ? undefined : value
    }

    const sslmode = get("sslmode") ?? "prefer"
    if (!(SSL_MODES as ReadonlyArray<string>).includes(sslmode)) {
      return yield* Either.left(`sslmode must be one of ${SSL_MODES.join(", ")}, not ${JSON.stringify(sslmode)}`)
    }
    const targetSessionAttrs = get("target_session_attrs") ?? "any"
    if (targetSessionAttrs !== "any") {
      return yield* Either.left(`target_session_attrs=${targetSessionAttrs} is not supported (only "any")`)
    }
    const encoding = get("client_encoding")
    if (encoding !== undefined && !/^(utf-?8|unicode)$/i.test(encoding)) {
      return yield* Either.left(`client_encoding must be UTF8 (packsmith reads text as UTF-8), not ${encoding}`)
    }

    const portTexts = (get("port") ?? "").split(",")
    const ports = yield* Either.all(portTexts.map((port) => port.trim() === "" ? Either.right(5432) : parseInteger("port", port)))
    if (ports.some((port) => port < 1 || port > 65535)) return yield* Either.left(`port must be between 1 and 65535`)
    // hostaddr (a numeric address) is where libpq connects when given; host then only names the server.
    const hostTexts = (get("hostaddr") ?? get("host") ?? "").split(",")
    if (ports.length !== 1 && ports.length !== hostTexts.length) {
      return yield* Either.left(`${hostTexts.length} hosts but ${ports.length} ports; give one port, or one for each host`)
    }
    const hosts = hostTexts.map((host, index) => {
      const port = ports.length === 1 ? ports[0]! : ports[index]!
      return { host: host.trim() === "" ? defaultHost(port) : host.trim(), port }
    })

    const connectTimeout = get("connect_timeout")
    const connectTimeoutSeconds = connectTimeout === undefined
      ? DEFAULT_CONNECT_TIMEOUT_SECONDS
      : yield* parseInteger("connect_timeout", connectTimeout)
    const keepalivesIdle = get("keepalives_idle")
    const user = get("user") ?? osUser()
    const password = params.get("password")
    return {
      hosts,
      user,
      password: password === undefined ? undefined : Redacted.make(password),
      database: get("dbname") ?? user,
      sslmode: sslmode as SslMode,
      sslrootcert: get("sslrootcert"),
      sslcert: get("sslcert"),
      sslkey: get("sslkey"),
      // libpq treats 1 as 2 ("too short to be useful"), and negative values as 0.
      connectTimeoutSeconds: connectTimeoutSeconds <= 0 ? 0 : Math.max(2, connectTimeoutSeconds),
      applicationName: get("application_name") ?? get("fallback_application_name"),
      options: get("options"),
      keepalives: get("keepalives") !== "0",
      keepalivesIdleSeconds: keepalivesIdle === undefined ? undefined : yield* parseInteger("keepalives_idle", keepalivesIdle),
    } satisfies ConnectionConfig
  })

const MASK = "***"

/**
 * `text` with any password replaced by ***, whatever the form: a URI's user information (up to its last "@",
 * so a raw "/" or a second "@" in the password is masked too), a `password=` query parameter, a key=value
 * `password`. When a key=value string cannot be read, everything from "password" on is masked.
 */
export const maskConnectionString = (text: string): string => {
  if (ANY_SCHEME.test(text.trimStart()) || (!text.includes("=") && text.includes("@"))) {
    const schemeEnd = ANY_SCHEME.exec(text.trimStart()) === null ? 0 : text.indexOf("://") + 3
    let masked = text
    const at = text.lastIndexOf("@")
    if (at > schemeEnd) {
      const userInfo = text.slice(schemeEnd, at)
      const colon = userInfo.indexOf(":")
      if (colon >= 0) masked = `${text.slice(0, schemeEnd)}${userInfo.slice(0, colon)}:${MASK}${text.slice(at)}`
    }
    return masked.replace(/([?&]password=)[^&#]*/gi, `$1${MASK}`)
  }
  const params = parseKeyValue(text)
  if (Either.isLeft(params)) {
    const index = text.toLowerCase().indexOf("password")
    return index < 0 ? text : `${text.slice(0, index)}password=${MASK}`
  }
  return [...params.right].map(([key, value]) =>
    key === "password" ? `${key}=${MASK}` : `${key}=${/^[^\s'\\]+$/.test(value) ? value : `'${value.replace(/['\\]/g, "\\$&")}'`}`
  ).join(" ")
}

/** How `config` is shown in messages: where it connects, never the password. */
export const describeConnection = (config: ConnectionConfig): string => {
  const where = config.hosts.map(({ host, port }) =>
    host.startsWith("/") ? `${path.join(host, `.s.PGSQL.${port}`)}` : `${host.includes(":") ? `[${host}]` : host}:${port}`
  ).join(", ")
  return `database ${config.database} as ${config.user} at ${where}`
}
