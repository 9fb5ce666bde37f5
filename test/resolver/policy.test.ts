import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { DEFAULT_PASSTHROUGH } from "../../src/domain/HostPolicy.js"
import { loadHostPolicy, parseHostPolicy } from "../../src/services/HostPolicy.js"
import { action, detected, policyOf, report, resolveIn, runtime, SHELL, tempDir, world } from "./support.js"

const PYTHON = runtime("t.python", { name: "Python", aliases: ["python", "python3"], execution_config: { interpreter: { binary: "python3", args: [] } } })
const AUTO_RUBY = runtime("auto.ruby", { name: "Ruby", aliases: ["ruby"], execution_config: { interpreter: { binary: "/usr/bin/ruby", args: [] } } })

const pyWorld = () => world({ actions: [action("t.py", { runtime: "t.python" }), action("t.sh")], runtimes: [SHELL, PYTHON, AUTO_RUBY] })

const invalid = (yaml: string) => {
  const parsed = parseHostPolicy(yaml, "host.yaml")
  if (Either.isRight(parsed)) throw new Error("expected an invalid policy")
  return parsed.left
}

describe("host policy: runtimes", () => {
  it.effect.each([
    ["a family", "python"],
    ["a ref", "t.python"],
    ["an alias", "python3"],
    ["a glob over refs", "t.py*"],
  ])("deny by %s", ([, pattern]) =>
    Effect.gen(function* () {
      const policy = policyOf(`runtimes:\n  deny: ["${pattern}"]\n`, "/etc/packsmith/policy.yaml")
      const error = yield* Effect.flip(resolveIn(pyWorld(), { action: "t.py", policy }))
      expect(error).toMatchObject({ _tag: "PolicyDenied", runtime: "t.python", policyFile: "/etc/packsmith/policy.yaml" })
      if (error._tag !== "PolicyDenied") return
      expect(error.rule).toBe(`runtimes.deny entry "${pattern}" matches it (family python)`)
      // The shell action is untouched by a python rule.
      const shell = yield* resolveIn(pyWorld(), { action: "t.sh", policy })
      expect(shell.runtime.ref).toBe("t.shell")
    }))

  it.effect("a glob like auto.* denies auto-registered runtimes", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.rb", { runtime: "auto.ruby" })], runtimes: [SHELL, AUTO_RUBY] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.rb", policy: policyOf("runtimes: {deny: ['auto.*']}") }))
      expect(error).toMatchObject({ _tag: "PolicyDenied", runtime: "auto.ruby" })
    }))

  it.effect("an allow list refuses what it does not name; deny wins over allow", () =>
    Effect.gen(function* () {
      const allowShell = policyOf("runtimes:\n  allow: [shell]\n")
      const error = yield* Effect.flip(resolveIn(pyWorld(), { action: "t.py", policy: allowShell }))
      expect(error.message).toBe("t.python is not allowed on this host by policy.yaml: no runtimes.allow entry (\"shell\") matches it (family python)")
      const both = policyOf("runtimes:\n  allow: ['*']\n  deny: [sh]\n")
      expect(yield* Effect.flip(resolveIn(pyWorld(), { action: "t.sh", policy: both }))).toMatchObject({ _tag: "PolicyDenied", runtime: "t.shell" })
      const python = yield* resolveIn(pyWorld(), { action: "t.py", policy: both })
      expect(python.explain).toContain("policy.yaml: runtimes.allow entry \"*\" permits t.python (family python); no runtimes.deny entry matches")
    }))
})

