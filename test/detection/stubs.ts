/**
 * Fake hosts for detection tests: directories of stub interpreters (small sh scripts that answer the way the
 * real ones do) and a log that every stub appends to when it runs, so a test can count spawns.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "@effect/vitest"
import { Effect } from "effect"
import type { DetectionReport } from "../../src/domain/Detection.js"
import type { Runtime, VerificationCommand } from "../../src/domain/Runtime.js"
import { type DetectOptions, RuntimeDetection } from "../../src/services/RuntimeDetection.js"

export interface FakeHost {
  readonly root: string
  /** Each stub appends "<its path> <its args>" here when it runs. */
  readonly spawnLog: string
  readonly cacheDir: string
  /** Writes an executable sh script (the body runs after the spawn is logged); returns its path. */
  readonly stub: (relativePath: string, body: string) => string
  /** The stubs that ran so far, in order, as "<path relative to root> <args>". */
  readonly spawns: () => ReadonlyArray<string>
  readonly dir: (relativePath: string) => string
}

const createdRoots: Array<string> = []
afterAll(() => {
  for (const root of createdRoots) fs.rmSync(root, { recursive: true, force: true })
})

export const fakeHost = (): FakeHost => {
  // realpath: on some hosts the temp directory itself is behind a symlink.
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-detect-")))
  createdRoots.push(root)
  const spawnLog = path.join(root, "spawns.log")
  fs.writeFileSync(spawnLog, "")
  const dir = (relativePath: string) => {
    const absolute = path.join(root, relativePath)
    fs.mkdirSync(absolute, { recursive: true })
    return absolute
  }
  return {
    root,
    spawnLog,
    cacheDir: path.join(root, "cache"),
    dir,
    stub: (relativePath, body) => {
      const file = path.join(dir(path.dirname(relativePath)), path.basename(relativePath))
      fs.writeFileSync(file, `#!/bin/sh\necho "$0 $*" >> '${spawnLog}'\n${body}\n`, { mode: 0o755 })
      return file
    },
    spawns: () =>
      fs.readFileSync(spawnLog, "utf8").split("\n").filter((line) => line !== "").map((line) =>
        line.startsWith(root) ? line.slice(root.length + 1) : line),
  }
}

/** A stub interpreter that names itself when asked for its executable, like a real one does. */
export const selfNaming = (versionLine: string, versionOutput = versionLine): string => `case "$1" in
  -S|-p|-e) printf '%s\\n%s\\n' "$0" '${versionLine}' ;;
  *) printf '%s\\n' '${versionOutput}' ;;
esac`

export const detect = (options: DetectOptions): Promise<DetectionReport> =>
  Effect.runPromise(
    Effect.flatMap(RuntimeDetection, (detection) => detection.detect(options)).pipe(
      Effect.provide(RuntimeDetection.Default),
    ),
  )

/** Runtimes found under the fake host; the preferred /bin/bash and /bin/sh of the real host are left out. */
export const runtimesIn = (host: FakeHost, report: DetectionReport) =>
  report.runtimes.filter((runtime) => runtime.path.startsWith(host.root))

export const template = (
  ref: string,
  name: string,
  verification: {
    readonly commands?: ReadonlyArray<VerificationCommand>
    readonly always_available?: boolean
    readonly check_required?: boolean
  },
  aliases: ReadonlyArray<string> = [],
): Runtime => ({
  ref,
  pack_ref: ref.split(".")[0]!,
  name,
  aliases,
  distributions: { verification },
  execution_config: {},
  versions: [],
})
