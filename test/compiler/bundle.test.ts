import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { BundleDigestMismatch, InvalidBundle, UnsupportedBundleFormat, verifyBundle } from "../../src/domain/Bundle.js"
import { FIXTURES, compileOk } from "./helpers.js"

const bundleJson = async () => JSON.parse(JSON.stringify((await compileOk([path.join(FIXTURES, "every-kind")])).bundle))

describe("verifyBundle", () => {
  it("accepts an untouched bundle, envelope fields outside the digest may change", async () => {
    const bundle = await bundleJson()
    bundle.revision = 7
    bundle.workspace = "elsewhere"
    bundle.created_at = "2031-01-01T00:00:00.000Z"
    expect(Either.isRight(verifyBundle(bundle))).toBe(true)
  })

  it("detects a body that no longer matches its digest", async () => {
    const bundle = await bundleJson()
    bundle.body.packs.core.actions["core.echo"].description = "tampered"
    const result = verifyBundle(bundle)
    expect(Either.isLeft(result) && result.left).toBeInstanceOf(BundleDigestMismatch)
    if (Either.isLeft(result) && result.left._tag === "BundleDigestMismatch") expect(result.left.declared).toBe(bundle.digest)
  })

  it("rejects other formats and malformed envelopes", async () => {
    const bundle = await bundleJson()
    const other = verifyBundle({ ...bundle, format: "packsmith.bundle/v2" })
    expect(Either.isLeft(other) && other.left).toBeInstanceOf(UnsupportedBundleFormat)
    const malformed = verifyBundle({ ...bundle, digest: "md5:abc" })
    expect(Either.isLeft(malformed) && malformed.left).toBeInstanceOf(InvalidBundle)
    expect(Either.isLeft(verifyBundle("nope"))).toBe(true)
  })

  it("detects a blob that does not hash to its key, or a missing blob", async () => {
    const bundle = await bundleJson()
    const [hash] = Object.keys(bundle.blobs)
    bundle.blobs[hash!] = Buffer.from("evil").toString("base64")
    const result = verifyBundle(bundle)
    expect(Either.isLeft(result) && result.left).toBeInstanceOf(InvalidBundle)
    const missing = await bundleJson()
    delete missing.blobs[hash!]
    expect(Either.isLeft(verifyBundle(missing))).toBe(true)
  })
})

describe("canonicalJson", () => {
  it("is byte-identical to the canonicalize package (RFC 8785) on JSON values", async () => {
    const { default: fc } = await import("fast-check")
    const canonicalizeModule = await import("canonicalize")
    const reference = ((canonicalizeModule as unknown as { default: (v: unknown) => string }).default)
    const { canonicalJson } = await import("../../src/domain/Bundle.js")
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(canonicalJson(value)).toBe(reference(value))
    }), { numRuns: 500 })
    expect(canonicalJson({ b: 1, a: [1e21, 0.1, -0, "é\u2028"], "\u00e9": null, A: true })).toBe(reference({ b: 1, a: [1e21, 0.1, -0, "é\u2028"], "\u00e9": null, A: true }))
  })
})

describe("canonicalJson on objects with array-index keys", () => {
  it("orders \"10\" before \"9\" as RFC 8785 requires", async () => {
    const { canonicalJson } = await import("../../src/domain/Bundle.js")
    expect(canonicalJson({ "9": "b", "10": "a", x: { "200": 1, "1": 2 } })).toBe('{"10":"a","9":"b","x":{"1":2,"200":1}}')
  })
})
