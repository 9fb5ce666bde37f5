import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { RuntimeVersion } from "../../src/domain/Runtime.js"
import { action, detected, report, resolveIn, runtime, SHELL, world } from "./support.js"

const pythonVersion = (version: string, extra: Partial<RuntimeVersion> = {}): RuntimeVersion => ({
  version,
  execution_config: { interpreter: { binary: `python${version}`, args: ["-u", "-X", `v${version}`], file_extension: ".py" } },
  ...extra,
})

const PYTHON = runtime("t.python", {
  name: "Python",
  aliases: ["python", "python3"],
  execution_config: { interpreter: { binary: "python3", args: ["-u"], file_extension: ".py" } },
  versions: [pythonVersion("3.11"), pythonVersion("3.12", { is_default: true }), pythonVersion("3.13")],
})

/** python3 is 3.11.7 (its real file is python3.11); python3.12 is 3.12.3; there is no 3.13. */
const PYTHONS = report([
  detected("shell", "sh", "/bin/sh", null),
  detected("python", "python3", "/opt/py/bin/python3", "3.11.7", { realPath: "/opt/py/bin/python3.11" }),
  detected("python", "python3.12", "/usr/bin/python3.12", "3.12.3"),
])

const ENTRY = { kind: "file" as const, value: "run.py", path: "actions/run.py" }
const pyWorld = (runtimeVersion: string | undefined, runtimes = [SHELL, PYTHON]) =>
  world({
    actions: [action("t.py", { runtime: "t.python", entry_point: ENTRY, ...(runtimeVersion === undefined ? {} : { runtime_version: runtimeVersion }) })],
    runtimes,
  }, { "actions/run.py": "print('hi')\n" })

