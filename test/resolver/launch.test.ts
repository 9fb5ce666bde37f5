import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { SHELL_HELPERS } from "../../src/services/RuntimeResolver/launch.js"
import { action, DEFAULT_POLICY, deliverIn, execute, policyOf, resolveIn, runtime, SHELL, tempDir, world, writeFiles } from "./support.js"

const NATIVE = runtime("t.native", { name: "Native", aliases: ["native", "builtin"], execution_config: {} })
const TEMP_FILE_SHELL = runtime("t.shell", {
  ...SHELL,
  execution_config: { ...SHELL.execution_config, inline_execution: { strategy: "temp_file", extension: ".sh", inject_shell_helpers: true } },
})
const MESSAGE = { type: "object", properties: { message: { type: "string" } } }
/** A value that would run commands if it were ever pasted into the script text. */
const HOSTILE = "it's $(touch pwned) `touch pwned2` ; rm -rf / '\n'"

const runResolved = (w: ReturnType<typeof world>, request: Parameters<typeof resolveIn>[1]) =>
  Effect.gen(function* () {
    const resolved = yield* resolveIn(w, request)
    const delivered = yield* deliverIn(w, (resolved.stdin ?? resolved.parameterFile!.document), request.policy ?? DEFAULT_POLICY, {})
    const result = yield* Effect.promise(() => execute(resolved, Redacted.value(delivered)))
    return { resolved, result }
  })

describe("inline shell", () => {
  it.effect("strategy direct runs [shell, -c, code] and the code reads its parameters from stdin", () =>
    Effect.gen(function* () {
      const code = `read -r line; printf '%s|%s\\n' "$line" "$PACKSMITH_ACTION"`
      const w = world({ actions: [action("t.inline", { entry_point: { kind: "inline", value: code }, parameters: MESSAGE })] })
      const { resolved, result } = yield* runResolved(w, { action: "t.inline", parameters: { message: HOSTILE } })
      expect(resolved.argv).toEqual(["/bin/sh", "-c", code])
      expect(resolved.files).toEqual([])
      expect(result.code).toBe(0)
      expect(result.stdout).toBe(`${JSON.stringify({ message: HOSTILE })}|t.inline\n`)
      expect(fs.existsSync(path.join(resolved.cwd, "pwned"))).toBe(false)
    }))

  it.effect("strategy temp_file writes the code to a script in the scratch directory, with shell helpers for dotenv", () =>
    Effect.gen(function* () {
      const code = `printf '[%s]\\n' "$PARAM_MESSAGE"`
      const w = world({
        actions: [action("t.inline", { entry_point: { kind: "inline", value: code }, parameters: MESSAGE, parameter_format: "dotenv" })],
        runtimes: [TEMP_FILE_SHELL],
      })
      const { resolved, result } = yield* runResolved(w, { action: "t.inline", parameters: { message: HOSTILE } })
      const script = path.join(resolved.scratchDir, "inline.sh")
      expect(resolved.argv).toEqual(["/bin/sh", script])
      expect(resolved.files).toHaveLength(1)
      expect(resolved.files[0]).toMatchObject({ path: script, mode: 0o400, content: `${SHELL_HELPERS}${code}\n` })
      expect(resolved.files[0]!.content).not.toContain("touch")
      expect(result).toMatchObject({ code: 0, stdout: `[${HOSTILE}]\n`, stderr: "" })
      expect(fs.existsSync(path.join(resolved.cwd, "pwned"))).toBe(false)
    }))

  it.effect("shell helpers read PACKSMITH_PARAMETER_FILE for file delivery, and are skipped for json", () =>
    Effect.gen(function* () {
      const code = `printf '%s\\n' "$PARAM_MESSAGE"`
      const w = world({
        actions: [
          action("t.file", { entry_point: { kind: "inline", value: code }, parameters: MESSAGE, parameter_format: "dotenv", parameter_delivery: "file" }),
          action("t.json", { entry_point: { kind: "inline", value: "cat" }, parameters: MESSAGE, parameter_format: "json" }),
        ],
        runtimes: [TEMP_FILE_SHELL],
      })
      const viaFile = yield* runResolved(w, { action: "t.file", parameters: { message: "from the file" } })
      expect(viaFile.result).toMatchObject({ code: 0, stdout: "from the file\n" })
      const json = yield* runResolved(w, { action: "t.json", parameters: { message: "raw" } })
      expect(json.resolved.files[0]!.content).toBe("cat\n")
      expect(json.resolved.explain).toContain("entry point: shell helpers skipped: they read dotenv parameters and t.json uses json")
      expect(json.result.stdout).toBe(`{"message":"raw"}\n`)
    }))
})

describe("native entry points", () => {
  const hostBin = () => writeFiles(tempDir("packsmith-bin-"), { greet: { content: "#!/bin/sh\necho \"hello from $0\"\n", mode: 0o755 } })

  it.effect("a host binary is found on PATH by stat and runs only when the policy allows it", () =>
    Effect.gen(function* () {
      const bin = hostBin()
      const w = world({ actions: [action("t.greet", { runtime: "t.native", entry_point: { kind: "host", value: "greet" } })], runtimes: [SHELL, NATIVE] })
      const workerEnv = { PATH: `/nonexistent:${bin}` }
      const denied = yield* Effect.flip(resolveIn(w, { action: "t.greet", workerEnv }))
      expect(denied).toMatchObject({ _tag: "PolicyDenied", runtime: "host binary greet" })
      expect(denied.message).toContain("host_binaries.allow is empty; add \"greet\"")
      const policy = policyOf("host_binaries: {allow: [greet]}")
      const { resolved, result } = yield* runResolved(w, { action: "t.greet", workerEnv, policy })
      expect(resolved.argv).toEqual([path.join(bin, "greet")])
      expect(resolved.runtime).toMatchObject({ ref: "t.native", family: "native", version: null, binary: path.join(bin, "greet") })
      expect(result.stdout).toBe(`hello from ${path.join(bin, "greet")}\n`)
      const elsewhere = yield* Effect.flip(resolveIn(w, { action: "t.greet", workerEnv: { PATH: "/nonexistent" }, policy }))
      expect(elsewhere).toMatchObject({ _tag: "EntryPointMissing", path: "greet", reason: "not found on the worker's PATH (/nonexistent)" })
    }))

  it.effect("a native file of the pack is executed itself and must be executable", () =>
    Effect.gen(function* () {
      const w = world({
        actions: [
          action("t.exe", { runtime: "t.native" }),
          action("t.text", { runtime: "t.native", entry_point: { kind: "file", value: "plain.sh", path: "actions/plain.sh" } }),
        ],
        runtimes: [SHELL, NATIVE],
      }, { "actions/plain.sh": "#!/bin/sh\necho plain\n" })
      const { resolved, result } = yield* runResolved(w, { action: "t.exe" })
      expect(resolved.argv).toEqual([`${w.packDirs["t"]}/actions/run.sh`])
      expect(result.stdout).toBe("run\n")
      const error = yield* Effect.flip(resolveIn(w, { action: "t.text" }))
      expect(error).toMatchObject({ _tag: "EntryPointMissing", reason: "a native entry point must be executable (mode 755)" })
    }))
})
