import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { run, toDotenv, toJsonLine, which } from "./support.js"

// Core shell actions must work on any POSIX sh: dash (Debian's sh), bash, busybox.
const SHELLS = ["sh", "bash", "dash", "busybox"].filter((shell) => which(shell) !== undefined)
const shellArgv = (shell: string, script: string): Array<string> =>
  shell === "busybox" ? ["busybox", "sh", script] : [shell, script]

describe.each(SHELLS)("core.echo under %s", (shell) => {
  const echo = (params: Record<string, unknown>) => run(shellArgv(shell, "actions/echo.sh"), { stdin: toDotenv(params) })

  it("prints the message and a newline", async () => {
    const result = await echo({ message: "Hello, World!" })
    expect(result).toMatchObject({ code: 0, stdout: "Hello, World!\n", stderr: "" })
  })

  it.each([
    ["single quotes", "it's Bob's"],
    ["an escaped quote at the end of a line", "a'\nb"],
    ["only a quote", "'"],
    ["quotes of both kinds", `she said "it's '\\''here'"`],
    ["newlines, blank lines and a trailing newline", "line one\n\n  line three\n"],
    ["shell metacharacters", "$HOME `id` $(id) ${PATH} ; | & > < * ? [a] ~ #"],
    ["backslashes and escapes", "C:\\temp\\new \\n \\t \\\\"],
    ["something that looks like another parameter", "x\nmessage='spoofed'"],
    ["unicode", "zürich – 東京 🚀"],
    ["an empty string", ""],
  ])("keeps %s verbatim", async (_label, message) => {
    const result = await echo({ message })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(message + "\n")
  })

  it("ignores other parameters around the message", async () => {
    const stdin = toDotenv({ a: "1", headers: { "X-Key": "v'1" }, list: ["x", "y"], message: "middle", z: null })
    expect(stdin).toBe(`a='1'\nheaders.X-Key='v'\\''1'\nlist='["x","y"]'\nmessage='middle'\nz=''\n`)
    const result = await run(shellArgv(shell, "actions/echo.sh"), { stdin })
    expect(result).toMatchObject({ code: 0, stdout: "middle\n" })
  })

  it("accepts a last line without a newline", async () => {
    const result = await run(shellArgv(shell, "actions/echo.sh"), { stdin: "message='no newline'" })
    expect(result).toMatchObject({ code: 0, stdout: "no newline\n" })
  })

  it("fails when the message is missing", async () => {
    const result = await echo({ other: "x" })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("'message' is required")
  })

  it("fails on an unterminated quote", async () => {
    const result = await run(shellArgv(shell, "actions/echo.sh"), { stdin: "message='open\n" })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("unterminated")
  })
})

describe.each(SHELLS)("core.sleep under %s", (shell) => {
  const sleep = (params: Record<string, unknown>) =>
    run(shellArgv(shell, "actions/sleep.sh"), { stdin: toDotenv(params) })

  it("returns at once for 0 and reports it as JSON", async () => {
    const started = Date.now()
    const result = await sleep({ seconds: 0 })
    expect(result).toMatchObject({ code: 0, stderr: "" })
    expect(JSON.parse(result.stdout)).toEqual({ seconds: 0 })
    expect(Date.now() - started).toBeLessThan(900)
  })

  it("reads leading zeros as decimal", async () => {
    const result = await sleep({ seconds: "00" })
    expect(JSON.parse(result.stdout)).toEqual({ seconds: 0 })
  })

  it.each([["abc"], ["-1"], ["1.5"], ["3601"], ["99999999999999999999"], [""]])(
    "rejects seconds=%j",
    async (seconds) => {
      const result = await sleep({ seconds })
      expect(result.code).toBe(1)
      expect(result.stdout).toBe("")
      expect(result.stderr).toMatch(/ERROR: parameter 'seconds'/)
    },
  )
})

describe("core.sleep default", () => {
  it("waits one second when no seconds are given", async () => {
    const started = Date.now()
    const result = await run(["sh", "actions/sleep.sh"], { stdin: "" })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ seconds: 1 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })
})

describe.each(SHELLS)("core.noop under %s", (shell) => {
  it.each([[{}], [{ message: "ignored", extra: "x'y" }]])("exits 0 and prints nothing for %j", async (params) => {
    const result = await run(shellArgv(shell, "actions/noop.sh"), { stdin: toDotenv(params) })
    expect(result).toEqual({ code: 0, signal: null, stdout: "", stderr: "" })
  })
})

interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
  readonly body: string
}

