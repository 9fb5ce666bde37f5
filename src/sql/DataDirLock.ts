/**
 * One process per embedded data directory. PGlite takes no lock of its own, and two instances writing
 * the same files corrupt them, so `<dataDir>.lock` holds the owner's pid while the database is open.
 * A lock whose process is gone is stale and taken over.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import type { Scope } from "effect"
import { DataDirInUse, DataDirUnusable } from "./DatabaseError.js"

/** Data directories this process has open; a lock file carrying our own pid is stale unless listed here. */
const openHere = new Set<string>()

export const lockFileOf = (dataDir: string) => `${dataDir}.lock`

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

const isAlreadyExists = (error: PlatformError) => error._tag === "SystemError" && error.reason === "AlreadyExists"

/** Takes the lock for `dataDir` (an absolute path) for the lifetime of the scope. */
export const lockDataDir = (dataDir: string): Effect.Effect<void, DataDirInUse | DataDirUnusable, Scope.Scope | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const lockFile = lockFileOf(dataDir)
    const unusable = (error: PlatformError) => new DataDirUnusable({ dataDir, reason: `lock file ${lockFile}: ${error.message}` })
    const asLockError = (error: PlatformError | DataDirInUse | DataDirUnusable) =>
      error._tag === "DataDirInUse" || error._tag === "DataDirUnusable" ? error : unusable(error)
    const create = fs.writeFileString(lockFile, `${process.pid}\n`, { flag: "wx" })
    const holder = Effect.map(
      Effect.mapError(fs.readFileString(lockFile), unusable),
      (text) => /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined,
    )

    const takeOver = Effect.gen(function*() {
      const pid = yield* holder
      const heldElsewhere = pid !== undefined && pid !== process.pid && isAlive(pid)
      if (heldElsewhere || (pid === process.pid && openHere.has(dataDir))) {
        return yield* new DataDirInUse({ dataDir, pid: pid ?? process.pid })
      }
      yield* Effect.mapError(fs.remove(lockFile, { force: true }), unusable)
      // Another process may win the race for the stale lock; then it is that process's.
      yield* create.pipe(
        Effect.catchIf(isAlreadyExists, () =>
          Effect.flatMap(holder, (winner) => new DataDirInUse({ dataDir, pid: winner ?? 0 }))),
        Effect.mapError(asLockError),
      )
    })

    yield* Effect.acquireRelease(
      create.pipe(
        Effect.catchIf(isAlreadyExists, () => takeOver),
        Effect.mapError(asLockError),
        Effect.zipRight(Effect.sync(() => openHere.add(dataDir))),
      ),
      () =>
        Effect.zipRight(
          Effect.sync(() => openHere.delete(dataDir)),
          Effect.orDie(fs.remove(lockFile, { force: true })),
        ),
    )
  })
