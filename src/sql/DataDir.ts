/**
 * The embedded database's data directory: how packsmith recognises one of its own, creates a new one, and
 * refuses everything else. A packsmith data directory holds a PostgreSQL cluster and `packsmith-data.json`,
 * written last, once the cluster is complete. So:
 * - absent: the cluster is unpacked in a private sibling directory and renamed into place, so a crash never
 *   leaves a half-made directory under the configured name;
 * - empty (e.g. a mount point, which cannot be renamed over): unpacked in place, the marker written last;
 * - marked: opened, after checking the files PostgreSQL cannot start without;
 * - anything else: refused, untouched.
 * Nothing here ever deletes or re-initialises a directory that holds data. Everything it creates is private
 * (0700 directories, 0600 files) whatever the umask.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import type { Duration, Scope } from "effect"
import { unpackClusterTarball } from "./ClusterTarball.js"
import { DataDirDamaged, DataDirNotPacksmith, DataDirUnusable } from "./DatabaseError.js"
import type { DataDirError } from "./DatabaseError.js"
import { lockDataDir } from "./DataDirLock.js"

/** Marks a complete packsmith data directory. */
export const MARKER_FILE = "packsmith-data.json"
/** Present while a directory that existed (empty) is being filled; a crash leaves it behind to say so. */
export const INITIALISING_FILE = ".packsmith-initialising"
const MARKER_FORMAT = 1

/** What PostgreSQL needs to start; any of them missing means the cluster is damaged. */
const ESSENTIAL_FILES = ["PG_VERSION", "global/pg_control", "base", "pg_wal"] as const

/**
 * Where a new directory's cluster comes from: a tarball of one (a file, or a `dumpDataDir` of PGlite), or a
 * function that makes one in the directory it is given (PGlite's initdb, slow).
 */
export type Seed =
  | { readonly file: string }
  | { readonly blob: Blob }
  | { readonly create: (directory: string) => Effect.Effect<void, DataDirUnusable> }

export interface OpenDataDirOptions {
  /** Where a new directory's cluster comes from; read only when the directory is created. */
  readonly seed: Effect.Effect<Seed, DataDirUnusable>
  /** How long to wait for another process that has the directory open. */
  readonly lockWait?: Duration.DurationInput | undefined
}

const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

type State =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Packsmith" }

/** Creates `directory` and its missing parents, each 0700 (chmod, so the umask cannot widen or narrow it). */
export const makePrivateDirectory = (directory: string): void => {
  const first = fs.mkdirSync(directory, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  for (let current = directory; ; current = path.dirname(current)) {
    fs.chmodSync(current, 0o700)
    if (current === first || current === path.dirname(current)) break
  }
}

/** Every directory under `root` (itself included) 0700, every file 0600; symlinks are left as they are. */
const makeTreePrivate = (root: string): void => {
  fs.chmodSync(root, 0o700)
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const entryPath = path.join(entry.parentPath, entry.name)
    if (entry.isDirectory()) fs.chmodSync(entryPath, 0o700)
    else if (entry.isFile()) fs.chmodSync(entryPath, 0o600)
  }
}

const writeFileAtomically = (file: string, text: string): void => {
  const partial = `${file}.${randomBytes(4).toString("hex")}.partial`
  fs.writeFileSync(partial, text, { mode: 0o600, flag: "wx" })
  fs.chmodSync(partial, 0o600)
  fs.renameSync(partial, file)
}

/** A few names, for a message about what a directory holds. */
const listed = (names: ReadonlyArray<string>) =>
  names.length <= 4 ? names.join(", ") : `${names.slice(0, 4).join(", ")} and ${names.length - 4} more`

const describeForeign = (dataDir: string, entries: ReadonlyArray<string>): string =>
  entries.includes("PG_VERSION")
    ? `a PostgreSQL cluster (${listed(entries)}) that packsmith did not create (it has no ${MARKER_FILE}; ` +
      "if a packsmith from before data directories were marked created it, mark it: " +
      `echo '{"format":1}' > ${JSON.stringify(path.join(dataDir, MARKER_FILE))})`
    : `${entries.length} ${entries.length === 1 ? "entry" : "entries"} (${listed(entries)})`

const checkMarker = (dataDir: string): string | undefined => {
  let marker: unknown
  try {
    marker = JSON.parse(fs.readFileSync(path.join(dataDir, MARKER_FILE), "utf8"))
  } catch (error) {
    return `its ${MARKER_FILE} cannot be read (${messageOf(error)})`
  }
  const format = typeof marker === "object" && marker !== null ? (marker as Record<string, unknown>)["format"] : undefined
  if (typeof format !== "number") return `its ${MARKER_FILE} is not one packsmith writes`
  if (format > MARKER_FORMAT) return `it was made by a newer packsmith (data directory format ${format}); use that version`
  return undefined
}

