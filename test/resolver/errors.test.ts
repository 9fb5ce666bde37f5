import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { action, DEFAULT_POLICY, policyOf, profile, resolveIn, runtime, SHELL, world } from "./support.js"

const RUBY = runtime("t.ruby", { name: "Ruby", aliases: ["ruby", "rb"], execution_config: { interpreter: { binary: "ruby", args: [] } } })

describe("resolver typed errors", () => {
  it.effect("ActionNotFound names the source and suggests the closest ref", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.echo")] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.ecoh" }))
      expect(error._tag).toBe("ActionNotFound")
      expect(error).toMatchObject({ ref: "t.ecoh", suggestion: "did you mean t.echo?" })
      expect(error.message).toContain(`bundle sha256:${"0".repeat(64)}`)
    }))

  it.effect("ActionNotRunnable for a workflow, a disabled action, and a pack whose files are not here", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.flow", { workflow: "t.flow" }), action("t.off", { enabled: false })] })
      const workflow = yield* Effect.flip(resolveIn(w, { action: "t.flow" }))
      expect(workflow._tag).toBe("ActionNotRunnable")
      expect(workflow.message).toContain("workflow")
      const disabled = yield* Effect.flip(resolveIn(w, { action: "t.off" }))
      expect(disabled.message).toContain("disabled")
      const elsewhere = world({ actions: [action("t.run")] })
      const missing = yield* Effect.flip(resolveIn({ ...elsewhere, packDirs: {} }, { action: "t.run" }))
      expect(missing).toMatchObject({ _tag: "ActionNotRunnable" })
      expect(missing.message).toContain("the files of pack t are not on this host")
    }))

  it.effect("RuntimeNotFound lists what was searched and suggests", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run", { runtime: "t.shel", runner_type: "t.shel" })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run" }))
      expect(error).toMatchObject({ _tag: "RuntimeNotFound", ref: "t.shel", action: "t.run", searched: ["t.shell"], suggestion: "did you mean t.shell?" })
    }))

  it.effect("runner_type without a compiled runtime ref is found by alias", () =>
    Effect.gen(function* () {
      const { runtime: _, ...unlinked } = action("t.run", { runner_type: "bash" })
      const w = world({ actions: [unlinked] })
      const resolved = yield* resolveIn(w, { action: "t.run" })
      expect(resolved.runtime.ref).toBe("t.shell")
    }))

  it.effect("RuntimeUnavailableOnHost says what the host has instead", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.gem", { runtime: "t.ruby" })], runtimes: [SHELL, RUBY] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.gem" }))
      expect(error).toMatchObject({ _tag: "RuntimeUnavailableOnHost", runtime: "t.ruby", family: "ruby", binary: "ruby", requiredBy: "action t.gem" })
      if (error._tag !== "RuntimeUnavailableOnHost") return
      expect(error.detected).toEqual(["shell sh (version unknown) at /bin/sh", "python python3 3.11.7 at /opt/py/bin/python3"])
    }))

  it.effect("RuntimeUnavailableOnHost for a required_worker_runtimes entry", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run", { required_worker_runtimes: { node: ">=20" } })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run" }))
      expect(error).toMatchObject({ _tag: "RuntimeUnavailableOnHost", runtime: "node", family: "node", requiredBy: "required_worker_runtimes of t.run" })
    }))

  it.effect("InvalidVersionConstraint names the field", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run", { runtime_version: "three point twelve" })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run" }))
      expect(error).toMatchObject({ _tag: "InvalidVersionConstraint", field: "runtime_version", constraint: "three point twelve" })
    }))

  it.effect("EntryPointMissing for a file that is not in the pack directory", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run", { entry_point: { kind: "file", value: "gone.sh", path: "actions/gone.sh" } })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run" }))
      expect(error._tag).toBe("EntryPointMissing")
      expect(error).toMatchObject({ action: "t.run", path: `${w.packDirs["t"]}/actions/gone.sh`, reason: "no such file on this host" })
    }))

  it.effect("ProfileNotFound, ProfileDisabled, ProfileMismatch, ProfileRequired, ProfileCommandUnavailable", () =>
    Effect.gen(function* () {
      const w = world({
        actions: [action("t.run")],
        runtimes: [SHELL, RUBY],
        profiles: [
          profile("t.strict"),
          profile("t.off", { enabled: false }),
          profile("t.gems", { runtime: "t.ruby", command_name: "ruby" }),
          profile("t.ghost", { command_name: "no-such-command-anywhere" }),
          profile("t.spaced", { command_name: "sh -e" }),
        ],
      })
      expect(yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.stict" }))).toMatchObject({ _tag: "ProfileNotFound", suggestion: "did you mean t.strict?" })
      expect(yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.off" }))).toMatchObject({ _tag: "ProfileDisabled", ref: "t.off" })
      expect(yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.gems" }))).toMatchObject({
        _tag: "ProfileMismatch", profile: "t.gems", profileRuntime: "t.ruby", actionRuntime: "t.shell",
      })
      const required = yield* Effect.flip(resolveIn(w, { action: "t.run", policy: policyOf("profiles: {required: true}") }))
      expect(required).toMatchObject({ _tag: "ProfileRequired", candidates: ["t.ghost", "t.spaced", "t.strict"] })
      expect(required.message).toContain("profiles.required")
      const ghost = yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.ghost" }))
      expect(ghost).toMatchObject({ _tag: "ProfileCommandUnavailable", command: "no-such-command-anywhere" })
      expect(ghost.message).toContain("not found on the worker's PATH")
      const spaced = yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.spaced" }))
      expect(spaced.message).toContain("single executable token")
    }))

  it.effect("InvalidParameters lists every missing required parameter and every type error", () =>
    Effect.gen(function* () {
      const w = world({
        actions: [action("t.run", {
          parameters: {
            type: "object",
            properties: { url: { type: "string" }, host: { type: "string" }, count: { type: "integer", default: 1 } },
            required: ["url", "host"],
          },
        })],
      })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run", parameters: { count: "many" } }))
      expect(error._tag).toBe("InvalidParameters")
      if (error._tag !== "InvalidParameters") return
      expect(error.issues).toEqual([
        { path: "count", message: "must be integer" },
        { path: "host", message: "is required" },
        { path: "url", message: "is required" },
      ])
      expect(error.message).toBe("invalid parameters for t.run: count must be integer; host is required; url is required")
    }))

  it.effect("SecretNotInStore when a secret ref is not mapped by the policy", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run", { parameters: { type: "object", properties: { token: { type: "string", secret: true } } } })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run", parameters: { token: "secret:api_token" }, policy: DEFAULT_POLICY }))
      expect(error).toMatchObject({ _tag: "SecretNotInStore", parameter: "token", name: "api_token" })
      expect(error.message).toContain("secrets.store")
    }))

  it.effect("SecretInEnvironment when a profile puts a secret ref in the environment", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run")], profiles: [profile("t.leaky", { env: { API_TOKEN: "secret:api_token" } })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run", profile: "t.leaky" }))
      expect(error).toMatchObject({ _tag: "SecretInEnvironment", variable: "API_TOKEN", origin: "runtime profile t.leaky" })
    }))
})
