/**
 * The compiled, content-addressed form of a set of packs. `digest` covers only `body` (RFC 8785 canonical
 * JSON, sha256); the envelope around it (workspace, revision, created_at, provenance, blobs) does not.
 */
import { createHash } from "node:crypto"
import { Either, ParseResult, Schema } from "effect"
import { Action } from "./Action.js"
import { AgentManifest } from "./AgentManifest.js"
import { bodyInvariantIssues, envelopeShapeIssues } from "./BundleInvariants.js"
import { pointerJoin, pointerOf } from "./JsonPointer.js"
import { PackManifest } from "./Pack.js"
import { PermissionSet } from "./PermissionSet.js"
import { Digest } from "./Refs.js"
import { Rule } from "./Rule.js"
import { Runtime } from "./Runtime.js"
import { RuntimeProfile } from "./RuntimeProfile.js"
import { Sensor } from "./Sensor.js"
import { opt } from "./SourceFields.js"
import { Trigger } from "./Trigger.js"
import { WorkQueue } from "./WorkQueue.js"
import { Workflow } from "./Workflow.js"

export const BUNDLE_FORMAT = "packsmith.bundle/v1"
export const BundleFormat = Schema.Literal(BUNDLE_FORMAT)

const byRef = <S extends Schema.Schema.Any>(component: S) => Schema.Record({ key: Schema.String, value: component })

/** Every compiled part of one pack, each map keyed by the component's ref. */
export const PackBundle = Schema.Struct({
  manifest: PackManifest,
  runtimes: byRef(Runtime),
  actions: byRef(Action),
  triggers: byRef(Trigger),
  sensors: byRef(Sensor),
  rules: byRef(Rule),
  workflows: byRef(Workflow),
  profiles: byRef(RuntimeProfile),
  agents: byRef(AgentManifest),
  permission_sets: byRef(PermissionSet),
  queues: byRef(WorkQueue),
}).pipe(Schema.annotations({ identifier: "PackBundle" }))
export type PackBundle = typeof PackBundle.Type

/** The component maps of a PackBundle, in the order they are emitted. */
export const PACK_SECTIONS = [
  "runtimes", "actions", "triggers", "sensors", "rules", "workflows", "profiles", "agents", "permission_sets", "queues",
] as const
export type PackSection = (typeof PACK_SECTIONS)[number]

export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/
export const Sha256Hex = Schema.String.pipe(Schema.pattern(SHA256_HEX_PATTERN, { message: () => "expected 64 lowercase hex digits" }))

/** A file a pack references (entry point script). Mode is normalized from the exec bit: 0o755 or 0o644. */
export const BundleFile = Schema.Struct({
  sha256: Sha256Hex,
  size: Schema.Int.pipe(Schema.nonNegative()),
  mode: Schema.Literal(0o755, 0o644),
}).pipe(Schema.annotations({ identifier: "BundleFile" }))
export type BundleFile = typeof BundleFile.Type

export const BundleBody = Schema.Struct({
  format: BundleFormat,
  packs: Schema.Record({ key: Schema.String, value: PackBundle }),
  /** Keyed by `<pack>/<path relative to the pack>`. */
  files: Schema.Record({ key: Schema.String, value: BundleFile }),
}).pipe(Schema.annotations({ identifier: "BundleBody" }))
export type BundleBody = typeof BundleBody.Type

export const Provenance = Schema.Struct({
  compiler_version: Schema.String,
  /** Where the sources came from, relative to the compiling directory; never an absolute host path. */
  source_root: Schema.String,
  vcs_commit: opt(Schema.String),
}).pipe(Schema.annotations({ identifier: "Provenance" }))
export type Provenance = typeof Provenance.Type

export const BundleEnvelope = Schema.Struct({
  format: BundleFormat,
  digest: Digest,
  workspace: Schema.String,
  /** Assigned by the registry when it stores the bundle. */
  revision: opt(Schema.Int.pipe(Schema.nonNegative())),
  created_at: Schema.String,
  provenance: Provenance,
  body: BundleBody,
  /** File bytes keyed by their sha256 (hex), base64-encoded. */
  blobs: Schema.Record({ key: Sha256Hex, value: Schema.String }),
}).pipe(Schema.annotations({ identifier: "BundleEnvelope" }))
export type BundleEnvelope = typeof BundleEnvelope.Type

