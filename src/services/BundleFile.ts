/**
 * Reads a bundle file from disk with a size bound and verifies it before anything trusts it:
 * too large, truncated JSON, unknown format, digest mismatch and bad blobs are each a typed error.
 */
import { FileSystem } from "@effect/platform"
import { Effect, Either, Schema } from "effect"
import { verifyBundle } from "../domain/Bundle.js"

/** Large enough for thousands of packs with their scripts; a bundle past it is refused before it is read. */
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024

export class BundleTooLarge extends Schema.TaggedError<BundleTooLarge>()("BundleTooLarge", {
  path: Schema.String,
  size: Schema.Number,
  limit: Schema.Number,
}) {
  override get message() {
    return `${this.path}: bundle is ${this.size} bytes, over the ${this.limit}-byte limit; split the workspace or raise the limit`
  }
}

export class BundleNotReadable extends Schema.TaggedError<BundleNotReadable>()("BundleNotReadable", {
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.path}: cannot read bundle: ${this.reason}`
  }
}

export class MalformedBundleJson extends Schema.TaggedError<MalformedBundleJson>()("MalformedBundleJson", {
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.path}: not a complete JSON document (truncated or corrupt): ${this.reason}`
  }
}

const parseJson = (text: string): Either.Either<unknown, string> => {
  try {
    return Either.right(JSON.parse(text) as unknown)
  } catch (error) {
    return Either.left(error instanceof Error ? error.message : String(error))
  }
}

/** Parses and verifies bundle JSON text that came from anywhere (file, HTTP body). */
export const decodeBundleText = (text: string, origin: string) =>
  Effect.gen(function* () {
    const parsed = parseJson(text)
    if (Either.isLeft(parsed)) return yield* new MalformedBundleJson({ path: origin, reason: parsed.left })
    return yield* verifyBundle(parsed.right)
  })

export const readBundleFile = Effect.fn("BundleFile.read")(function* (
  path: string,
  options: { readonly maxBytes?: number } = {},
) {
  const fs = yield* FileSystem.FileSystem
  const limit = options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES
  const info = yield* fs.stat(path).pipe(
    Effect.mapError((error) => new BundleNotReadable({ path, reason: error.message })),
  )
  if (info.type !== "File") return yield* new BundleNotReadable({ path, reason: `it is a ${info.type.toLowerCase()}, not a file` })
  const size = Number(info.size)
  if (size > limit) return yield* new BundleTooLarge({ path, size, limit })
  const text = yield* fs.readFileString(path).pipe(
    Effect.mapError((error) => new BundleNotReadable({ path, reason: error.message })),
  )
  return yield* decodeBundleText(text, path)
})
