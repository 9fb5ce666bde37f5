import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { applyEnvVar } from "../../src/services/RuntimeResolver/environment.js"
import { action, policyOf, resolveIn, runtime, SHELL, tempDir, world, writeFiles } from "./support.js"

const withEnvVars = (env_vars: NonNullable<typeof SHELL.execution_config.env_vars>, extra: Partial<typeof SHELL.execution_config> = {}) =>
  runtime("t.shell", { ...SHELL, execution_config: { ...SHELL.execution_config, ...extra, env_vars } })

describe("environment templating", () => {
  it("set replaces, prepend and append join with the separator (default ':'), onto the value so far", () => {
    expect(applyEnvVar("/usr/bin", "/x", "/x")).toBe("/x")
    expect(applyEnvVar("/usr/bin", { value: "", operation: "set" }, "/x")).toBe("/x")
    expect(applyEnvVar("/usr/bin:/bin", { value: "", operation: "prepend" }, "/x")).toBe("/x:/usr/bin:/bin")
    expect(applyEnvVar("/usr/bin", { value: "", operation: "append" }, "/x")).toBe("/usr/bin:/x")
    expect(applyEnvVar("a.jar", { value: "", operation: "append", separator: ";" }, "b.jar")).toBe("a.jar;b.jar")
    expect(applyEnvVar(undefined, { value: "", operation: "prepend" }, "/x")).toBe("/x")
    expect(applyEnvVar("", { value: "", operation: "append" }, "/x")).toBe("/x")
  })

  it.effect("renders {pack_dir} {env_dir} {interpreter} {manifest_path} onto passthrough and policy values", () =>
    Effect.gen(function* () {
      const shell = withEnvVars({
        PATH: { value: "{env_dir}/bin", operation: "prepend" },
        CLASSPATH: { value: "{pack_dir}/lib/x.jar", operation: "append", separator: ";" },
        PYTHONPATH: { value: "{pack_dir}/lib", operation: "prepend" },
        GOPATH: "{env_dir}",
        RUNNER: "{interpreter}",
        MANIFEST: "{manifest_path}",
        LANG: "C.UTF-8",
      }, { dependencies: { manifest_file: "requirements.txt" } })
      const w = world({ actions: [action("t.run")], runtimes: [shell] })
      const policy = policyOf("env_root: /var/envs\nenvironment:\n  set: {CLASSPATH: /opt/a.jar, LANG: de_DE.UTF-8}\n")
      const resolved = yield* resolveIn(w, { action: "t.run", policy, workerEnv: { PATH: "/usr/bin:/bin" } })
      const pack = w.packDirs["t"]!
      expect(resolved.envDir).toBe("/var/envs/t/shell")
      expect(resolved.env).toMatchObject({
        PATH: "/var/envs/t/shell/bin:/usr/bin:/bin",
        CLASSPATH: `/opt/a.jar;${pack}/lib/x.jar`,
        PYTHONPATH: `${pack}/lib`,
        GOPATH: "/var/envs/t/shell",
        RUNNER: "/bin/sh",
        MANIFEST: `${pack}/requirements.txt`,
        LANG: "C.UTF-8",
      })
      expect(resolved.explain).toContain("env: t.shell env_vars: PATH (prepend), CLASSPATH (append, separator \";\"), PYTHONPATH (prepend), GOPATH, RUNNER, MANIFEST, LANG")
    }))

  it.effect("a template naming an unknown variable is an error that lists the known ones", () =>
    Effect.gen(function* () {
      const w = world({ actions: [action("t.run")], runtimes: [withEnvVars({ LIB: "{pack_dir}/lib:{action_dir}" })] })
      const error = yield* Effect.flip(resolveIn(w, { action: "t.run" }))
      expect(error).toMatchObject({
        _tag: "UnknownTemplateVariable", runtime: "t.shell", field: "execution_config.env_vars.LIB", variable: "action_dir",
        known: ["pack_dir", "env_dir", "interpreter"],
      })
      expect(error.message).toBe("t.shell execution_config.env_vars.LIB uses {action_dir}, which is not available here; known: {pack_dir}, {env_dir}, {interpreter}")
    }))

  it.effect("{manifest_path} without dependencies.manifest_file and {interpreter} on a native runtime are errors", () =>
    Effect.gen(function* () {
      const noManifest = world({ actions: [action("t.run")], runtimes: [withEnvVars({ M: "{manifest_path}" })] })
      expect(yield* Effect.flip(resolveIn(noManifest, { action: "t.run" }))).toMatchObject({ _tag: "UnknownTemplateVariable", variable: "manifest_path" })
      const native = runtime("t.native", { name: "Native", aliases: ["native"], execution_config: { env_vars: { I: "{interpreter}" } } })
      const w = world({ actions: [action("t.bin", { runtime: "t.native" })], runtimes: [SHELL, native] })
      expect(yield* Effect.flip(resolveIn(w, { action: "t.bin" }))).toMatchObject({ _tag: "UnknownTemplateVariable", variable: "interpreter", known: ["pack_dir", "env_dir"] })
    }))

  it.effect("PACKSMITH_* variables are set last and cannot be overridden; file delivery names the file", () =>
    Effect.gen(function* () {
      const w = world({
        actions: [action("t.run", { parameter_delivery: "file", parameter_format: "yaml" })],
        runtimes: [withEnvVars({ PACKSMITH_ACTION: "spoofed" })],
      })
      const scratchRoot = tempDir()
      const resolved = yield* resolveIn(w, { action: "t.run", executionId: "exec/7", scratchRoot })
      const scratch = path.join(scratchRoot, "packsmith-exec-exec_7")
      expect(resolved.scratchDir).toBe(scratch)
      expect(resolved.env).toEqual({
        HOME: path.join(scratch, "home"),
        PACKSMITH_ACTION: "t.run",
        PACKSMITH_EXEC_ID: "exec/7",
        PACKSMITH_PACK_REF: "t",
        PACKSMITH_PARAMETER_DELIVERY: "file",
        PACKSMITH_PARAMETER_FILE: path.join(scratch, "parameters.yaml"),
        PACKSMITH_PARAMETER_FORMAT: "yaml",
        PATH: "/usr/bin:/bin",
      })
      expect(resolved.stdin).toBeNull()
      expect(resolved.parameterFile?.path).toBe(path.join(scratch, "parameters.yaml"))
      expect(resolved.explain).toContain("env: PACKSMITH_ACTION from t.shell env_vars is ignored (PACKSMITH_* are set by packsmith)")
    }))

  it.effect("an existing environment interpreter (interpreter_path) replaces the host interpreter", () =>
    Effect.gen(function* () {
      const envRoot = tempDir()
      const venvPython = path.join(envRoot, "t", "python", "bin", "python3")
      const python = runtime("t.python", {
        name: "Python",
        aliases: ["python"],
        execution_config: {
          interpreter: { binary: "python3", args: ["-u"] },
          environment: { env_type: "virtualenv", interpreter_path: "{env_dir}/bin/python3" },
          env_vars: { VIRTUAL_INTERP: "{interpreter}" },
        },
      })
      const w = world({ actions: [action("t.py", { runtime: "t.python" })], runtimes: [SHELL, python] })
      const policy = policyOf(`env_root: ${envRoot}\n`)
      const before = yield* resolveIn(w, { action: "t.py", policy })
      expect(before.argv[0]).toBe("/opt/py/bin/python3")
      writeFiles(envRoot, { "t/python/bin/python3": { content: "#!/bin/sh\n", mode: 0o755 } })
      const after = yield* resolveIn(w, { action: "t.py", policy })
      expect(after.argv[0]).toBe(venvPython)
      expect(after.env["VIRTUAL_INTERP"]).toBe(venvPython)
    }))
})
