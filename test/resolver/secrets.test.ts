import * as fs from "node:fs"
import * as path from "node:path"
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import type { ResolvedExecution } from "../../src/domain/Resolution.js"
import { renderResolution, resolutionJson } from "../../src/cli/commands/resolve.js"
import { action, deliverIn, policyOf, resolveIn, tempDir, world } from "./support.js"

const SECRET = "hunter2-Zq9"

const schema = {
  type: "object",
  properties: {
    url: { type: "string" },
    token: { type: "string", secret: true },
    headers: { type: "object", properties: { Authorization: { type: "string", secret: true } } },
  },
  required: ["url"],
}

/** Every place a resolved execution can be seen before delivery: none may hold the secret. */
const everyView = (resolved: ResolvedExecution): ReadonlyArray<string> => [
  resolved.argv.join(" "),
  JSON.stringify(resolved.env),
  resolved.explain.join("\n"),
  JSON.stringify(resolved),
  inspect(resolved, { depth: 20 }),
  JSON.stringify(resolutionJson(resolved)),
  renderResolution(resolved, true),
]

describe("secrets", () => {
  it.effect("a secret: true value appears in neither argv, env, explain nor any rendering, only in the delivered document", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.call", { parameters: schema, parameter_format: "json" })] })
      const policy = policyOf("environment: {passthrough: [PATH]}")
      const resolved = yield* resolveIn(w, {
        action: "t.call",
        policy,
        parameters: { url: "https://example.test", token: SECRET, headers: { Authorization: `Bearer ${SECRET}`, Accept: "json" } },
      })
      for (const view of everyView(resolved)) expect(view).not.toContain(SECRET)
      expect(resolved.stdin?.content).toBe(`{"url":"https://example.test","token":"****","headers":{"Authorization":"****","Accept":"json"}}\n`)
      expect(resolved.explain).toContain("parameters: secret token, headers.Authorization; shown as ****, delivered only inside the parameter document, never in argv or env")

      const delivered = yield* deliverIn(w, resolved.stdin!, policy, {})
      expect(String(delivered)).not.toContain(SECRET)
      expect(JSON.parse(Redacted.value(delivered))).toEqual({
        url: "https://example.test", token: SECRET, headers: { Authorization: `Bearer ${SECRET}`, Accept: "json" },
      })
    }))

  it.effect("secret: refs resolve on the host at delivery, from env: and file: sources, never into the child's env", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const file = path.join(dir, "signing_key")
      fs.writeFileSync(file, `${SECRET}-file\n`, { mode: 0o600 })
      const policy = policyOf(`secrets:\n  store:\n    api: env:API_TOKEN_VALUE\n    signing: file:${file}\n`)
      const w = world({ actions: [action("t.call", { parameters: schema, parameter_format: "dotenv" })] })
      const workerEnv = { PATH: "/usr/bin:/bin", API_TOKEN_VALUE: `${SECRET}-env` }
      const resolved = yield* resolveIn(w, {
        action: "t.call",
        policy,
        workerEnv,
        parameters: { url: "u", token: "secret:api", headers: { Authorization: "secret:signing" } },
      })
      for (const view of everyView(resolved)) expect(view).not.toContain(SECRET)
      expect(resolved.env).not.toHaveProperty("API_TOKEN_VALUE")
      expect(resolved.stdin?.content).toBe("headers.Authorization='****'\ntoken='****'\nurl='u'\n")
      expect(resolved.explain.join("\n")).toContain("token (secret:api, read from secrets.store at delivery)")
      const delivered = yield* deliverIn(w, resolved.stdin!, policy, workerEnv)
      expect(Redacted.value(delivered)).toBe(`headers.Authorization='${SECRET}-file'\ntoken='${SECRET}-env'\nurl='u'\n`)
    }))

  it.effect("a store source that cannot be read at delivery is SecretUnavailable, naming the source and not a value", () =>
    Effect.gen(function* () {
      const policy = policyOf("secrets:\n  store:\n    api: env:API_TOKEN_VALUE\n    gone: file:/nonexistent/secret\n")
      const w = world({ actions: [action("t.call", { parameters: schema })] })
      const viaEnv = yield* resolveIn(w, { action: "t.call", policy, parameters: { url: "u", token: "secret:api" } })
      const unset = yield* Effect.flip(deliverIn(w, viaEnv.stdin!, policy, {}))
      expect(unset).toMatchObject({ _tag: "SecretUnavailable", name: "api", source: "env:API_TOKEN_VALUE", reason: "the variable is not set in the worker's environment" })
      const viaFile = yield* resolveIn(w, { action: "t.call", policy, parameters: { url: "u", token: "secret:gone" } })
      expect(yield* Effect.flip(deliverIn(w, viaFile.stdin!, policy, {}))).toMatchObject({ _tag: "SecretUnavailable", source: "file:/nonexistent/secret", reason: "no such file" })
    }))

  it.effect("validation errors about a secret parameter never quote its value", () =>
    Effect.gen(function* () {
      const strict = { type: "object", properties: { pin: { type: "string", secret: true, pattern: "^[0-9]{4}$" } } }
      const w = world({ actions: [action("t.call", { parameters: strict })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.call", parameters: { pin: SECRET } }))
      expect(error._tag).toBe("InvalidParameters")
      expect(error.message).not.toContain(SECRET)
      expect(JSON.stringify(error)).not.toContain(SECRET)
    }))
})
