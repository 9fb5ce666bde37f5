import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { detect, fakeHost, runtimesIn, selfNaming } from "./stubs.js"

const summary = (runtimes: ReadonlyArray<{ family: string; name: string; version: string | null }>) =>
  runtimes.map((r) => [r.family, r.name, r.version])

describe("detection on a PATH of stub interpreters", () => {
  it("reads each family's own version format, from stdout or stderr, and reports canonical families", async () => {
    const host = fakeHost()
    host.stub("bin/python3", selfNaming("Python 3.11.7"))
    host.stub("bin/nodejs", selfNaming("v20.20.2"))
    host.stub("bin/ruby", selfNaming("ruby 3.3.0 (2023-12-25 revision 5124f9ac75) [x86_64-linux]"))
    host.stub("bin/perl", selfNaming("This is perl, v5.36.0"))
    host.stub("bin/go", `[ "$1" = version ] && echo "go version go1.22.1 linux/amd64"`)
    host.stub("bin/java", `[ "$1" = -version ] || exit 2
echo 'openjdk version "17.0.15" 2025-04-15' >&2
echo 'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)' >&2`)
    host.stub("bin/Rscript", `echo 'R scripting front-end version 4.1.2 (2021-11-01)' >&2`)
    host.stub("bin/php", `echo 'PHP 8.2.7 (cli) (built: Jun  9 2023 19:37:27) (NTS)'; echo 'Copyright (c) The PHP Group'`)
    host.stub("bin/lua5.4", `echo 'Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio'`)
    host.stub("bin/deno", `printf 'deno 1.40.0 (release, x86_64-unknown-linux-gnu)\\nv8 12.1.285.6\\ntypescript 5.3.3\\n'`)
    host.stub("bin/bun", `echo 1.0.25`)
    host.stub("bin/dash", `[ "$1" = -c ] && eval "$2"`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(summary(runtimesIn(host, report))).toEqual([
      ["shell", "dash", null],
      ["python", "python3", "3.11.7"],
      ["node", "nodejs", "20.20.2"],
      ["ruby", "ruby", "3.3.0"],
      ["go", "go", "1.22.1"],
      ["java", "java", "17.0.15"],
      ["perl", "perl", "5.36.0"],
      ["r", "Rscript", "4.1.2"],
      ["deno", "deno", "1.40.0"],
      ["bun", "bun", "1.0.25"],
      ["php", "php", "8.2.7"],
      ["lua", "lua5.4", "5.4.4"],
    ])
    expect(report.problems).toEqual([])
    const java = report.runtimes.find((r) => r.family === "java")!
    expect(java).toMatchObject({
      path: path.join(host.root, "bin/java"),
      realPath: path.join(host.root, "bin/java"),
      versionRaw: `openjdk version "17.0.15" 2025-04-15`,
      source: "path",
    })
    expect(java.viaShim).toBeUndefined()
  })

  it("runs every probe in the C locale with the rest of the caller's environment, whatever the caller's locale", async () => {
    const host = fakeHost()
    // Each stub answers with a version only when it sees LC_ALL=C and the caller's own variable.
    const localeBound = (line: string) =>
      `[ "$LC_ALL" = C ] && [ "$PACKSMITH_PROBE_MARK" = kept ] && echo '${line}' || echo "LC_ALL=$LC_ALL"`
    host.stub("bin/go", `[ "$1" = version ] && ${localeBound("go version go1.22.1 linux/amd64")}`)
    host.stub("bin/bun", localeBound("1.0.25"))
    const saved = { LC_ALL: process.env.LC_ALL, PACKSMITH_PROBE_MARK: process.env.PACKSMITH_PROBE_MARK }
    process.env.LC_ALL = "de_DE.UTF-8"
    process.env.PACKSMITH_PROBE_MARK = "kept"
    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir }).finally(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    })

    expect(summary(runtimesIn(host, report))).toEqual([["go", "go", "1.22.1"], ["bun", "bun", "1.0.25"]])
    expect(report.problems).toEqual([])
  })

  it("warns about garbage output and a failing probe with the reason, and still reports the rest", async () => {
    const host = fakeHost()
    host.stub("bin/go", `echo 'hello there'`)
    host.stub("bin/php", `echo 'php: error while loading shared libraries: libxml2.so.2' >&2; exit 127`)
    host.stub("bin/bun", `echo 1.0.25`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(summary(runtimesIn(host, report))).toEqual([["go", "go", null], ["bun", "bun", "1.0.25"]])
    expect(report.runtimes.find((r) => r.name === "go")?.versionRaw).toBe("hello there")
    expect(report.problems.map((p) => [p.kind, p.family])).toEqual([["unparsable-version", "go"], ["exit-code", "php"]])
    expect(report.problems[0]!.message).toContain(`"hello there"`)
    expect(report.problems[1]!.message).toContain(
      "exited with code 127: php: error while loading shared libraries: libxml2.so.2",
    )
  })

  it("kills a probe that hangs, warns that it timed out, and completes the detection", async () => {
    const host = fakeHost()
    const childPid = path.join(host.root, "sleep.pid")
    host.stub("bin/deno", `sleep 30 &\necho $! > '${childPid}'\nwait`)
    host.stub("bin/bun", `echo 1.0.25`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, probeTimeout: "300 millis" })

    expect(summary(runtimesIn(host, report))).toEqual([["bun", "bun", "1.0.25"]])
    // Only the stubs' problems: the host's /bin/bash shares the short timeout on a possibly busy machine.
    const problems = report.problems.filter((p) => p.path?.startsWith(host.root))
    expect(problems.map((p) => [p.kind, p.family])).toEqual([["timeout", "deno"]])
    expect(problems[0]!.message).toContain("`deno --version` did not finish within 300ms and was killed")
    // The whole process group goes, not only the script: its `sleep 30` child is gone too.
    const pid = Number(fs.readFileSync(childPid, "utf8"))
    await expect.poll(() => isAlive(pid), { timeout: 5_000 }).toBe(false)
    // A timeout is not cached: the next detection asks again.
    await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, probeTimeout: "300 millis" })
    expect(host.spawns().filter((s) => s.startsWith("bin/deno"))).toHaveLength(2)
  })

  it("resolves a symlinked binary to its real file", async () => {
    const host = fakeHost()
    const real = host.stub("jdk-17/bin/java", `echo 'openjdk version "17.0.15" 2025-04-15' >&2`)
    fs.symlinkSync(real, path.join(host.dir("bin"), "java"))

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.name, r.path, r.realPath, r.version])).toEqual([
      ["java", path.join(host.root, "bin/java"), real, "17.0.15"],
    ])
  })

  it("takes the first executable on PATH, skips files that are not executable, and ignores relative entries", async () => {
    const host = fakeHost()
    host.dir("cwd-relative")
    fs.writeFileSync(path.join(host.dir("a"), "go"), "#!/bin/sh\necho 'go version go9.9.9 linux/amd64'\n", {
      mode: 0o644,
    })
    host.stub("b/go", `echo 'go version go1.22.1 linux/amd64'`)
    host.stub("c/go", `echo 'go version go1.21.0 linux/amd64'`)
    const notADirectory = host.stub("file-on-path", "exit 0")

    const report = await detect({
      path: ["", "cwd-relative", notADirectory, host.dir("a"), host.dir("b"), host.dir("c")].join(path.delimiter),
      cacheDir: host.cacheDir,
    })

    expect(runtimesIn(host, report).map((r) => [r.path, r.version])).toEqual([
      [path.join(host.root, "b/go"), "1.22.1"],
    ])
    expect(report.problems).toEqual([])
  })

  it("reads the version through a wrapper script that cannot name its interpreter, blank first line included", async () => {
    const host = fakeHost()
    host.stub("bin/perl", `[ "$1" = -v ] || exit 255
printf '\\nThis is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi\\n'`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.name, r.version, r.viaShim])).toEqual([["perl", "5.36.0", undefined]])
    expect(report.problems.map((p) => p.kind)).toEqual(["unresolved-shim"])
    expect(report.problems[0]!.message).toContain("exited with code 255")
  })
})

