/**
 * Finding binaries on the host: PATH entries walked with stat (never `which`), symlinks resolved, scripts
 * recognized by their shebang. node:fs is called synchronously on purpose: about 250 failed lookups through
 * the platform FileSystem cost ~17 ms (every miss builds an error with a stack), statSync ~0.5 ms.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { Data, Effect, Option } from "effect"

export interface FileStamp {
  readonly size: number
  readonly mtimeMs: number
  readonly ino: number
}

export interface Found {
  readonly path: string
  readonly stamp: FileStamp
}

export class LookupFailure extends Data.TaggedError("LookupFailure")<{
  readonly path: string
  readonly reason: string
}> {}

/** Who runs detection; the execute bit that applies depends on it. */
export interface Caller {
  readonly uid: number
  readonly gids: ReadonlySet<number>
}

export const currentCaller: Effect.Effect<Caller> = Effect.sync(() => ({
  uid: process.getuid?.() ?? -1,
  gids: new Set([...(process.getgroups?.() ?? []), process.getgid?.() ?? -1]),
}))

// ENOENT: nothing there; ENOTDIR: a PATH entry that is a file.
const ABSENT = new Set(["ENOENT", "ENOTDIR"])

const errnoCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

const isExecutableBy = (caller: Caller, stats: fs.Stats): boolean => {
  if (!stats.isFile()) return false
  if (caller.uid === 0) return (stats.mode & 0o111) !== 0
  if (stats.uid === caller.uid) return (stats.mode & 0o100) !== 0
  if (caller.gids.has(stats.gid)) return (stats.mode & 0o010) !== 0
  return (stats.mode & 0o001) !== 0
}

const stampOf = (stats: fs.Stats): FileStamp => ({ size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino })

/** The file a path leads to (symlinks followed); none when nothing is there. */
export const statFile = (file: string): Effect.Effect<Option.Option<fs.Stats>, LookupFailure> =>
  Effect.suspend(() => {
    const stats = statOrFailure(file)
    return stats instanceof LookupFailure ? Effect.fail(stats) : Effect.succeed(Option.fromNullable(stats))
  })

export const stampFile = (file: string): Effect.Effect<Option.Option<FileStamp>, LookupFailure> =>
  Effect.map(statFile(file), Option.map(stampOf))

/** An executable regular file at exactly this path, if there is one. */
export const findExecutable = (caller: Caller, file: string): Effect.Effect<Option.Option<Found>, LookupFailure> =>
  Effect.map(statFile(file), (stats) =>
    Option.isSome(stats) && isExecutableBy(caller, stats.value)
      ? Option.some({ path: file, stamp: stampOf(stats.value) })
      : Option.none())

/**
 * The first executable named `name` in the PATH directories, as the shell would pick it. A directory that
 * cannot be examined is reported and skipped, like the shell skips it.
 */
/** stat that says "nothing there" for ENOENT/ENOTDIR and why for anything else. */
const statOrFailure = (file: string): fs.Stats | undefined | LookupFailure => {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })
  } catch (error) {
    return ABSENT.has(errnoCode(error) ?? "") ? undefined : new LookupFailure({ path: file, reason: describe(error) })
  }
}

/**
 * The first executable `name` in `directories`, and why entries could not be searched. One plain loop of
 * stats: it runs for every family while the slowest probe is running, so its CPU is taken from that probe.
 */
export const findOnPath = (
  caller: Caller,
  name: string,
  directories: ReadonlyArray<string>,
): Effect.Effect<{ readonly found: Option.Option<Found>; readonly failures: ReadonlyArray<LookupFailure> }> =>
  Effect.sync(() => {
    const failures: Array<LookupFailure> = []
    for (const directory of directories) {
      const file = nodePath.join(directory, name)
      const stats = statOrFailure(file)
      if (stats instanceof LookupFailure) failures.push(stats)
      else if (stats !== undefined && isExecutableBy(caller, stats)) return { found: Option.some({ path: file, stamp: stampOf(stats) }), failures }
    }
    return { found: Option.none<Found>(), failures }
  })

/** PATH split into absolute, distinct directories; empty and relative entries would make lookups depend on the cwd. */
export const pathDirectories = (value: string): ReadonlyArray<string> => [
  ...new Set(
    value.split(nodePath.delimiter).filter((entry) => nodePath.isAbsolute(entry)).map((entry) => nodePath.resolve(entry)),
  ),
]

export const realPathOf = (file: string): Effect.Effect<string, LookupFailure> =>
  Effect.try({
    try: () => fs.realpathSync.native(file),
    catch: (error) => new LookupFailure({ path: file, reason: describe(error) }),
  })

/**
 * Whether the file starts with `#!`. A file we cannot read is not a script we could run anyway: the
 * interpreter named in a shebang has to read the script, so an unreadable file answers false.
 */
export const isScript = (file: string): Effect.Effect<boolean> =>
  Effect.acquireUseRelease(
    Effect.try(() => fs.openSync(file, "r")),
    (fd) =>
      Effect.try(() => {
        const head = Buffer.alloc(2)
        return fs.readSync(fd, head, 0, 2, 0) === 2 && head.toString("latin1") === "#!"
      }),
    (fd) => Effect.try(() => fs.closeSync(fd)).pipe(Effect.orDie),
  ).pipe(Effect.orElseSucceed(() => false))

/** True when a binary sits in a version manager's shim directory (pyenv, rbenv, asdf, nodenv, jenv, mise). */
export const isInShimDirectory = (file: string): boolean => nodePath.basename(nodePath.dirname(file)) === "shims"