const inspect = (dataDir: string): Effect.Effect<State, DataDirError> =>
  Effect.gen(function*() {
    const unusable = (reason: string) => new DataDirUnusable({ dataDir, reason })
    const damaged = (problem: string) => new DataDirDamaged({ dataDir, problem })
    const info = yield* Effect.try({ try: () => fs.statSync(dataDir, { throwIfNoEntry: false }), catch: (e) => unusable(messageOf(e)) })
    if (info === undefined) return { _tag: "Absent" } as const
    if (!info.isDirectory()) return yield* unusable("it exists and is not a directory")
    yield* Effect.try({
      try: () => fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK),
      catch: () => unusable("it is not readable and writable by this user"),
    })
    const entries = yield* Effect.try({ try: () => fs.readdirSync(dataDir).sort(), catch: (e) => unusable(messageOf(e)) })
    if (entries.length === 0) return { _tag: "Empty" } as const
    if (!entries.includes(MARKER_FILE)) {
      if (entries.includes(INITIALISING_FILE)) {
        return yield* damaged(
          "packsmith stopped while creating it, before any data was written (it still has " +
            `${INITIALISING_FILE}); empty the directory and run again`,
        )
      }
      return yield* new DataDirNotPacksmith({ dataDir, found: describeForeign(dataDir, entries) })
    }
    const markerProblem = checkMarker(dataDir)
    if (markerProblem !== undefined) return yield* damaged(markerProblem)
    const missing = ESSENTIAL_FILES.filter((name) => !fs.existsSync(path.join(dataDir, name)))
    if (missing.length > 0) {
      return yield* damaged(`${listed(missing)} ${missing.length === 1 ? "is" : "are"} missing, so PostgreSQL cannot start it`)
    }
    return { _tag: "Packsmith" } as const
  })

/** Unpacks a tarball seed into `directory`. */
const unpack = async (seed: { readonly file: string } | { readonly blob: Blob }, directory: string): Promise<void> =>
  unpackClusterTarball("file" in seed ? fs.readFileSync(seed.file) : new Uint8Array(await seed.blob.arrayBuffer()), directory)

const initialise = (dataDir: string, state: State, seed: Seed): Effect.Effect<void, DataDirUnusable> => {
  const inPlace = state._tag === "Empty"
  const parent = path.dirname(dataDir)
  const siblingPrefix = `.${path.basename(dataDir)}.init-`
  const buildDir = inPlace ? dataDir : path.join(parent, `${siblingPrefix}${process.pid}-${randomBytes(4).toString("hex")}`)
  const marker = JSON.stringify({ format: MARKER_FORMAT, createdAt: new Date().toISOString() }) + "\n"
  const fail = (error: unknown) => new DataDirUnusable({ dataDir, reason: `cannot create the database: ${messageOf(error)}` })

  const prepare = Effect.try({
    try: () => {
      // We hold the lock, so any sibling build directory left here is from a process that stopped midway.
      for (const name of fs.readdirSync(parent)) {
        if (name.startsWith(siblingPrefix)) fs.rmSync(path.join(parent, name), { recursive: true, force: true })
      }
      if (inPlace) {
        fs.chmodSync(dataDir, 0o700)
        writeFileAtomically(path.join(dataDir, INITIALISING_FILE), `${process.pid}\n`)
      } else {
        fs.mkdirSync(buildDir, { mode: 0o700 })
        fs.chmodSync(buildDir, 0o700)
      }
    },
    catch: fail,
  })
  const finish = Effect.try({
    try: () => {
      makeTreePrivate(buildDir)
      writeFileAtomically(path.join(buildDir, MARKER_FILE), marker)
      if (inPlace) fs.rmSync(path.join(dataDir, INITIALISING_FILE))
      else fs.renameSync(buildDir, dataDir)
    },
    catch: fail,
  })
  // On failure, remove what this run made: the sibling, or everything in a directory that was empty before.
  const discardBuild = Effect.sync(() => {
    if (!inPlace) return fs.rmSync(buildDir, { recursive: true, force: true })
    for (const name of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, name), { recursive: true, force: true })
  })

  return Effect.gen(function*() {
    yield* prepare
    yield* "create" in seed ? seed.create(buildDir) : Effect.tryPromise({ try: () => unpack(seed, buildDir), catch: fail })
    yield* finish
  }).pipe(Effect.onError(() => discardBuild))
}

/**
 * Locks `dataDir` (an absolute path) for the scope, then opens it as it is or creates it from the seed.
 * Fails, touching nothing, when it is not a packsmith directory or is damaged.
 */
export const openDataDir = (dataDir: string, options: OpenDataDirOptions): Effect.Effect<void, DataDirError, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.try({
      try: () => makePrivateDirectory(path.dirname(dataDir)),
      catch: (error) => new DataDirUnusable({ dataDir, reason: `cannot create its parent directory: ${messageOf(error)}` }),
    })
    yield* lockDataDir(dataDir, { wait: options.lockWait })
    const state = yield* inspect(dataDir)
    if (state._tag === "Packsmith") return
    yield* initialise(dataDir, state, yield* options.seed)
  })
