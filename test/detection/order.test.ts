import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { DetectionCacheFile } from "../../src/domain/Detection.js"
import { locateFamily } from "../../src/services/RuntimeDetection/examine.js"
import { FAMILY_SPECS } from "../../src/services/RuntimeDetection/families.js"
import { currentCaller, pathDirectories } from "../../src/services/RuntimeDetection/locate.js"
import { guessMillis, startOrder } from "../../src/services/RuntimeDetection/order.js"
import { makeRun } from "../../src/services/RuntimeDetection/run.js"
import { detect, fakeHost, runtimesIn, selfNaming } from "./stubs.js"

const CACHE_FILE = "detection-cache.json"

const readCache = (cacheDir: string): DetectionCacheFile =>
  JSON.parse(fs.readFileSync(path.join(cacheDir, CACHE_FILE), "utf8"))

const families = (specs: ReadonlyArray<{ readonly family: string }>) => specs.map((s) => s.family)

describe("the order families are probed in", () => {
  it("starts the family whose probes took longest first, and keeps report order between equals", () => {
    const recorded = new Map([["java", 34], ["python", 65], ["perl", 4], ["node", 4]])

    const order = startOrder(FAMILY_SPECS, (spec) => recorded.get(spec.family) ?? 0)

    expect(families(order).slice(0, 4)).toEqual(["python", "java", "node", "perl"])
    expect(families(order).slice(4)).toEqual(
      families(FAMILY_SPECS).filter((family) => !recorded.has(family)),
    )
  })

  it.effect("guesses a shim slower than the JVM, and the JVM slower than a plain interpreter", () =>
    Effect.gen(function* () {
      const host = fakeHost()
      host.stub("shims/python3", `exec '${host.root}/bin/python3' "$@"`)
      host.stub("bin/python3", selfNaming("Python 3.12.1"))
      host.stub("bin/java", `echo 'openjdk version "17.0.15" 2025-04-15' >&2`)
      host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
      const run = yield* makeRun({
        caller: yield* currentCaller,
        directories: pathDirectories([host.dir("shims"), host.dir("bin")].join(path.delimiter)),
        timeout: Duration.seconds(3),
        cached: new Map(),
      })
      const guessed = new Map<string, number>()
      for (const spec of FAMILY_SPECS) {
        if (spec.family === "shell") continue
        guessed.set(spec.family, guessMillis(run, spec, yield* locateFamily(run, spec)))
      }

      expect(families(startOrder(FAMILY_SPECS.filter((s) => guessed.has(s.family)), (s) => guessed.get(s.family)!))
        .slice(0, 3)).toEqual(["python", "java", "go"])
      expect(guessed.get("ruby")).toBe(0)
    }))

  it("records how long each family's probes took, 0 for a family with no binary, and keeps it on a warm run", async () => {
    const host = fakeHost()
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    const options = { path: host.dir("bin"), cacheDir: host.cacheDir }

    await detect({ ...options, refresh: true })
    const written = readCache(host.cacheDir)
    await detect(options)

    expect(Object.keys(written.probeMillis ?? {}).sort()).toEqual(families(FAMILY_SPECS).sort())
    expect(written.probeMillis?.["go"]).toBeGreaterThanOrEqual(0)
    expect(written.probeMillis?.["ruby"]).toBe(0)
    expect(readCache(host.cacheDir)).toEqual(written)
  })

  it("still probes every family on refresh, those recorded as absent or fast included", async () => {
    const host = fakeHost()
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    host.stub("bin/bun", `echo 1.0.25`)
    const options = { path: host.dir("bin"), cacheDir: host.cacheDir }
    await detect(options)
    // Recorded before php existed; bun recorded as the slowest.
    host.stub("bin/php", `echo 'PHP 8.2.7 (cli) (built: Jun  9 2023 19:37:27) (NTS)'`)
    const cache = readCache(host.cacheDir)
    fs.writeFileSync(
      path.join(host.cacheDir, CACHE_FILE),
      JSON.stringify({ ...cache, probeMillis: { ...cache.probeMillis, bun: 900, go: 1, php: 0 } }),
    )
    const before = host.spawns().length

    const report = await detect({ ...options, refresh: true })

    expect(host.spawns().slice(before).sort()).toEqual(["bin/bun --version", "bin/go version", "bin/php --version"])
    expect(runtimesIn(host, report).map((r) => [r.name, r.version, r.source])).toEqual([
      ["go", "1.22.1", "path"],
      ["bun", "1.0.25", "path"],
      ["php", "8.2.7", "path"],
    ])
    expect(report.problems).toEqual([])
    expect(readCache(host.cacheDir).probeMillis?.["php"]).toBeGreaterThanOrEqual(0)
  })

  it("reads a cache file written before durations were recorded", async () => {
    const host = fakeHost()
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    const options = { path: host.dir("bin"), cacheDir: host.cacheDir }
    await detect(options)
    const { probeMillis: _recorded, ...older } = readCache(host.cacheDir)
    fs.writeFileSync(path.join(host.cacheDir, CACHE_FILE), JSON.stringify(older))
    const before = host.spawns().length

    const report = await detect(options)

    expect(report.problems).toEqual([])
    expect(runtimesIn(host, report).map((r) => [r.name, r.source])).toEqual([["go", "cache"]])
    expect(host.spawns().length).toBe(before)
  })
})

describe("problems of families probed in any order", () => {
  it("reports a PATH entry that cannot be searched once, for the first family in report order", async () => {
    const host = fakeHost()
    const loop = path.join(host.root, "loop")
    fs.symlinkSync(loop, loop)
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)

    const report = await detect({ path: [loop, host.dir("bin")].join(path.delimiter), cacheDir: host.cacheDir })

    expect(report.problems.map((p) => [p.kind, p.path, p.family])).toEqual([["lookup", loop, "shell"]])
    expect(report.problems[0]!.message).toContain(`cannot search PATH entry ${loop}`)
    expect(runtimesIn(host, report).map((r) => r.name)).toEqual(["go"])
  })
})
