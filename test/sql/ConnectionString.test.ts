import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Redacted } from "effect"
import { maskConnectionString, parseConnectionString } from "../../src/sql/ConnectionString.js"
import type { ConnectionConfig } from "../../src/sql/ConnectionString.js"

const parsed = (text: string, env: Record<string, string> = {}): ConnectionConfig =>
  Either.getOrThrowWith(parseConnectionString(text, env), (reason) => new Error(reason))

const refusal = (text: string, env: Record<string, string> = {}): string =>
  Either.match(parseConnectionString(text, env), { onLeft: (reason) => reason, onRight: () => "accepted" })

const essentials = (config: ConnectionConfig) => ({
  hosts: config.hosts,
  user: config.user,
  password: config.password === undefined ? undefined : Redacted.value(config.password),
  database: config.database,
  sslmode: config.sslmode,
})

describe("connection strings, as libpq reads them", () => {
  it("a URI naming a unix socket in its query, with an empty host (as psql accepts)", () => {
    expect(essentials(parsed("postgresql://postgres@/postgres?host=/run/pg&port=5433"))).toEqual({
      hosts: [{ host: "/run/pg", port: 5433 }],
      user: "postgres",
      password: undefined,
      database: "postgres",
      sslmode: "prefer",
    })
    expect(parsed("postgres://%2Fvar%2Frun%2Fpostgresql:5433/app").hosts).toEqual([{ host: "/var/run/postgresql", port: 5433 }])
  })

  it("a URI with percent-encoded credentials, several hosts, IPv6 and libpq's query parameters", () => {
    const config = parsed(
      "postgres://app%40corp:p%2Fw%40rd@db1:5433,[::1]:5434/reg%20istry?sslmode=require&connect_timeout=3" +
        "&application_name=ci&options=-c%20lock_timeout%3D5s",
    )
    expect(essentials(config)).toEqual({
      hosts: [{ host: "db1", port: 5433 }, { host: "::1", port: 5434 }],
      user: "app@corp",
      password: "p/w@rd",
      database: "reg istry",
      sslmode: "require",
    })
    expect([config.connectTimeoutSeconds, config.applicationName, config.options]).toEqual([3, "ci", "-c lock_timeout=5s"])
  })

  it("key=value strings, with quoted values and escapes", () => {
    const config = parsed(
      "host=/run/pg port = 5433 dbname=app user=me password='it''s' connect_timeout=1 options='-c search_path=a\\ b'".replace(
        "'it''s'",
        "'it\\'s a \\\\secret'",
      ),
    )
    expect(essentials(config)).toEqual({
      hosts: [{ host: "/run/pg", port: 5433 }],
      user: "me",
      password: "it's a \\secret",
      database: "app",
      sslmode: "prefer",
    })
    // libpq raises a connect_timeout of 1 to 2 seconds.
    expect([config.connectTimeoutSeconds, config.options]).toEqual([2, "-c search_path=a b"])
  })

  it("PG* variables fill in what the string leaves out; the string wins; empty variables are unset", () => {
    const env = {
      PGHOST: "db.internal",
      PGPORT: "6432",
      PGUSER: "svc",
      PGPASSWORD: "from-env",
      PGDATABASE: "packsmith",
      PGSSLMODE: "verify-full",
      PGCONNECT_TIMEOUT: "7",
      PGAPPNAME: "worker",
      PGOPTIONS: "-c statement_timeout=1min",
    }
    const fromEnv = parsed("", env)
    expect(essentials(fromEnv)).toEqual({
      hosts: [{ host: "db.internal", port: 6432 }],
      user: "svc",
      password: "from-env",
      database: "packsmith",
      sslmode: "verify-full",
    })
    expect([fromEnv.connectTimeoutSeconds, fromEnv.applicationName, fromEnv.options]).toEqual([7, "worker", "-c statement_timeout=1min"])
    expect(essentials(parsed("postgres://other@h2/db2?sslmode=disable", env))).toMatchObject({
      hosts: [{ host: "h2", port: 6432 }],
      user: "other",
      password: "from-env",
      database: "db2",
      sslmode: "disable",
    })
    expect(parsed("host=h", { PGPORT: "", PGCONNECT_TIMEOUT: "" })).toMatchObject({ hosts: [{ host: "h", port: 5432 }], connectTimeoutSeconds: 10 })
  })

  it("what libpq would refuse, or packsmith cannot honour, is refused with the reason", () => {
    expect(refusal("localhost:5432/packsmith")).toBe(`missing "=" after "localhost:5432/packsmith"`)
    expect(refusal("mysql://root@db/app")).toBe("the scheme is mysql, not postgres or postgresql")
    expect(refusal("host=h sslmode=sometimes")).toContain("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
    expect(refusal("postgres://h/db?colour=blue")).toBe(`"colour" is not a connection option libpq knows`)
    expect(refusal("service=prod")).toContain("service files (pg_service.conf) are not read")
    expect(refusal("host=h password='open")).toBe("the quoted value of password is not closed")
    expect(refusal("host=a,b,c port=1,2")).toContain("3 hosts but 2 ports")
    expect(refusal("host=h", { PGSERVICE: "prod" })).toContain("PGSERVICE is set")
  })
})

/** A password that cannot be mistaken for the rest of the string it is put in. */
const password = fc.string({ minLength: 1, maxLength: 24, unit: "binary" }).map((text) => `Qz${text}Wx`)

const forms: ReadonlyArray<readonly [string, (pw: string) => string]> = [
  ["URI, raw (a / or a second @ included)", (pw) => `postgres://app:${pw}@db.internal:5432/packsmith?sslmode=require`],
  ["URI, percent-encoded", (pw) => `postgresql://app:${encodeURIComponent(pw)}@db.internal/packsmith`],
  ["URI query parameter", (pw) => `postgres://db.internal/packsmith?user=app&password=${encodeURIComponent(pw)}&sslmode=prefer`],
  ["key=value, quoted", (pw) => `host=db.internal user=app password='${pw.replace(/['\\]/g, "\\$&")}' dbname=packsmith`],
  ["key=value, unterminated", (pw) => `host=db.internal password='${pw}`],
  ["no scheme", (pw) => `app:${pw}@db.internal:5432/packsmith`],
]

describe("maskConnectionString", () => {
  for (const [name, form] of forms) {
    it.prop(`never shows the password: ${name}`, [password], ([pw]) => {
      const masked = maskConnectionString(form(pw))
      expect(masked).not.toContain(pw)
      expect(masked).not.toContain(encodeURIComponent(pw))
      expect(masked).toContain("***")
    })
  }

  it("keeps the rest readable", () => {
    expect(maskConnectionString("postgres://u:pw@h:5432/d?sslmode=require")).toBe("postgres://u:***@h:5432/d?sslmode=require")
    expect(maskConnectionString("postgres://u:p/w@x@h/d")).toBe("postgres://u:***@h/d")
    expect(maskConnectionString("postgres://h/d?password=pw&sslmode=disable")).toBe("postgres://h/d?password=***&sslmode=disable")
    expect(maskConnectionString("host=/run/pg password='a b' dbname=d")).toBe("host=/run/pg password=*** dbname=d")
    expect(maskConnectionString("postgres://h/d")).toBe("postgres://h/d")
  })
})
