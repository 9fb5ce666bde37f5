import { spawn } from "node:child_process"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { CORE_PACK, run } from "./support.js"

const SCRIPT = "sensors/interval_timer_sensor.py"
const TOKEN = "sensor-token-do-not-print"

const instances = [
  { id: 1, ref: "mon.every_10s", config: { unit: "seconds", interval: 10 } },
  { id: "rule_2", ref: "core.intervaltimer", config: { unit: "minutes", interval: 1 } },
  { id: 3, ref: "ops.hourly", config: { unit: "hours", interval: 1 } },
  { id: 4, ref: "ops.default", config: {} },
  { id: 5, ref: "ops.bad_unit", config: { unit: "days", interval: 1 } },
  { id: 6, ref: "ops.zero", config: { unit: "seconds", interval: 0 } },
  { id: 7, ref: "ops.cron", trigger_ref: "core.crontimer", config: { expression: "* * * * * *" } },
  { ref: "ops.no_id", config: {} },
]

const once = (start: string, now: string, triggers: unknown = instances) =>
  run(["python3", SCRIPT, "--once", "--start", start, "--now", now], {
    env: {
      PACKSMITH_SENSOR_TRIGGERS: JSON.stringify(triggers),
      PACKSMITH_API_URL: "http://127.0.0.1:9",
      PACKSMITH_API_TOKEN: TOKEN,
    },
  })

describe("core.interval_timer_sensor --once", () => {
  it("lists due timers with the firing they stand for, and when the others fire next", async () => {
    const result = await once("2026-01-01T00:00:00Z", "2026-01-01T00:01:05Z")
    expect(result.code).toBe(0)
    const plan = JSON.parse(result.stdout)
    expect(plan.start).toBe("2026-01-01T00:00:00Z")
    expect(plan.now).toBe("2026-01-01T00:01:05Z")
    expect(plan.due).toEqual([
      {
        trigger_instance_id: "1",
        trigger_ref: "core.intervaltimer",
        interval_seconds: 10,
        scheduled_at: "2026-01-01T00:01:00Z",
        next_fire_at: "2026-01-01T00:01:10Z",
      },
      {
        trigger_instance_id: "rule_2",
        trigger_ref: "core.intervaltimer",
        interval_seconds: 60,
        scheduled_at: "2026-01-01T00:01:00Z",
        next_fire_at: "2026-01-01T00:02:00Z",
      },
      {
        trigger_instance_id: "4",
        trigger_ref: "core.intervaltimer",
        interval_seconds: 60,
        scheduled_at: "2026-01-01T00:01:00Z",
        next_fire_at: "2026-01-01T00:02:00Z",
      },
    ])
    expect(plan.waiting).toEqual([
      { trigger_instance_id: "3", trigger_ref: "core.intervaltimer", interval_seconds: 3600, next_fire_at: "2026-01-01T01:00:00Z" },
    ])
    expect(plan.invalid.map((entry: { trigger_instance_id: string | null }) => entry.trigger_instance_id)).toEqual([
      "5",
      "6",
      "7",
      null,
    ])
    expect(result.stderr).toContain("skipping instance 5: unit must be one of seconds, minutes, hours")
  })

  it("is not due before the first full interval", async () => {
    const plan = JSON.parse((await once("1700000000", "1700000009.5")).stdout)
    expect(plan.due).toEqual([])
    expect(plan.waiting.find((entry: { trigger_instance_id: string }) => entry.trigger_instance_id === "1").next_fire_at).toBe(
      "2023-11-14T22:13:30Z",
    )
  })

  it("fires exactly on the boundary", async () => {
    const plan = JSON.parse((await once("1700000000", "1700000010")).stdout)
    expect(plan.due.map((entry: { trigger_instance_id: string }) => entry.trigger_instance_id)).toEqual(["1"])
  })

  it("never prints the API token", async () => {
    const result = await once("2026-01-01T00:00:00Z", "2026-01-01T10:00:00Z")
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
  })

  it("rejects trigger instances that are not a JSON array", async () => {
    const result = await run(["python3", SCRIPT, "--once"], { env: { PACKSMITH_SENSOR_TRIGGERS: '{"id": 1}' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("must be a JSON array")
  })
})

describe("core.interval_timer_sensor loop", () => {
  let server: Server | undefined

  afterEach(async () => {
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolveClose) => server!.close(() => resolveClose()))
    server = undefined
  })

  const listen = async (status: number, onEvent: (req: IncomingMessage, body: string) => void): Promise<string> => {
    server = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8")
      req.on("data", (chunk: string) => (body += chunk))
      req.on("end", () => {
        onEvent(req, body)
        res.writeHead(status, { "Content-Type": "application/json" })
        res.end('{"data":{"id":1}}')
      })
    })
    await new Promise<void>((resolveListen) => server!.listen(0, "127.0.0.1", resolveListen))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  const start = (apiUrl: string) =>
    spawn("python3", [SCRIPT], {
      cwd: CORE_PACK,
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        PACKSMITH_API_URL: apiUrl,
        PACKSMITH_API_TOKEN: TOKEN,
        PACKSMITH_SENSOR_REF: "core.interval_timer_sensor",
        PACKSMITH_SENSOR_TRIGGERS: JSON.stringify([{ id: 42, ref: "ops.tick", config: { unit: "seconds", interval: 1 } }]),
      },
      stdio: ["ignore", "pipe", "pipe"],
    })

  it("POSTs an event with the bearer token, then stops cleanly on SIGTERM", async () => {
    const events: Array<{ path: string; auth: string | undefined; body: Record<string, unknown> }> = []
    let firstEvent: () => void = () => undefined
    const gotEvent = new Promise<void>((resolveEvent) => (firstEvent = resolveEvent))
    const apiUrl = await listen(201, (req, body) => {
      events.push({ path: req.url ?? "", auth: req.headers.authorization, body: JSON.parse(body) })
      firstEvent()
    })
    const child = start(apiUrl)
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
    const exited = new Promise<number | null>((resolveExit) => child.on("exit", (code) => resolveExit(code)))

    await gotEvent
    child.kill("SIGTERM")
    expect(await exited).toBe(0)

    const event = events[0]!
    expect(event.path).toBe("/v1/events")
    expect(event.auth).toBe(`Bearer ${TOKEN}`)
    expect(event.body).toMatchObject({
      trigger_ref: "core.intervaltimer",
      trigger_instance_id: "42",
      payload: { type: "interval", interval_seconds: 1, execution_count: 1, sensor_ref: "core.interval_timer_sensor" },
    })
    const payload = event.body["payload"] as { fired_at: string }
    expect(payload.fired_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    expect(output).toContain("fired core.intervaltimer for instance 42 (#1)")
    expect(output).not.toContain(TOKEN)
  })

  it("exits 3 when the events API rejects its token", async () => {
    const apiUrl = await listen(401, () => undefined)
    const child = start(apiUrl)
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>((resolveExit) => child.on("exit", (exitCode) => resolveExit(exitCode)))
    expect(code).toBe(3)
    expect(stderr).toContain("answered 401")
    expect(stderr).not.toContain(TOKEN)
  })
})
