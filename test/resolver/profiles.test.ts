import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { action, detected, policyOf, profile, report, resolveIn, runtime, SHELL, tempDir, world, writeFiles } from "./support.js"

const PYTHON = runtime("t.python", {
  name: "Python",
  aliases: ["python", "python3"],
  execution_config: { interpreter: { binary: "python3", args: ["-u"] }, env_vars: { PYTHONDONTWRITEBYTECODE: "1" } },
})

/** A PATH directory holding executable stubs with the given names. */
const binDir = (...names: ReadonlyArray<string>) => {
  const dir = tempDir("packsmith-bin-")
  writeFiles(dir, Object.fromEntries(names.map((name) => [name, { content: "#!/bin/sh\nexit 0\n", mode: 0o755 }])))
  return dir
}

describe("runtime profiles", () => {
  it.effect("command_name resolved on PATH replaces the interpreter; fixed_args lead the arguments", () =>
    Effect.gen(function* () {
      const bin = binDir("python3")
      const w = world({
        actions: [action("t.py", { runtime: "t.python", entry_point: { kind: "file", value: "run.py", path: "actions/run.py" } })],
        runtimes: [SHELL, PYTHON],
        profiles: [profile("t.python_utf8", { runtime: "t.python", command_name: "python3", fixed_args: ["-X", "utf8"], env: { PYTHONIOENCODING: "utf-8" } })],
      }, { "actions/run.py": "print(1)\n" })
      const resolved = yield* resolveIn(w, { action: "t.py", profile: "t.python_utf8", workerEnv: { PATH: `/nonexistent:${bin}` } })
      const command = path.join(bin, "python3")
      expect(resolved.argv).toEqual([command, "-X", "utf8", "-u", `${w.packDirs["t"]}/actions/run.py`])
      expect(resolved.profile).toBe("t.python_utf8")
      expect(resolved.runtime).toMatchObject({ ref: "t.python", binary: command, version: null })
      expect(resolved.env).toMatchObject({ PYTHONIOENCODING: "utf-8", PYTHONDONTWRITEBYTECODE: "1" })
      expect(resolved.explain).toContain(`profile t.python_utf8: ${command} replaces the interpreter; fixed_args ["-X","utf8"] lead the arguments`)
    }))

  it.effect("a profile may name its runtime by family, and its command's version is checked when detection knows it", () =>
    Effect.gen(function* () {
      const bin = binDir("python3")
      const command = path.join(bin, "python3")
      const w = world({
        actions: [action("t.py", { runtime: "t.python", runtime_version: ">=3.12" })],
        runtimes: [SHELL, PYTHON],
        profiles: [profile("t.fast", { runtime: "python", command_name: "python3", fixed_args: ["-O"] })],
      })
      const host = report([detected("python", "python3", command, "3.12.2")])
      const resolved = yield* resolveIn(w, { action: "t.py", profile: "t.fast", capabilities: host, workerEnv: { PATH: bin } })
      expect(resolved.argv.slice(0, 3)).toEqual([command, "-O", "-u"])
      expect(resolved.runtime.version).toBe("3.12.2")
      // The host's python3 would do, but the profile's command is an older interpreter.
      const mixed = report([detected("python", "python3", "/usr/bin/python3", "3.12.2"), detected("python", "python3", command, "3.11.9")])
      const error = yield* Effect.flip(resolveIn(w, { action: "t.py", profile: "t.fast", capabilities: mixed, workerEnv: { PATH: bin } }))
      expect(error).toMatchObject({ _tag: "RuntimeVersionUnsatisfied", constraint: ">=3.12", requiredBy: "action t.py under profile t.fast" })
    }))

  it.effect("profiles.required refuses the builtin fallback but accepts a named profile", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run")], profiles: [profile("t.strict", { command_name: "sh", fixed_args: ["-e"] })] })
      const policy = policyOf("profiles: {required: true}")
      expect(yield* Effect.flip(resolveIn(w, { action: "t.run", policy }))).toMatchObject({ _tag: "ProfileRequired", candidates: ["t.strict"] })
      const resolved = yield* resolveIn(w, { action: "t.run", policy, profile: "t.strict" })
      expect(resolved.argv.slice(1)).toEqual(["-e", `${w.packDirs["t"]}/actions/run.sh`])
    }))
})
