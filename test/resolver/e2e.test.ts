/**
 * The real thing: packs/core compiled, this machine's interpreters detected, the action resolved under a
 * policy, its parameter document delivered, and the resolved argv spawned with exactly the resolved env.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { PackCompiler } from "../../src/compiler/PackCompiler.js"
import type { DetectionReport } from "../../src/domain/Detection.js"
import type { HostPolicy } from "../../src/domain/HostPolicy.js"
import { ComponentSource } from "../../src/services/ComponentSource.js"
import { RuntimeDetection } from "../../src/services/RuntimeDetection.js"
import { type ResolveRequest, RuntimeResolver } from "../../src/services/RuntimeResolver.js"
import { CORE_PACK } from "../packs/support.js"
import { DEFAULT_POLICY, execute, policyOf, tempDir } from "./support.js"

const setup = Effect.gen(function* () {
  const compiled = yield* Effect.flatMap(PackCompiler, (compiler) => compiler.compile([CORE_PACK]))
  const bundle = compiled.bundle
  const templates = Object.values(bundle.body.packs["core"]!.runtimes)
  const capabilities = yield* Effect.flatMap(RuntimeDetection, (detection) =>
    detection.detect({ cacheDir: tempDir("packsmith-detect-cache-"), templates }))
  const layer = RuntimeResolver.Default.pipe(Layer.provide(ComponentSource.fromBundle(bundle, { packDirs: { core: CORE_PACK } })))
  return { capabilities, layer }
}).pipe(Effect.provide(Layer.mergeAll(PackCompiler.Default, RuntimeDetection.Default)))

let world: Effect.Effect.Success<typeof setup>
beforeAll(async () => {
  world = await Effect.runPromise(setup)
})

const resolveAndRun = (request: Omit<ResolveRequest, "capabilities" | "policy"> & { readonly policy?: HostPolicy }, workerEnv: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const resolver = yield* RuntimeResolver
    const policy = request.policy ?? DEFAULT_POLICY
    const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...workerEnv }
    const resolved = yield* resolver.resolve({
      ...request, policy, capabilities: world.capabilities as DetectionReport, workerEnv: env, scratchRoot: tempDir("packsmith-scratch-"),
    })
    const delivered = yield* resolver.deliver(resolved.stdin ?? resolved.parameterFile!.document, policy, env)
    const result = yield* Effect.promise(() => execute(resolved, Redacted.value(delivered)))
    return { resolved, result }
  }).pipe(Effect.provide(world.layer))

describe("end to end on this machine", () => {
  it.effect("core.echo: the resolver's dotenv stdin is read verbatim by the real echo.sh", () =>
    Effect.gen(function* () {
      const message = "it's \"quoted\"\n$HOME `id` ; done 🚀"
      const { resolved, result } = yield* resolveAndRun({ action: "core.echo", parameters: { message } })
      expect(resolved.argv[1]).toBe(`${CORE_PACK}/actions/echo.sh`)
      expect(resolved.runtime).toMatchObject({ ref: "core.shell", family: "shell" })
      expect(resolved.cwd).toBe(CORE_PACK)
      expect(resolved.timeoutSeconds).toBe(30)
      expect(result).toEqual({ code: 0, stdout: `${message}\n`, stderr: "" })
    }))

  it.effect("core.echo without its required message is refused before anything runs", () =>
    Effect.gen(function* () {
      const resolver = yield* RuntimeResolver
      const missing = yield* Effect.flip(resolver.resolve({ action: "core.echo", capabilities: world.capabilities, policy: DEFAULT_POLICY }))
      expect(missing).toMatchObject({ _tag: "InvalidParameters", issues: [{ path: "message", message: "is required" }] })
    }).pipe(Effect.provide(world.layer)))

  it.effect("core.sleep: defaults applied, JSON out", () =>
    Effect.gen(function* () {
      const { resolved, result } = yield* resolveAndRun({ action: "core.sleep", parameters: { seconds: 0 } })
      expect(resolved.stdin?.content).toBe("seconds='0'\n")
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toEqual({ seconds: 0 })
    }))
})

describe("core.http_request end to end", () => {
  let server: Server
  let base = ""
  const received: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }> = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it.effect("the secret token travels from the host's store into the request, and nowhere else", () =>
    Effect.gen(function* () {
      if (!world.capabilities.runtimes.some((r) => r.family === "python")) return
      const token = "tok-8f3a-secret"
      const policy = policyOf("secrets:\n  store:\n    pager_token: env:PAGER_TOKEN\n")
      const { resolved, result } = yield* resolveAndRun(
        { action: "core.http_request", policy, parameters: { url: `${base}/hook`, method: "POST", json_body: { summary: "disk" }, auth_token: "secret:pager_token" } },
        { PAGER_TOKEN: token },
      )
      expect(JSON.stringify(resolved)).not.toContain(token)
      expect(resolved.env).not.toHaveProperty("PAGER_TOKEN")
      expect(resolved.runtime.family).toBe("python")
      expect(result.code).toBe(0)
      const output = JSON.parse(result.stdout)
      expect(output).toMatchObject({ status_code: 200, success: true, json: { ok: true } })
      const request = received.at(-1)!
      expect(request).toMatchObject({ method: "POST", url: "/hook", body: JSON.stringify({ summary: "disk" }) })
      expect(request.headers["authorization"]).toBe(`Bearer ${token}`)
    }).pipe(Effect.provide(world.layer)))

  it.effect("under the core.python_utf8 profile the request runs with python3 -X utf8", () =>
    Effect.gen(function* () {
      if (!world.capabilities.runtimes.some((r) => r.family === "python")) return
      const { resolved, result } = yield* resolveAndRun({ action: "core.http_request", profile: "core.python_utf8", parameters: { url: `${base}/utf8` } })
      expect(resolved.argv.slice(1, 4)).toEqual(["-X", "utf8", "-u"])
      expect(resolved.profile).toBe("core.python_utf8")
      expect(result.code).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({ status_code: 200, url: `${base}/utf8` })
    }).pipe(Effect.provide(world.layer)))
})