describe("host policy: environment", () => {
  const workerEnv = {
    PATH: "/usr/bin:/bin",
    HOME: "/root",
    LANG: "en_US.UTF-8",
    TZ: "Europe/Paris",
    DATABASE_URL: "postgres://worker:hunter2@db/packsmith",
    PACKSMITH_ENCRYPTION_KEY: "k",
  }

  it.effect("by default only PATH passes; HOME is a fresh per-execution directory", () =>
    Effect.gen(function* () {
      expect(DEFAULT_PASSTHROUGH).toEqual(["PATH"])
      const resolved = yield* resolveIn(pyWorld(), { action: "t.sh", workerEnv })
      expect(Object.keys(resolved.env).filter((name) => !name.startsWith("PACKSMITH_"))).toEqual(["HOME", "PATH"])
      expect(resolved.env["HOME"]).toBe(path.join(resolved.scratchDir, "home"))
      expect(JSON.stringify(resolved)).not.toContain("hunter2")
    }))

  it.effect("a variable not on the passthrough list never appears, even when the worker has it", () =>
    Effect.gen(function* () {
      const policy = policyOf("environment:\n  passthrough: [PATH, TZ, NOT_ON_WORKER]\n  set: {PYTHONHASHSEED: 0}\n")
      const resolved = yield* resolveIn(pyWorld(), { action: "t.sh", workerEnv, policy })
      expect(resolved.env).toMatchObject({ PATH: "/usr/bin:/bin", TZ: "Europe/Paris", PYTHONHASHSEED: "0" })
      for (const name of ["LANG", "DATABASE_URL", "NOT_ON_WORKER"]) expect(resolved.env).not.toHaveProperty(name)
      expect(resolved.env["PACKSMITH_ENCRYPTION_KEY"]).toBeUndefined()
      expect(resolved.explain).toContain("env: nothing of the worker's environment except environment.passthrough: PATH, TZ; not set on the worker: NOT_ON_WORKER")
    }))

  it.effect("HOME passes through only when the policy lists it", () =>
    Effect.gen(function* () {
      const resolved = yield* resolveIn(pyWorld(), { action: "t.sh", workerEnv, policy: policyOf("environment: {passthrough: [PATH, HOME]}") })
      expect(resolved.env["HOME"]).toBe("/root")
    }))
})

describe("host policy: timeouts", () => {
  it.effect("action timeout, else the policy default, else 300 s; capped by max, and the explanation says so", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.long", { timeout: 3660 }), action("t.plain")] })
      const capped = yield* resolveIn(w, { action: "t.long", policy: policyOf("timeouts: {max: 600}") })
      expect(capped.timeoutSeconds).toBe(600)
      expect(capped.explain).toContain("timeout: 600 s: the action's timeout of 3660 s is capped by the policy's timeouts.max")
      expect((yield* resolveIn(w, { action: "t.long" })).timeoutSeconds).toBe(3660)
      expect((yield* resolveIn(w, { action: "t.plain", policy: policyOf("timeouts: {default: 120}") })).timeoutSeconds).toBe(120)
      expect((yield* resolveIn(w, { action: "t.plain" })).timeoutSeconds).toBe(300)
    }))
})