describe("core.http_request", () => {
  let server: Server
  let base: string
  const received: Array<Received> = []

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
    const path = (req.url ?? "/").split("?")[0]
    if (path === "/json") {
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "X-Trace": "abc" })
      res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }))
    } else if (path === "/text") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" })
      res.end("plain ✓")
    } else if (path === "/redirect") {
      res.writeHead(302, { Location: "/json" })
      res.end()
    } else if (path === "/missing") {
      res.writeHead(404, { "Content-Type": "application/json" })
      res.end(JSON.stringify({ error: "not found" }))
    } else if (path === "/slow") {
      setTimeout(() => {
        res.writeHead(200)
        res.end("late")
      }, 3000)
    } else {
      res.writeHead(500)
      res.end("unexpected path")
    }
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk: string) => (body += chunk))
      req.on("end", () => handle(req, res, body))
    })
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()))
  })

  const request = (params: Record<string, unknown>) =>
    run(["python3", "-u", "actions/http_request.py"], { stdin: toJsonLine(params) })

  it("GETs JSON and reports status, headers, body and parsed json", async () => {
    const result = await request({ url: `${base}/json` })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("")
    const output = JSON.parse(result.stdout)
    expect(output).toMatchObject({
      status_code: 200,
      success: true,
      url: `${base}/json`,
      json: { method: "GET", body: "", auth: null },
    })
    expect(output.headers["content-type"]).toBe("application/json; charset=utf-8")
    expect(output.headers["x-trace"]).toBe("abc")
    expect(JSON.parse(output.body)).toEqual(output.json)
    expect(Number.isInteger(output.elapsed_ms)).toBe(true)
    expect(Object.keys(output).sort()).toEqual(["body", "elapsed_ms", "headers", "json", "status_code", "success", "url"])
  })

  it("POSTs json_body with a bearer token and custom headers", async () => {
    const result = await request({
      url: `${base}/json`,
      method: "POST",
      headers: { "X-Request-Id": "r-1" },
      json_body: { host: "db1", pct: 97 },
      auth_token: "tok'en",
    })
    expect(result.code).toBe(0)
    const output = JSON.parse(result.stdout)
    expect(output.json).toEqual({ method: "POST", body: '{"host":"db1","pct":97}', auth: "Bearer tok'en" })
    const last = received.at(-1)!
    expect(last.headers["content-type"]).toBe("application/json")
    expect(last.headers["x-request-id"]).toBe("r-1")
    expect(last.headers["user-agent"]).toMatch(/^packsmith-core-http\//)
  })

  it("sends a raw body with PUT and leaves json null for text", async () => {
    const result = await request({ url: `${base}/text`, method: "put", body: "raw body" })
    const output = JSON.parse(result.stdout)
    expect(output).toMatchObject({ status_code: 200, body: "plain ✓", json: null, success: true })
    expect(received.at(-1)).toMatchObject({ method: "PUT", body: "raw body" })
  })

  it("turns user:password@ into Basic auth", async () => {
    const result = await request({ url: `${base.replace("http://", "http://ann:s3cret@")}/json` })
    const output = JSON.parse(result.stdout)
    expect(output.json.auth).toBe(`Basic ${Buffer.from("ann:s3cret").toString("base64")}`)
    expect(output.url).toBe(`${base}/json`)
  })

  it("reports a 404 as a result, not a failure", async () => {
    const result = await request({ url: `${base}/missing` })
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ status_code: 404, success: false, json: { error: "not found" } })
  })

  it("follows redirects and reports the final URL", async () => {
    const output = JSON.parse((await request({ url: `${base}/redirect` })).stdout)
    expect(output).toMatchObject({ status_code: 200, url: `${base}/json` })
  })

  it("HEAD has an empty body", async () => {
    const output = JSON.parse((await request({ url: `${base}/json`, method: "HEAD" })).stdout)
    expect(output).toMatchObject({ status_code: 200, body: "", json: null })
  })

  it("fails with a message on stderr when nothing listens on the port", async () => {
    const closed = createServer()
    await new Promise<void>((resolveListen) => closed.listen(0, "127.0.0.1", resolveListen))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolveClose) => closed.close(() => resolveClose()))

    const result = await request({ url: `http://127.0.0.1:${port}/x?token=sekrit`, timeout: 5 })
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(/^ERROR: GET http:\/\/127\.0\.0\.1:\d+\/x failed: .*refused/i)
    expect(result.stderr).not.toContain("sekrit")
  })

  it("fails when the server does not answer within the timeout", async () => {
    const result = await request({ url: `${base}/slow`, timeout: 1 })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("timed out after 1s")
  })

  it.each([
    [{}, "'url' is required"],
    [{ url: "file:///etc/passwd" }, "http:// or https://"],
    [{ url: "http://127.0.0.1/", method: "TRACE" }, "'method' must be one of"],
    [{ url: "http://127.0.0.1/", body: "a", json_body: {} }, "not both"],
    [{ url: "http://127.0.0.1/", timeout: 0 }, "between 1 and 300"],
    [{ url: "http://127.0.0.1/", verify_ssl: "maybe" }, "'verify_ssl' must be a boolean"],
  ])("rejects invalid parameters %j", async (params, message) => {
    const result = await request(params)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain(message)
  })

  it("rejects stdin that is not JSON", async () => {
    const result = await run(["python3", "actions/http_request.py"], { stdin: "url='http://x'\n" })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("not valid JSON")
  })
})
