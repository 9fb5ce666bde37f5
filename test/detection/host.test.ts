/**
 * Detection on this machine, with the real PATH. Expectations are computed from the machine itself (which
 * files exist, what the interpreters say when asked directly), so the suite holds on any host.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import type { DetectionReport } from "../../src/domain/Detection.js"
import { detect } from "./stubs.js"

/** The first executable file named `name` on PATH, as a shell would pick it. */
const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? "").split(path.delimiter).filter((dir) => path.isAbsolute(dir))
    .map((dir) => path.join(dir, name))
    .find((file) => fs.existsSync(file) && fs.statSync(file).isFile() && (fs.statSync(file).mode & 0o111) !== 0)

const foundAt = (report: DetectionReport, file: string) => report.runtimes.find((r) => r.path === file)

describe("detection on this machine", () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-host-detect-"))
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }))
  const reports = { cold: undefined as DetectionReport | undefined }
  const cold = async () => (reports.cold ??= await detect({ cacheDir, refresh: true }))

  it("finds the node that runs this test, with its version", async () => {
    const report = await cold()
    const node = onPath("node")
    expect(node).toBeDefined()
    const detected = foundAt(report, node!)
    expect(detected).toMatchObject({ family: "node", name: "node" })
    if (fs.realpathSync(node!) === fs.realpathSync(process.execPath)) {
      expect(detected?.version).toBe(process.versions.node)
    } else {
      expect(detected?.version).toBe(execFileSync(node!, ["-p", "process.versions.node"], { encoding: "utf8" }).trim())
    }
  })

  it("finds /bin/sh as a shell", async () => {
    const report = await cold()
    expect(fs.existsSync("/bin/sh")).toBe(true)
    expect(foundAt(report, "/bin/sh")).toMatchObject({ family: "shell", name: "sh", realPath: fs.realpathSync("/bin/sh") })
  })

  const python3 = onPath("python3")
  it.runIf(python3 !== undefined)("finds python3 with the version it reports itself, through its shim if it has one", async () => {
    const report = await cold()
    const detected = foundAt(report, python3!)
    const says = execFileSync(python3!, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" })
    // Versions are dotted numbers: 3.13.0rc1 is reported as 3.13.0.
    expect(detected).toMatchObject({ family: "python", name: "python3", version: /^\d+\.\d+\.\d+/.exec(says)?.[0] })
    const realExecutable = execFileSync(python3!, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim()
    expect(detected?.realPath).toBe(fs.realpathSync(realExecutable))
    expect(detected?.viaShim === true).toBe(fs.realpathSync(realExecutable) !== fs.realpathSync(python3!))
  })

  const perl = onPath("perl")
  it.runIf(perl !== undefined)("finds perl with the version it reports itself", async () => {
    const report = await cold()
    const says = execFileSync(perl!, ["-e", "print $^V"], { encoding: "utf8" }).trim().replace(/^v/, "")
    expect(foundAt(report, perl!)).toMatchObject({ family: "perl", version: says })
  })

  it("answers a second detection from the cache with the same runtimes", async () => {
    const first = await cold()
    const second = await detect({ cacheDir })
    expect(second.runtimes.map((r) => [r.family, r.path, r.realPath, r.version])).toEqual(
      first.runtimes.map((r) => [r.family, r.path, r.realPath, r.version]),
    )
    expect(second.runtimes.every((r) => r.source === "cache")).toBe(true)
  })
})