describe("host policy file", () => {
  it("an empty or absent file is the default policy", () => {
    const policy = policyOf("")
    expect(policy).toMatchObject({
      runtimes: { allow: ["*"], deny: [] },
      host_binaries: { allow: [] },
      environment: { passthrough: ["PATH"], set: {} },
      timeouts: { default: null, max: null },
      secrets: { store: {} },
      env_root: ".packsmith/envs",
      profiles: { required: false },
    })
  })

  it("an unknown key is an error with its key path, line, column and a did-you-mean", () => {
    const error = invalid("runtimes:\n  allow: [shell]\nenvironment:\n  passthru: [PATH]\n")
    expect(error.issues).toEqual([{
      path: "environment.passthru",
      message: "unknown key \"passthru\" (expected one of: passthrough, set); did you mean \"passthrough\"?",
      line: 4,
      column: 3,
    }])
    expect(error.message).toContain("host.yaml:4:3: environment.passthru: unknown key")
  })

  it("every problem is reported, each at its line", () => {
    const error = invalid([
      "timeouts:",
      "  default: 900",
      "  max: -5",
      "secrets:",
      "  store:",
      "    pager: vault:abc",
      "env_rot: /x",
    ].join("\n"))
    expect(error.issues.map((i) => [i.path, i.line])).toEqual([
      ["timeouts.max", 3],
      ["secrets.store.pager", 6],
      ["env_rot", 7],
    ])
    expect(error.issues[1]?.message).toBe("expected env:<VARIABLE> or file:/absolute/path")
  })

  it("rules between fields: reserved names, secrets kept out of the environment, default above max", () => {
    const error = invalid([
      "environment:",
      "  passthrough: [PATH, PACKSMITH_EXEC_ID, PAGER_TOKEN, 'bad-name']",
      "  set: {API_TOKEN: 'secret:pager'}",
      "secrets:",
      "  store: {pager: 'env:PAGER_TOKEN'}",
      "timeouts: {default: 900, max: 600}",
    ].join("\n"))
    expect(error.issues.map((i) => i.path)).toEqual([
      "environment.passthrough.1",
      "environment.passthrough.2",
      "environment.passthrough.3",
      "environment.set.API_TOKEN",
      "timeouts.default",
    ])
    expect(error.issues[1]).toMatchObject({ line: 2, message: "PAGER_TOKEN holds secret \"pager\" (secrets.store); secrets never reach an action's environment" })
  })

  it("YAML that does not parse is reported at its line", () => {
    const error = invalid("runtimes:\n  allow: [shell\n")
    expect(error.issues[0]?.line).toBeGreaterThanOrEqual(2)
    expect(error.issues[0]?.path).toBe("")
  })

  it.effect("load: no file at the default place means the default policy; a named file must exist", () =>
    Effect.gen(function* () {
      const cwd = tempDir()
      const fallback = yield* loadHostPolicy({ cwd })
      expect(fallback.source).toBeNull()
      expect(fallback.origin).toBe("the built-in default policy")
      const missing = yield* Effect.flip(loadHostPolicy({ cwd, file: "nope.yaml" }))
      expect(missing).toMatchObject({ _tag: "HostPolicyNotFound", file: "nope.yaml", reason: "no such file" })
      fs.mkdirSync(path.join(cwd, ".packsmith"))
      fs.writeFileSync(path.join(cwd, ".packsmith", "policy.yaml"), "runtimes: {deny: [java]}\n")
      const found = yield* loadHostPolicy({ cwd })
      expect(found).toMatchObject({ source: ".packsmith/policy.yaml", runtimes: { allow: ["*"], deny: ["java"] } })
      fs.writeFileSync(path.join(cwd, "bad.yaml"), "profiles: {required: yes please}\n")
      const bad = yield* Effect.flip(loadHostPolicy({ cwd, file: "bad.yaml" }))
      expect(bad).toMatchObject({ _tag: "InvalidHostPolicy", file: "bad.yaml", issues: [{ path: "profiles.required", line: 1 }] })
    }))

  it.effect("a detected family that the runtime's name does not say is still what policy matches (mon.ruby33 is ruby)", () =>
    Effect.gen(function* () {
      const ruby33 = runtime("t.ruby33", { name: "Ruby 3.3", aliases: ["ruby33"], execution_config: { interpreter: { binary: "ruby", args: [] } } })
      const w = world({ actions: [action("t.rb", { runtime: "t.ruby33" })], runtimes: [SHELL, ruby33] })
      const host = report([detected("ruby", "ruby", "/usr/bin/ruby", "3.3.0")])
      const error = yield* Effect.flip(resolveIn(w, { action: "t.rb", capabilities: host, policy: policyOf("runtimes: {deny: [rb]}") }))
      expect(error).toMatchObject({ _tag: "PolicyDenied", runtime: "t.ruby33" })
      const allowed = yield* resolveIn(w, { action: "t.rb", capabilities: host, policy: policyOf("runtimes: {allow: [ruby33]}") })
      expect(allowed.runtime).toMatchObject({ family: "ruby", version: "3.3.0", binary: "/usr/bin/ruby" })
    }))
})
