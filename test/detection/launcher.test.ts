import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { currentCaller } from "../../src/services/RuntimeDetection/locate.js"
import { makeRun } from "../../src/services/RuntimeDetection/run.js"
import { detect, fakeHost, runtimesIn, template } from "./stubs.js"

// Every detection on a fake host probes the real host's /bin/bash or /bin/sh first (their preferred paths), so the
// stubs below are started by the probe launcher, except where a test says otherwise.
describe("probes started by the launcher", () => {
  it("passes every word verbatim, never as shell code, and a word with a newline still arrives whole", async () => {
    const host = fakeHost()
    const marker = path.join(host.root, "pwned")
    // Answers only when each argument arrived exactly as written.
    host.stub("bin/tool", `[ "$#" = 4 ] && [ "$1" = ' a  b ' ] && [ "$2" = '$(touch ${marker})' ] \\
  && [ "$3" = 'back\\slash "q" '"'"'s' ] && [ "$4" = 'one
two' ] && echo 'tool 1.2.3' || { printf '%s|' "$@"; exit 3; }`)
    const runtime = template("acme.tool", "tool", {
      commands: [{ binary: "tool", args: [" a  b ", `$(touch ${marker})`, `back\\slash "q" 's`, "one\ntwo"], pattern: "tool (\\d+\\.\\d+\\.\\d+)" }],
    })

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir, templates: [runtime] })

    expect(report.templates.map((t) => [t.ref, t.status])).toEqual([["acme.tool", "verified"]])
    expect(runtimesIn(host, report).map((r) => [r.name, r.version])).toEqual([["tool", "1.2.3"]])
    expect(fs.existsSync(marker)).toBe(false)
  })

  it("keeps the first 4096 characters of a long answer and still reads the version", async () => {
    const host = fakeHost()
    host.stub("bin/bun", `echo 1.0.25; i=0; while [ $i -lt 2000 ]; do echo 'padding padding padding padding padding padding'; i=$((i + 1)); done`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(runtimesIn(host, report).map((r) => [r.name, r.version])).toEqual([["bun", "1.0.25"]])
    expect(report.problems.filter((p) => p.path?.startsWith(host.root))).toEqual([])
    const cache = JSON.parse(fs.readFileSync(path.join(host.cacheDir, "detection-cache.json"), "utf8"))
    const record = Object.entries(cache.records).find(([key]) => key.includes(path.join(host.root, "bin/bun")))
    expect((record?.[1] as { stdout: string }).stdout).toHaveLength(4096)
  })

  it("hands what it had not answered to direct spawns when the launcher dies, and the detection completes", async () => {
    const host = fakeHost()
    const once = path.join(host.root, "killed-once")
    // The first time, the stub kills its grandparent (the launcher; its parent is the launcher's subshell).
    host.stub("bin/bun", `if [ ! -e '${once}' ]; then
  : > '${once}'
  read -r _ _ _ launcher _ < /proc/$PPID/stat
  kill -9 "$launcher"
  sleep 5
fi
echo 1.0.25`)
    host.stub("bin/deno", `echo 'deno 1.40.0 (release, x86_64-unknown-linux-gnu)'`)

    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir })

    expect(fs.existsSync(once)).toBe(true)
    expect(runtimesIn(host, report).map((r) => [r.name, r.version])).toEqual([["deno", "1.40.0"], ["bun", "1.0.25"]])
    expect(report.problems.filter((p) => p.path?.startsWith(host.root))).toEqual([])
    expect(host.spawns().filter((s) => s.startsWith("bin/bun"))).toHaveLength(2)
  })

  it("leaves no file behind in the temporary directory", async () => {
    const host = fakeHost()
    host.stub("bin/bun", `echo 1.0.25`)
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-tmp-"))
    const saved = process.env.TMPDIR
    process.env.TMPDIR = tmp
    const report = await detect({ path: host.dir("bin"), cacheDir: host.cacheDir }).finally(() => {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    })

    expect(runtimesIn(host, report).map((r) => r.name)).toEqual(["go", "bun"])
    expect(fs.readdirSync(tmp)).toEqual([])
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  it.effect("a probe that cannot be spawned at all is an outcome, whether it is the first (spawned directly) or a later one", () =>
    Effect.gen(function* () {
      const run = yield* makeRun({ caller: yield* currentCaller, directories: [], timeout: Duration.seconds(3), cached: new Map() })
      // A NUL byte in an argument makes spawn throw before any process exists.
      const first = yield* run.probe("/bin/sh", ["-c", "echo a\u0000b"])
      const later = yield* run.probe("/bin/sh", ["-c", "echo ok"])
      yield* run.release

      expect(first._tag).toBe("Failed")
      expect(later).toMatchObject({ _tag: "Exited", exitCode: 0, stdout: "ok\n" })
    }))
})
