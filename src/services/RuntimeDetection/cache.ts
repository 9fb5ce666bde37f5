/**
 * The probe cache: `<cacheDir>/detection-cache.json`, one record per probed binary, valid while the binary
 * (and a shim's target) keeps its size, mtime and inode, and per family how long its probes last took, which
 * orders the next detection (refresh included). Read once per detection, written atomically
 * (temp file + rename) only when something new was probed. A cache that cannot be used is a warning.
 * Switching a version manager to another version (`pyenv global 3.12`) changes neither the shim nor the
 * interpreter it used to select, so it needs a refresh.
 * node:fs is called synchronously: a warm detection is one small read plus stats, and four asynchronous
 * file operations (open, stat, read, close) would cost it more than the whole of its other work.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { Data, Effect, Either, ParseResult, Schema } from "effect"
import { DetectionCacheFile, type DetectionCacheRecord, DetectionProblem } from "../../domain/Detection.js"
import type { FileStamp } from "./locate.js"

export const CACHE_FILE_NAME = "detection-cache.json"
export const DEFAULT_CACHE_DIR = ".packsmith/cache"

const decodeCacheFile = Schema.decodeUnknownEither(Schema.parseJson(DetectionCacheFile))
/**
 * The file's schema has no transformations, so its encoded form is the value itself: JSON.stringify writes it
 * without a walk through the schema, after the slowest probe, when every millisecond is the caller's.
 */
const encodeCacheFile = (contents: typeof DetectionCacheFile.Encoded): string => JSON.stringify(contents, null, 1)

class CacheIoError extends Data.TaggedError("CacheIoError")<{ readonly code: string | undefined; readonly message: string }> {}

const cacheIo = <A>(operation: () => A): Effect.Effect<A, CacheIoError> =>
  Effect.try({
    try: operation,
    catch: (error) =>
      new CacheIoError({
        code: typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
          ? error.code
          : undefined,
        message: error instanceof Error ? error.message : String(error),
      }),
  })

export interface CacheContents {
  readonly records: ReadonlyMap<string, DetectionCacheRecord>
  /** Per family, how long its probes last took; see DetectionCacheFile. */
  readonly probeMillis: ReadonlyMap<string, number>
}

export interface LoadedCache extends CacheContents {
  /** Set when the file existed but could not be used; the cache is then rebuilt from scratch. */
  readonly problem?: DetectionProblem
}

const EMPTY: CacheContents = { records: new Map(), probeMillis: new Map() }

const cacheProblem = (file: string, message: string) => new DetectionProblem({ kind: "cache", message, path: file })

export const loadCache = (file: string): Effect.Effect<LoadedCache> =>
  Effect.gen(function* () {
    const text = yield* Effect.either(cacheIo(() => fs.readFileSync(file, "utf8")))
    if (Either.isLeft(text)) {
      // Nothing cached yet; when the directory cannot exist either, writing it says why.
      if (text.left.code === "ENOENT" || text.left.code === "ENOTDIR") return EMPTY
      return {
        ...EMPTY,
        problem: cacheProblem(file, `cannot read the detection cache ${file} (${text.left.message}); probing everything`),
      }
    }
    const decoded = decodeCacheFile(text.right)
    if (Either.isLeft(decoded)) {
      const why = ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n")[0] ?? "invalid"
      return {
        ...EMPTY,
        problem: cacheProblem(file, `the detection cache ${file} is corrupt (${why}); it is rebuilt`),
      }
    }
    return {
      records: new Map(Object.entries(decoded.right.records)),
      probeMillis: new Map(Object.entries(decoded.right.probeMillis ?? {})),
    }
  })

/** Writes the whole cache next to its final name, then renames it over, so readers never see half a file. */
export const saveCache = (file: string, contents: CacheContents): Effect.Effect<DetectionProblem | undefined> =>
  Effect.gen(function* () {
    const temporary = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`
    const body = encodeCacheFile({
      format: 1,
      records: Object.fromEntries(contents.records),
      probeMillis: Object.fromEntries(contents.probeMillis),
    })
    const written = yield* Effect.either(
      cacheIo(() => fs.mkdirSync(nodePath.dirname(file), { recursive: true })).pipe(
        Effect.zipRight(cacheIo(() => fs.writeFileSync(temporary, body))),
        Effect.zipRight(cacheIo(() => fs.renameSync(temporary, file))),
      ),
    )
    if (Either.isRight(written)) return undefined
    const cleanup = yield* Effect.either(cacheIo(() => fs.rmSync(temporary, { force: true })))
    const leftover = Either.isLeft(cleanup)
      ? `; the temporary file ${temporary} was left behind (${cleanup.left.message})`
      : ""
    return cacheProblem(file, `cannot write the detection cache ${file} (${written.left.message})${leftover}`)
  })

/** A record still describes a file when its size, mtime and inode are those recorded when it was probed. */
export const stampMatches = (
  recorded: { readonly size: number; readonly mtimeMs: number; readonly ino: number },
  current: FileStamp,
): boolean => recorded.size === current.size && recorded.mtimeMs === current.mtimeMs && recorded.ino === current.ino

export const detectKey = (realPath: string, name: string): string => `detect\u0000${realPath}\u0000${name}`
export const verifyKey = (realPath: string, name: string, args: ReadonlyArray<string>): string =>
  `verify\u0000${realPath}\u0000${name}\u0000${args.join("\u0000")}`