describe("version selection", () => {
  it.effect("a bare 3.12 means ~3.12 and picks that versions[] entry, whose execution_config replaces the runtime's", () =>
    Effect.gen(function* () {
      const w = pyWorld("3.12")
      const resolved = yield* resolveIn(w, { action: "t.py", capabilities: PYTHONS })
      expect(resolved.argv).toEqual(["/usr/bin/python3.12", "-u", "-X", "v3.12", `${w.packDirs["t"]}/actions/run.py`])
      expect(resolved.runtime).toMatchObject({ ref: "t.python", family: "python", version: "3.12.3", versionEntry: "3.12", binary: "/usr/bin/python3.12" })
      expect(resolved.envDir.endsWith("/t/python-3.12")).toBe(true)
      expect(resolved.explain.join("\n")).toContain("runtime_version ~3.12 selects versions[] entry 3.12")
    }))

  it.effect("a detected 3.11.7 satisfies ~3.11 through the real file of python3", () =>
    Effect.gen(function* () {
      const resolved = yield* resolveIn(pyWorld("~3.11"), { action: "t.py", capabilities: PYTHONS })
      expect(resolved.runtime).toMatchObject({ version: "3.11.7", versionEntry: "3.11", binary: "/opt/py/bin/python3" })
      expect(resolved.argv.slice(0, 4)).toEqual(["/opt/py/bin/python3", "-u", "-X", "v3.11"])
    }))

  it.effect("a range picks the highest entry available on this host", () =>
    Effect.gen(function* () {
      const resolved = yield* resolveIn(pyWorld(">=3.11"), { action: "t.py", capabilities: PYTHONS })
      expect(resolved.runtime.versionEntry).toBe("3.12")
      expect(resolved.explain.join("\n")).toContain("not available: 3.13")
    }))

  it.effect("no constraint runs the base execution_config without a version suffix", () =>
    Effect.gen(function* () {
      const resolved = yield* resolveIn(pyWorld(undefined), { action: "t.py", capabilities: PYTHONS })
      expect(resolved.argv.slice(0, 2)).toEqual(["/opt/py/bin/python3", "-u"])
      expect(resolved.runtime).toMatchObject({ version: "3.11.7", versionEntry: null })
      expect(resolved.envDir.endsWith("/t/python")).toBe(true)
    }))

  it.effect("no available entry falls back to the base interpreter when it satisfies the constraint", () =>
    Effect.gen(function* () {
      const old = runtime("t.python", { ...PYTHON, versions: [pythonVersion("3.10")] })
      const resolved = yield* resolveIn(pyWorld(">=3.11", [SHELL, old]), { action: "t.py", capabilities: PYTHONS })
      expect(resolved.runtime).toMatchObject({ version: "3.11.7", versionEntry: null, binary: "/opt/py/bin/python3" })
      expect(resolved.explain.join("\n")).toContain("no versions[] entry of t.python (3.10) is available for >=3.11; the base interpreter satisfies it")
    }))

  it.effect("a runtime without versions[] takes the family interpreter that satisfies the constraint", () =>
    Effect.gen(function* () {
      const plain = runtime("t.python", { ...PYTHON, versions: [] })
      const resolved = yield* resolveIn(pyWorld(">=3.12", [SHELL, plain]), { action: "t.py", capabilities: PYTHONS })
      expect(resolved.argv.slice(0, 2)).toEqual(["/usr/bin/python3.12", "-u"])
      expect(resolved.runtime.version).toBe("3.12.3")
    }))

  it.effect("nothing available: RuntimeVersionUnsatisfied lists the constraint, the host's versions and the declared ones", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(resolveIn(pyWorld("3.13"), { action: "t.py", capabilities: PYTHONS }))
      expect(error._tag).toBe("RuntimeVersionUnsatisfied")
      if (error._tag !== "RuntimeVersionUnsatisfied") return
      expect(error.constraint).toBe("~3.13")
      expect(error.available).toEqual(["python python3 3.11.7 at /opt/py/bin/python3", "python python3.12 3.12.3 at /usr/bin/python3.12"])
      expect(error.declared).toEqual(["3.11", "3.12", "3.13"])
      expect(error.message).toBe(
        "action t.py needs t.python ~3.13, but this host has python python3 3.11.7 at /opt/py/bin/python3; " +
          "python python3.12 3.12.3 at /usr/bin/python3.12; t.python declares versions 3.11, 3.12, 3.13",
      )
    }))

  it.effect("node versions that all run `node` are told apart by the detected version", () =>
    Effect.gen(function* () {
      const nodeVersion = (version: string): RuntimeVersion => ({ version, execution_config: { interpreter: { binary: "node", args: [`--v${version}`] } } })
      const node = runtime("t.nodejs", {
        name: "Node.js",
        aliases: ["node", "nodejs"],
        execution_config: { interpreter: { binary: "node", args: [] } },
        versions: [nodeVersion("18"), nodeVersion("20"), nodeVersion("22")],
      })
      const w = world({ actions: [action("t.js", { runtime: "t.nodejs", runtime_version: ">=18", entry_point: { kind: "file", value: "run.js", path: "actions/run.js" } })], runtimes: [SHELL, node] }, { "actions/run.js": "" })
      const resolved = yield* resolveIn(w, { action: "t.js", capabilities: report([detected("node", "node", "/usr/bin/node", "20.11.1")]) })
      expect(resolved.runtime.versionEntry).toBe("20")
      expect(resolved.argv.slice(0, 2)).toEqual(["/usr/bin/node", "--v20"])
    }))

  it.effect("required_worker_runtimes must all be satisfied", () =>
    Effect.gen(function* () {
      const host = report([detected("shell", "sh", "/bin/sh", null), detected("node", "node", "/usr/bin/node", "20.11.1")])
      const ok = world({ actions: [action("t.run", { required_worker_runtimes: { node: ">=20", sh: "*" } })] })
      const resolved = yield* resolveIn(ok, { action: "t.run", capabilities: host })
      expect(resolved.explain).toContain("required runtime node >=20: node node 20.11.1 at /usr/bin/node")
      const tooOld = world({ actions: [action("t.run", { required_worker_runtimes: { nodejs: "22" } })] })
      const error = yield* Effect.flip(resolveIn(tooOld, { action: "t.run", capabilities: host }))
      expect(error).toMatchObject({ _tag: "RuntimeVersionUnsatisfied", runtime: "nodejs", constraint: "~22", available: ["node node 20.11.1 at /usr/bin/node"] })
    }))

  it.effect("a version-manager shim is bypassed for the interpreter it runs", () =>
    Effect.gen(function* () {
      const host = report([detected("python", "python3", "/home/u/.pyenv/shims/python3", "3.12.1", { realPath: "/home/u/.pyenv/versions/3.12.1/bin/python3.12", viaShim: true })])
      const resolved = yield* resolveIn(pyWorld(undefined), { action: "t.py", capabilities: host })
      expect(resolved.argv[0]).toBe("/home/u/.pyenv/versions/3.12.1/bin/python3.12")
      expect(resolved.explain.join("\n")).toContain("shim /home/u/.pyenv/shims/python3 bypassed")
    }))
})