export class BundleDigestMismatch extends Schema.TaggedError<BundleDigestMismatch>()("BundleDigestMismatch", {
  /** The digest the envelope claims. */
  declared: Schema.String,
  /** The digest of the body as received. */
  actual: Schema.String,
}) {
  override get message() {
    return `bundle digest mismatch: envelope says ${this.declared}, body hashes to ${this.actual}`
  }
}

export class UnsupportedBundleFormat extends Schema.TaggedError<UnsupportedBundleFormat>()("UnsupportedBundleFormat", {
  format: Schema.String,
  supported: Schema.Array(Schema.String),
}) {
  override get message() {
    return `unsupported bundle format ${JSON.stringify(this.format)}; supported: ${this.supported.join(", ")}`
  }
}

/** How many issues a message lists; the error itself carries every one. */
const LISTED_ISSUES = 20

export class InvalidBundle extends Schema.TaggedError<InvalidBundle>()("InvalidBundle", {
  reason: Schema.String,
  /** `path`: where the problem is; the verifier names it by RFC 6901 pointer into the envelope. */
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })),
}) {
  override get message() {
    if (this.issues.length === 0) return `invalid bundle: ${this.reason}`
    const [first] = this.issues
    if (this.issues.length === 1) return `invalid bundle: ${this.reason} (${first!.path}: ${first!.message})`
    const listed = this.issues.slice(0, LISTED_ISSUES).map((issue) => `\n  ${issue.path}: ${issue.message}`).join("")
    const more = this.issues.length > LISTED_ISSUES ? `\n  … and ${this.issues.length - LISTED_ISSUES} more` : ""
    return `invalid bundle: ${this.reason} (${this.issues.length} problems):${listed}${more}`
  }
}

export type BundleVerificationError = BundleDigestMismatch | UnsupportedBundleFormat | InvalidBundle

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const serialize = (value: unknown): string => {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`${value} has no JSON representation`)
    // ECMAScript number-to-string is the RFC 8785 number format.
    return JSON.stringify(value)
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null"
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return serialize((value as { toJSON: () => unknown }).toJSON())
  if (Array.isArray(value)) {
    let text = "["
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      text += (i === 0 ? "" : ",") + (item === undefined || typeof item === "symbol" ? "null" : serialize(item))
    }
    return text + "]"
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort(byCodeUnits)
  let text = "{"
  let first = true
  for (const key of keys) {
    const item = record[key]
    if (item === undefined || typeof item === "symbol" || typeof item === "function") continue
    text += (first ? "" : ",") + JSON.stringify(key) + ":" + serialize(item)
    first = false
  }
  return text + "}"
}

const INDEX_KEY = /^(0|[1-9]\d*)$/

/**
 * A copy whose objects have their keys inserted in sorted order, so JSON.stringify emits canonical text;
 * undefined when an object has an array-index key (engines enumerate those numerically, not by insertion).
 */
const sortedCopy = (value: unknown): unknown => {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`${value} has no JSON representation`)
    return value
  }
  if (value === null || typeof value !== "object") return value
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return sortedCopy((value as { toJSON: () => unknown }).toJSON())
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) {
      const item = sortedCopy(value[i])
      if (item === INDEX_KEYS) return INDEX_KEYS
      out[i] = item
    }
    return out
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort(byCodeUnits)
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    // An own "__proto__" member cannot be copied by assignment (it would set the prototype).
    if (INDEX_KEY.test(key) || key === "__proto__") return INDEX_KEYS
    const item = sortedCopy(record[key])
    if (item === INDEX_KEYS) return INDEX_KEYS
    out[key] = item
  }
  return out
}
const INDEX_KEYS: unknown = Symbol("index keys")

/**
 * RFC 8785 canonical JSON of a JSON value: members sorted by UTF-16 code units, ECMAScript number and string
 * serialization. Byte-identical to the `canonicalize` package (a property test holds them together), faster.
 * Throws a RangeError for NaN or Infinity, which have no JSON form.
 */
export const canonicalJson = (value: unknown): string => {
  const copy = sortedCopy(value)
  return copy === INDEX_KEYS ? serialize(value) : JSON.stringify(copy) ?? "null"
}

