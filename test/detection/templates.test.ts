import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { detect, fakeHost, runtimesIn, selfNaming, template } from "./stubs.js"

const verdicts = (report: Awaited<ReturnType<typeof detect>>) =>
  report.templates.map((t) => [t.ref, t.family, t.status, t.command?.join(" ")])

describe("runtime template verification", () => {
  it("runs the commands in priority order, lower first, and stops at the first that passes", async () => {
    const host = fakeHost()
    host.stub("bin/node22", `echo v22.3.0`)
    host.stub("bin/node20", `echo v20.20.2`)
    const runtime = template("core.nodejs", "Node.js", {
      commands: [
        { binary: "node20", args: ["--version"], pattern: "^v20\\.", priority: 2 },
        { binary: "node22", args: ["--version"], pattern: "^v22\\.", priority: 1 },
      ],
    })

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [runtime] })

    expect(verdicts(report)).toEqual([["core.nodejs", "node", "verified", "node22 --version"]])
    expect(host.spawns()).toEqual(["bin/node22 --version"])
    expect(runtimesIn(host, report).map((r) => [r.family, r.name, r.version, r.source])).toEqual([
      ["node", "node22", "22.3.0", "template:core.nodejs"],
    ])
  })

  it("tries the next command when the pattern does not match, and takes commands without a priority last", async () => {
    const host = fakeHost()
    host.stub("bin/python3.10", `echo 'Python 3.10.12'`)
    host.stub("bin/python3.12", `echo 'Python 3.12.1'`)
    const runtime = template("core.python", "Python", {
      commands: [
        { binary: "python3.12", args: ["--version"], pattern: "Python 3\\.12\\." },
        { binary: "python3.10", args: ["--version"], pattern: "Python 3\\.12\\.", priority: 1 },
      ],
    })

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [runtime] })

    expect(verdicts(report)).toEqual([["core.python", "python", "verified", "python3.12 --version"]])
    expect(host.spawns()).toEqual(["bin/python3.10 --version", "bin/python3.12 --version"])
  })

  it("honours exit_code, and says why each command failed when none passes", async () => {
    const host = fakeHost()
    host.stub("bin/checker", `echo 'checker ready'; exit 3`)
    const expectsThree = template("tools.checker", "Checker", {
      commands: [{ binary: "checker", args: [], exit_code: 3, pattern: "ready" }],
    })
    const expectsZero = template("tools.strict", "Strict", {
      commands: [
        { binary: "checker", args: [], pattern: "ready" },
        { binary: "missing-binary", args: ["--version"] },
        { binary: "checker", args: [], exit_code: 3, pattern: "[unclosed" },
      ],
    })

    const report = await detect({
      path: host.dir("bin"),
      cacheDir: host.cacheDir,
      templates: [expectsThree, expectsZero],
    })

    expect(verdicts(report)).toEqual([
      ["tools.checker", "checker", "verified", "checker"],
      ["tools.strict", "strict", "unverified", undefined],
    ])
    expect(report.problems.map((p) => [p.kind, p.template])).toEqual([["template", "tools.strict"]])
    const message = report.problems[0]!.message
    expect(message).toContain("`checker` exited with code 3, not 0: checker ready")
    expect(message).toContain("`missing-binary --version` was not found on PATH")
    expect(message).toContain("has a pattern that is not a valid regular expression")
  })

  it("skips the probe of a template that is always available or needs no check", async () => {
    const host = fakeHost()
    const shell = template("core.shell", "Shell", {
      commands: [{ binary: "sh", args: ["-c", "echo ok"], pattern: "^ok" }],
      always_available: true,
    })
    const native = template("core.native", "Native", { check_required: false }, ["native", "builtin"])

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [shell, native] })

    expect(verdicts(report)).toEqual([
      ["core.shell", "shell", "assumed", undefined],
      ["core.native", "native", "assumed", undefined],
    ])
    expect(host.spawns()).toEqual([])
  })

  it("adds a runtime of a family detection does not know, versioned by the pattern's capture group", async () => {
    const host = fakeHost()
    host.stub("bin/elixir", `echo 'Erlang/OTP 26 [erts-14.2.1] [source] [64-bit]'; echo 'Elixir 1.16.0 (compiled with Erlang/OTP 26)'`)
    const elixir = template("lang.elixir", "Elixir", {
      commands: [{ binary: "elixir", args: ["--version"], pattern: "Elixir (\\d+\\.\\d+\\.\\d+)" }],
    })

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [elixir] })

    expect(runtimesIn(host, report).map((r) => [r.family, r.name, r.version, r.source])).toEqual([
      ["elixir", "elixir", "1.16.0", "template:lang.elixir"],
    ])
  })

  it("reuses what family detection learned: no second spawn for the same probe, no duplicate runtime", async () => {
    const host = fakeHost()
    host.stub("bin/java", `echo 'openjdk version "21.0.2" 2024-01-16' >&2`)
    const java = template("core.java", "Java", {
      commands: [{ binary: "java", args: ["-version"], pattern: "version \"\\d+" }],
    }, ["java", "jdk", "openjdk"])

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [java] })

    expect(verdicts(report)).toEqual([["core.java", "java", "verified", "java -version"]])
    expect(host.spawns()).toEqual(["bin/java -version"])
    expect(runtimesIn(host, report).map((r) => [r.name, r.version, r.source])).toEqual([["java", "21.0.2", "path"]])
  })

  it("verifies a shim through the interpreter it forwards to", async () => {
    const host = fakeHost()
    host.stub("versions/3.12.1/bin/python3", selfNaming("Python 3.12.1"))
    host.stub("shims/python3", `exec '${host.root}/versions/3.12.1/bin/python3' "$@"`)
    const python = template("core.python", "Python", {
      commands: [{ binary: "python3", args: ["--version"], pattern: "Python 3\\.12\\." }],
    })

    const report = await detect({ path: host.dir("shims"), cacheDir: host.cacheDir, templates: [python] })

    expect(verdicts(report)).toEqual([["core.python", "python", "verified", "python3 --version"]])
    expect(report.templates[0]!.path).toBe(path.join(host.root, "shims/python3"))
    expect(host.spawns().filter((s) => s.endsWith("--version"))).toEqual(["versions/3.12.1/bin/python3 --version"])
  })

  it("answers verifications from the cache on the next detection", async () => {
    const host = fakeHost()
    host.stub("bin/node20", `echo v20.20.2`)
    const node = template("core.nodejs", "Node.js", { commands: [{ binary: "node20", args: ["--version"] }] })
    const options = { path: host.dir("bin"), cacheDir: host.cacheDir, templates: [node] }

    await detect(options)
    const second = await detect(options)

    expect(host.spawns()).toEqual(["bin/node20 --version"])
    expect(verdicts(second)).toEqual([["core.nodejs", "node", "verified", "node20 --version"]])
  })
})
