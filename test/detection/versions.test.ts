import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import type { Runtime, RuntimeVersion } from "../../src/domain/Runtime.js"
import { action, resolveIn, runtime, SHELL, world } from "../resolver/support.js"
import { detect, fakeHost, runtimesIn, selfNaming } from "./stubs.js"

const pythonVersion = (version: string, binary = `python${version}`): RuntimeVersion => ({
  version,
  execution_config: { interpreter: { binary, args: ["-u"], file_extension: ".py" } },
})

const python = (versions: ReadonlyArray<RuntimeVersion>): Runtime =>
  runtime("t.python", {
    name: "Python",
    aliases: ["python", "python3"],
    execution_config: { interpreter: { binary: "python3", args: ["-u"], file_extension: ".py" } },
    versions: [...versions],
  })

describe("interpreters named by a runtime's versions[]", () => {
  it("finds and probes each one on PATH, says nothing of versions the host lacks, and answers from the cache next time", async () => {
    const host = fakeHost()
    host.stub("bin/python3", selfNaming("Python 3.11.7"))
    host.stub("bin/python3.12", selfNaming("Python 3.12.1"))
    const templates = [python([pythonVersion("3.11", "python3"), pythonVersion("3.12"), pythonVersion("3.13")])]

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates })

    expect(runtimesIn(host, report).map((r) => [r.family, r.name, r.version, r.source])).toEqual([
      ["python", "python3", "3.11.7", "path"],
      ["python", "python3.12", "3.12.1", "path"],
    ])
    expect(report.problems.filter((p) => p.path?.startsWith(host.root))).toEqual([])
    expect(host.spawns().filter((s) => s.startsWith("bin/python3.12"))).toHaveLength(1)

    const again = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates })
    expect(runtimesIn(host, again).map((r) => [r.name, r.version, r.source])).toEqual([
      ["python3", "3.11.7", "cache"],
      ["python3.12", "3.12.1", "cache"],
    ])
    expect(host.spawns().filter((s) => s.startsWith("bin/python3.12"))).toHaveLength(1)
  })

  it("probes an absolute binary where it is, once even when two runtimes name it", async () => {
    const host = fakeHost()
    const node20 = host.stub("opt/node20/bin/node", selfNaming("v20.11.1"))
    const nodeRuntime = (ref: string) => runtime(ref, {
      name: "Node.js",
      aliases: ["node"],
      execution_config: { interpreter: { binary: "node", file_extension: ".js" } },
      versions: [{ version: "20", execution_config: { interpreter: { binary: node20, file_extension: ".js" } } }],
    })

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [nodeRuntime("a.node"), nodeRuntime("b.node")] })

    expect(runtimesIn(host, report).map((r) => [r.family, r.path, r.version])).toEqual([["node", node20, "20.11.1"]])
    expect(host.spawns().filter((s) => s.startsWith("opt/node20"))).toHaveLength(1)
  })

  it.effect("lets runtime_version select the versions[] entry whose interpreter the host has", () =>
    Effect.gen(function* () {
      const host = fakeHost()
      host.stub("bin/python3", selfNaming("Python 3.11.7"))
      host.stub("bin/python3.12", selfNaming("Python 3.12.1"))
      const templates = [python([pythonVersion("3.12")])]
      const report = yield* Effect.promise(() => detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates }))
      const w = world({
        actions: [action("t.py", { runtime: "t.python", runtime_version: ">=3.12", entry_point: { kind: "file", value: "run.py", path: "actions/run.py" } })],
        runtimes: [SHELL, templates[0]!],
      }, { "actions/run.py": "print('hi')\n" })

      const resolved = yield* resolveIn(w, { action: "t.py", capabilities: report })

      expect(resolved.argv[0]).toBe(path.join(host.root, "bin/python3.12"))
      expect(resolved.runtime).toMatchObject({ version: "3.12.1", versionEntry: "3.12" })
    }))

  it.effect("verifies each versions[] entry with a verification of its own, and does not select one that failed", () =>
    Effect.gen(function* () {
      const host = fakeHost()
      host.stub("bin/python3", selfNaming("Python 3.11.7"))
      host.stub("bin/python3.12", selfNaming("Python 3.12.1"))
      // 3.12's interpreter is here, but lacks what its verification asks for.
      host.stub("bin/python3.12-ssl", `echo 'ModuleNotFoundError: No module named ssl' >&2; exit 1`)
      const verifiedBy = (binary: string) => ({ verification: { commands: [{ binary, args: ["-c", "import ssl"] }] } })
      const template = python([
        { ...pythonVersion("3.11", "python3"), distributions: { verification: { always_available: true } } },
        { ...pythonVersion("3.12"), distributions: verifiedBy("python3.12-ssl") },
      ])
      const report = yield* Effect.promise(() => detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [template] }))

      expect(report.templates.map((t) => [t.ref, t.version, t.status])).toEqual([
        ["t.python", "3.11", "assumed"],
        ["t.python", "3.12", "unverified"],
      ])
      expect(report.problems.filter((p) => p.template === "t.python").map((p) => p.message)).toEqual([
        "runtime t.python version 3.12 is not verified on this host: `python3.12-ssl -c 'import ssl'` exited with code 1, not 0: "
        + "ModuleNotFoundError: No module named ssl",
      ])

      const w = world({
        actions: [
          action("t.any", { runtime: "t.python", runtime_version: ">=3.11", entry_point: { kind: "file", value: "run.py", path: "actions/run.py" } }),
          action("t.new", { runtime: "t.python", runtime_version: ">=3.12", entry_point: { kind: "file", value: "run.py", path: "actions/run.py" } }),
        ],
        runtimes: [SHELL, template],
      }, { "actions/run.py": "print('hi')\n" })
      const any = yield* resolveIn(w, { action: "t.any", capabilities: report })
      const newer = yield* Effect.either(resolveIn(w, { action: "t.new", capabilities: report }))

      // Without the verification, >=3.11 would select the 3.12 entry (the highest whose interpreter is here).
      expect(any.argv[0]).toBe(path.join(host.root, "bin/python3"))
      expect(any.runtime).toMatchObject({ version: "3.11.7", versionEntry: "3.11" })
      expect(Either.isLeft(newer) && newer.left._tag).toBe("RuntimeVersionUnsatisfied")
      expect(Either.isLeft(newer) ? newer.left.message : "").toContain("(3.12 failed verification on this host)")
    }))
})