describe("version-manager shims", () => {
  /** A pyenv-like layout: shims/<name> execs versions/<selected>/bin/<name>. */
  const pyenvLike = () => {
    const host = fakeHost()
    const selected = host.stub("versions/3.11.7/bin/python3.11", selfNaming("Python 3.11.7"))
    fs.symlinkSync("python3.11", path.join(host.root, "versions/3.11.7/bin/python3"))
    fs.symlinkSync("python3.11", path.join(host.root, "versions/3.11.7/bin/python"))
    for (const name of ["python3", "python"]) {
      host.stub(`shims/${name}`, `exec '${host.root}/versions/3.11.7/bin/${name}' "$@"`)
    }
    return { host, selected }
  }

  it("reports the shim as found and the interpreter it runs as the real path, spawning only one shim", async () => {
    const { host, selected } = pyenvLike()

    const report = await detect({ path: host.dir("shims"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.family, r.name, r.path, r.realPath, r.version, r.viaShim])).toEqual([
      ["python", "python3", path.join(host.root, "shims/python3"), selected, "3.11.7", true],
    ])
    expect(report.problems).toEqual([])
    // `python` sits beside `python3` in the selected version's bin directory: found by stat, not by running it.
    expect(host.spawns().map((s) => s.split(" ")[0])).toEqual(["shims/python3", "versions/3.11.7/bin/python3"])
  })

  it("probes a sibling that is another interpreter directly, not through the shim", async () => {
    const { host } = pyenvLike()
    fs.rmSync(path.join(host.root, "versions/3.11.7/bin/python"))
    const legacy = host.stub("versions/3.11.7/bin/python", `echo 'Python 2.7.18' >&2`)

    const report = await detect({ path: host.dir("shims"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.name, r.realPath, r.version, r.viaShim])).toEqual([
      ["python3", path.join(host.root, "versions/3.11.7/bin/python3.11"), "3.11.7", true],
      ["python", legacy, "2.7.18", true],
    ])
    expect(host.spawns().some((s) => s.startsWith("shims/python "))).toBe(false)
  })

  it("marks a binary in a shims directory of a family that cannot name its interpreter", async () => {
    const host = fakeHost()
    host.stub("installs/go/1.22.1/bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    host.stub("shims/go", `exec '${host.root}/installs/go/1.22.1/bin/go' "$@"`)

    const report = await detect({ path: host.dir("shims"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.name, r.realPath, r.version, r.viaShim])).toEqual([
      ["go", path.join(host.root, "shims/go"), "1.22.1", true],
    ])
  })
})

const isAlive = (pid: number): boolean => {
  const status = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, "utf8") : ""
  // A zombie has exited; it only waits for its new parent to reap it.
  return status !== "" && status.split(") ")[1]?.[0] !== "Z"
}
