/**
 * One process per embedded data directory. PGlite takes no lock of its own, and two instances writing the
 * same files corrupt them, so `<dataDir>.lock` names its owner while the database is open. The lock is taken
 * before anything looks at the directory, so two processes opening a new directory never both initialise it.
 *
 * The lock file is created complete or not at all (written under a temporary name, then hard-linked into
 * place: `link` fails if the name exists), so a reader never sees a half-written owner. A lock whose owner is
 * gone is stale; it is removed only by the holder of `<dataDir>.lock.break`, after reading it again, so two
 * processes breaking the same stale lock cannot remove the lock a third has just taken.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { Console, Duration, Effect } from "effect"
import type { Scope } from "effect"
import { DataDirInUse, DataDirUnusable } from "./DatabaseError.js"

/** Data directories this process has open; a lock naming our own pid is stale unless listed here. */
const openHere = new Set<string>()

export const lockFileOf = (dataDir: string) => `${dataDir}.lock`
const breakerOf = (dataDir: string) => `${dataDir}.lock.break`

export interface LockOptions {
  /** How long to wait for another process to close the directory before failing (default 10 s). */
  readonly wait?: Duration.DurationInput | undefined
}

const DEFAULT_WAIT = Duration.seconds(10)
const POLL = Duration.millis(100)
/** Waiting longer than this is said on stderr, so a command never waits in silence. */
const SAY_AFTER = Duration.seconds(1)

interface Owner {
  readonly pid: number
  /** Distinguishes two owners with the same pid (a pid reused after a crash or a container restart). */
  readonly token: string
}

const ownerText = (owner: Owner) => `${owner.pid}\n${owner.token}\n`

const parseOwner = (text: string): Owner | undefined => {
  const [pid, token = ""] = text.split("\n")
  return pid !== undefined && /^\d+$/.test(pid) ? { pid: Number(pid), token } : undefined
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code

/** Creates `file` holding `text`, mode 0600, atomically; false when it already exists. */
const createExclusive = (file: string, text: string): boolean => {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`
  fs.writeFileSync(partial, text, { mode: 0o600, flag: "wx" })
  try {
    fs.chmodSync(partial, 0o600)
    fs.linkSync(partial, file)
    return true
  } catch (error) {
    if (errnoOf(error) === "EEXIST") return false
    throw error
  } finally {
    fs.rmSync(partial, { force: true })
  }
}

/** The text of `file`, or undefined when it does not exist. */
const readIfExists = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8")
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined
    throw error
  }
}

type Attempt =
  | { readonly _tag: "Acquired" }
  | { readonly _tag: "Held"; readonly owner: Owner; readonly here: boolean }
  | { readonly _tag: "Retry" }
  | { readonly _tag: "BreakerLeft"; readonly file: string; readonly pid: number }

/**
 * One synchronous try: no other fiber of this process runs in between, so `openHere` always agrees with
 * the lock files this process has created.
 */
const tryLock = (dataDir: string, mine: Owner): Attempt => {
  const lockFile = lockFileOf(dataDir)
  if (createExclusive(lockFile, ownerText(mine))) {
    openHere.add(dataDir)
    return { _tag: "Acquired" }
  }
  const seen = readIfExists(lockFile)
  if (seen === undefined) return { _tag: "Retry" }
  const owner = parseOwner(seen)
  if (owner !== undefined && owner.pid === process.pid && openHere.has(dataDir)) return { _tag: "Held", owner, here: true }
  if (owner !== undefined && owner.pid !== process.pid && isAlive(owner.pid)) return { _tag: "Held", owner, here: false }

  // Stale (its process is gone, or it is unreadable): remove it under the breaker lock, if it is still the same file.
  const breaker = breakerOf(dataDir)
  if (!createExclusive(breaker, ownerText(mine))) {
    const text = readIfExists(breaker)
    const other = text === undefined ? undefined : parseOwner(text)
    // Gone already, or its breaker is still at work: look again.
    if (text === undefined || (other !== undefined && isAlive(other.pid))) return { _tag: "Retry" }
    return { _tag: "BreakerLeft", file: breaker, pid: other?.pid ?? 0 }
  }
  try {
    if (readIfExists(lockFile) === seen) fs.rmSync(lockFile, { force: true })
  } finally {
    fs.rmSync(breaker, { force: true })
  }
  return { _tag: "Retry" }
}

const release = (dataDir: string, mine: Owner) => {
  openHere.delete(dataDir)
  // Only our own lock: a stale-lock breaker never removes a lock whose owner is alive, so it is still ours.
  if (readIfExists(lockFileOf(dataDir)) === ownerText(mine)) fs.rmSync(lockFileOf(dataDir), { force: true })
}

/** Takes the lock for `dataDir` (an absolute path) for the lifetime of the scope, waiting a while for another process. */
export const lockDataDir = (
  dataDir: string,
  options: LockOptions = {},
): Effect.Effect<void, DataDirInUse | DataDirUnusable, Scope.Scope> =>
  Effect.gen(function*() {
    const mine: Owner = { pid: process.pid, token: randomBytes(8).toString("hex") }
    const unusable = (error: unknown) =>
      new DataDirUnusable({
        dataDir,
        reason: `cannot create its lock file ${lockFileOf(dataDir)}: ${error instanceof Error ? error.message : String(error)}`,
      })
    const attempt = Effect.try({ try: () => tryLock(dataDir, mine), catch: unusable })
    const deadline = Date.now() + Duration.toMillis(options.wait ?? DEFAULT_WAIT)
    const sayAt = Date.now() + Duration.toMillis(SAY_AFTER)
    let said = false

    const acquire = Effect.gen(function*() {
      while (true) {
        const result = yield* attempt
        switch (result._tag) {
          case "Acquired":
            return
          case "Retry":
            // Another process is between two steps (breaking a stale lock, releasing): let it finish.
            yield* Effect.interruptible(Effect.sleep(Duration.millis(1)))
            continue
          case "BreakerLeft":
            return yield* new DataDirUnusable({
              dataDir,
              reason: `process ${result.pid} stopped while removing a stale lock and left ${result.file}; ` +
                "remove that file (no process uses it) and run again",
            })
          case "Held": {
            if (result.here || Date.now() >= deadline) return yield* new DataDirInUse({ dataDir, pid: result.owner.pid })
            if (!said && Date.now() >= sayAt) {
              said = true
              yield* Console.error(`packsmith: waiting for process ${result.owner.pid}, which has the embedded database ${dataDir} open ...`)
            }
            // Only the wait is interruptible: an attempt either takes the lock, and registers its release, or not.
            yield* Effect.interruptible(Effect.sleep(POLL))
          }
        }
      }
    })

    yield* Effect.acquireRelease(acquire, () => Effect.orDie(Effect.try(() => release(dataDir, mine))))
  })