export const sha256Hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex")

/** `sha256:` + hex sha256 of the body's canonical JSON. */
export const computeBundleDigest = (body: BundleBody): Digest => digestOfCanonicalBody(canonicalJson(body))

/** The digest of an already canonical body text (the compiler assembles it from cached fragments). */
export const digestOfCanonicalBody = (canonicalBody: string): Digest => `sha256:${sha256Hex(canonicalBody)}` as Digest

const decodeEnvelope = Schema.decodeUnknownEither(BundleEnvelope)

const canonicalOrReason = (value: unknown): string | { readonly reason: string } => {
  try {
    return canonicalJson(value)
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) }
  }
}

/** A provenance source root is where the sources were, relative to the compiling directory. */
const absoluteSourceRoot = (sourceRoot: string): boolean =>
  sourceRoot.split(",").some((part) => part.startsWith("/") || part.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(part))

/**
 * Checks that an untrusted value is a bundle this version understands and the compiler could have made:
 * no key or nesting the compiler never emits, the envelope matching the schemas (no excess property at any
 * depth), the body hashing to its digest, every blob matching its hash and every referenced file having its
 * blob, and the body holding the compiler's invariants (BundleInvariants.ts). Every problem found is
 * reported, each at its JSON pointer.
 */
export const verifyBundle = (input: unknown): Either.Either<BundleEnvelope, BundleVerificationError> => {
  if (typeof input === "object" && input !== null && "format" in input && input.format !== BUNDLE_FORMAT) {
    return Either.left(new UnsupportedBundleFormat({ format: String(input.format), supported: [BUNDLE_FORMAT] }))
  }
  const shape = envelopeShapeIssues(input)
  if (shape.issues.length > 0) {
    return Either.left(new InvalidBundle({ reason: "the bundle has keys or nesting the compiler never emits", issues: shape.issues }))
  }
  const decoded = decodeEnvelope(input, { errors: "all", onExcessProperty: "error" })
  if (Either.isLeft(decoded)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
      .map((issue) => ({ path: pointerOf(issue.path), message: issue.message }))
    return Either.left(new InvalidBundle({ reason: "the envelope does not match the bundle schema", issues }))
  }
  const envelope = decoded.right
  const canonical = canonicalOrReason(envelope.body)
  if (typeof canonical !== "string") {
    return Either.left(new InvalidBundle({ reason: "the body is not plain JSON", issues: [{ path: "/body", message: canonical.reason }] }))
  }
  const actual = digestOfCanonicalBody(canonical)
  if (actual !== envelope.digest) {
    return Either.left(new BundleDigestMismatch({ declared: envelope.digest, actual }))
  }
  const issues: Array<{ path: string; message: string }> = []
  if (absoluteSourceRoot(envelope.provenance.source_root)) {
    issues.push({ path: "/provenance/source_root", message: "is an absolute path; a bundle records where its sources were relative to the compiling directory" })
  }
  for (const [hash, base64] of Object.entries(envelope.blobs)) {
    const bytes = Buffer.from(base64, "base64")
    if (bytes.toString("base64") !== base64) issues.push({ path: pointerJoin("/blobs", hash), message: "not canonical base64" })
    else if (sha256Hex(bytes) !== hash) issues.push({ path: pointerJoin("/blobs", hash), message: "content does not hash to its key" })
  }
  for (const [path, file] of Object.entries(envelope.body.files)) {
    const blob = envelope.blobs[file.sha256]
    if (blob === undefined) issues.push({ path: pointerJoin("/body/files", path), message: `no blob ${file.sha256}` })
    else if (Buffer.byteLength(blob, "base64") !== file.size) issues.push({ path: pointerJoin("/body/files", path), message: "blob size differs from the file table" })
  }
  // The secret scan may take a few steps per JSON node: linear in the bundle, whatever its schemas do.
  issues.push(...bodyInvariantIssues(envelope.body, { secretBudget: 8 * shape.nodes + 10_000 }))
  if (issues.length > 0) return Either.left(new InvalidBundle({ reason: "the bundle breaks the compiler's invariants", issues }))
  return Either.right(envelope)
}
