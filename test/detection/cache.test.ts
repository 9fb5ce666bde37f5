import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { DetectionCacheFile } from "../../src/domain/Detection.js"
import { detect, fakeHost, runtimesIn, selfNaming } from "./stubs.js"

const CACHE_FILE = "detection-cache.json"

/** Three families, one of them behind a shim, each logging its runs. */
const hostWithStubs = () => {
  const host = fakeHost()
  host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
  host.stub("bin/java", `echo 'openjdk version "17.0.15" 2025-04-15' >&2`)
  host.stub("versions/3.12.1/bin/python3", selfNaming("Python 3.12.1"))
  host.stub("shims/python3", `exec '${host.root}/versions/3.12.1/bin/python3' "$@"`)
  const options = { path: [host.dir("shims"), host.dir("bin")].join(path.delimiter), cacheDir: host.cacheDir }
  return { host, options }
}

const versions = (host: ReturnType<typeof fakeHost>, report: Awaited<ReturnType<typeof detect>>) =>
  runtimesIn(host, report).map((r) => [r.name, r.version, r.source])

/** Moves a file's mtime forward, as an upgrade in place would. */
const touch = (file: string) => {
  const later = new Date(fs.statSync(file).mtimeMs + 60_000)
  fs.utimesSync(file, later, later)
}

describe("the probe cache", () => {
  it("answers a second detection without spawning anything", async () => {
    const { host, options } = hostWithStubs()
    const first = await detect(options)
    const spawnsAfterFirst = host.spawns()

    const second = await detect(options)

    expect(versions(host, first)).toEqual([["python3", "3.12.1", "path"], ["go", "1.22.1", "path"], ["java", "17.0.15", "path"]])
    expect(versions(host, second)).toEqual([["python3", "3.12.1", "cache"], ["go", "1.22.1", "cache"], ["java", "17.0.15", "cache"]])
    expect(runtimesIn(host, second).find((r) => r.name === "python3")).toMatchObject({
      realPath: path.join(host.root, "versions/3.12.1/bin/python3"),
      viaShim: true,
    })
    expect(spawnsAfterFirst.length).toBeGreaterThan(0)
    expect(host.spawns()).toEqual(spawnsAfterFirst)
    // The host's own /bin/bash and /bin/sh, probed first too, come from the cache as well.
    expect(second.runtimes.every((r) => r.source === "cache")).toBe(true)
    expect(second.problems).toEqual([])
  })

  it("probes again a binary whose mtime changed, and only that one", async () => {
    const { host, options } = hostWithStubs()
    await detect(options)
    const before = host.spawns().length
    touch(path.join(host.root, "bin/java"))

    const report = await detect(options)

    expect(host.spawns().slice(before)).toEqual(["bin/java -version"])
    expect(versions(host, report)).toEqual([["python3", "3.12.1", "cache"], ["go", "1.22.1", "cache"], ["java", "17.0.15", "path"]])
  })

  it("probes a shim again when the interpreter behind it changed", async () => {
    const { host, options } = hostWithStubs()
    await detect(options)
    const before = host.spawns().length
    host.stub("versions/3.12.1/bin/python3", selfNaming("Python 3.12.2"))

    const report = await detect(options)

    expect(host.spawns().slice(before).map((s) => s.split(" ")[0])).toEqual([
      "shims/python3",
      "versions/3.12.1/bin/python3",
    ])
    expect(versions(host, report)[0]).toEqual(["python3", "3.12.2", "path"])
  })

  it("probes everything again on refresh, and keeps the fresh answers", async () => {
    const { host, options } = hostWithStubs()
    await detect(options)
    const before = host.spawns().length

    const refreshed = await detect({ ...options, refresh: true })
    const spawnsAfterRefresh = host.spawns()
    const after = await detect(options)

    expect(spawnsAfterRefresh.slice(before).map((s) => s.split(" ")[0]).sort()).toEqual([
      "bin/go",
      "bin/java",
      "shims/python3",
      "versions/3.12.1/bin/python3",
    ])
    expect(versions(host, refreshed).map(([, , source]) => source)).toEqual(["path", "path", "path"])
    expect(versions(host, after).map(([, , source]) => source)).toEqual(["cache", "cache", "cache"])
    expect(host.spawns()).toEqual(spawnsAfterRefresh)
  })

  it("warns about a corrupt cache file, probes, and writes a valid one in its place", async () => {
    const { host, options } = hostWithStubs()
    fs.mkdirSync(host.cacheDir, { recursive: true })
    fs.writeFileSync(path.join(host.cacheDir, CACHE_FILE), `{"format": 1, "records": {"x": tru`)

    const report = await detect(options)
    const spawnsAfterRebuild = host.spawns()
    const next = await detect(options)

    expect(report.problems.map((p) => p.kind)).toEqual(["cache"])
    expect(report.problems[0]!.message).toContain("is corrupt")
    expect(report.problems[0]!.message).toContain("it is rebuilt")
    expect(versions(host, report)).toHaveLength(3)
    const rebuilt = Schema.decodeUnknownEither(Schema.parseJson(DetectionCacheFile))(
      fs.readFileSync(path.join(host.cacheDir, CACHE_FILE), "utf8"),
    )
    expect(Either.isRight(rebuilt)).toBe(true)
    expect(next.problems).toEqual([])
    expect(host.spawns()).toEqual(spawnsAfterRebuild)
  })

  it("treats a cache file of another format as corrupt", async () => {
    const { host, options } = hostWithStubs()
    fs.mkdirSync(host.cacheDir, { recursive: true })
    fs.writeFileSync(path.join(host.cacheDir, CACHE_FILE), JSON.stringify({ format: 2, records: {} }))

    const report = await detect(options)

    expect(report.problems.map((p) => [p.kind, p.path])).toEqual([["cache", path.join(host.cacheDir, CACHE_FILE)]])
  })

  it("leaves only the cache file behind: it is written through a temporary file and renamed", async () => {
    const { host, options } = hostWithStubs()
    await detect(options)
    expect(fs.readdirSync(host.cacheDir)).toEqual([CACHE_FILE])
  })

  it("warns when the cache cannot be written and still reports what it found", async () => {
    const { host, options } = hostWithStubs()
    const notADirectory = path.join(host.root, "occupied")
    fs.writeFileSync(notADirectory, "")

    const report = await detect({ ...options, cacheDir: path.join(notADirectory, "cache") })

    expect(versions(host, report)).toHaveLength(3)
    expect(report.problems.map((p) => p.kind)).toEqual(["cache"])
    expect(report.problems[0]!.message).toContain("cannot write the detection cache")
  })

  it("does not cache a probe that failed", async () => {
    const host = fakeHost()
    host.stub("bin/php", `echo 'php: broken' >&2; exit 1`)
    const options = { path: host.dir("bin"), cacheDir: host.cacheDir }

    await detect(options)
    const second = await detect(options)

    expect(host.spawns()).toEqual(["bin/php --version", "bin/php --version"])
    expect(second.problems.map((p) => p.kind)).toEqual(["exit-code"])
  })
})
