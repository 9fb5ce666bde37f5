/**
 * What runtime detection found on a host: the interpreters that answered their probe, the verdict on each
 * runtime template that was verified, and the problems met on the way (warnings, never fatal). Also the
 * shape of the probe cache file that detection keeps in the data directory.
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })

/** Where a runtime's facts came from: a probe of a PATH binary, the probe cache, or a template's verification. */
export const DetectionSource = Schema.Union(
  Schema.Literal("path", "cache"),
  Schema.TemplateLiteral("template:", Schema.String),
).pipe(Schema.annotations({ identifier: "DetectionSource" }))
export type DetectionSource = typeof DetectionSource.Type

export class DetectedRuntime extends Schema.Class<DetectedRuntime>("DetectedRuntime")({
  /** Canonical family (`normalizeRuntimeName`): python for python3, node for nodejs, shell for sh. */
  family: Schema.String,
  /** The binary name that was found (python3, Rscript, sh). */
  name: Schema.String,
  /** The binary as found on PATH (or the preferred absolute path). */
  path: Schema.String,
  /** The interpreter file itself: symlinks resolved and, for a shim, the executable the interpreter reported. */
  realPath: Schema.String,
  /** Dotted version (`3.11.7`, `17.0.15`); null when the binary has no way to say (dash) or said nothing readable. */
  version: Schema.NullOr(Schema.String),
  /** The output line the version was read from. */
  versionRaw: opt(Schema.String),
  source: DetectionSource,
  /** True when `path` is a version-manager shim (pyenv, asdf, rbenv, volta...) that forwards to `realPath`. */
  viaShim: opt(Schema.Boolean),
}) {}

export const DetectionProblemKind = Schema.Literal(
  "timeout", // the probe did not finish within the probe timeout and was killed
  "exit-code", // the probe exited with an unexpected code or was killed by a signal
  "spawn-failed", // the binary could not be started
  "unparsable-version", // the probe succeeded but printed no recognizable version
  "unresolved-shim", // a shim or wrapper script did not say which interpreter it runs
  "lookup", // a PATH entry or binary could not be examined
  "cache", // the probe cache could not be read or written
  "template", // no verification command of a runtime template succeeded
)
export type DetectionProblemKind = typeof DetectionProblemKind.Type

export class DetectionProblem extends Schema.Class<DetectionProblem>("DetectionProblem")({
  kind: DetectionProblemKind,
  /** A sentence that says what happened and why. */
  message: Schema.String,
  family: opt(Schema.String),
  path: opt(Schema.String),
  /** Ref of the runtime template concerned. */
  template: opt(Schema.String),
}) {}

export const TemplateStatus = Schema.Literal(
  "verified", // one of its verification commands succeeded
  "assumed", // always_available or check_required: false; no probe was run
  "unverified", // none of its commands succeeded (see problems)
)
export type TemplateStatus = typeof TemplateStatus.Type

export class TemplateVerification extends Schema.Class<TemplateVerification>("TemplateVerification")({
  ref: Schema.String,
  /** The `versions[]` entry whose own `distributions.verification` this is; absent for the runtime's. */
  version: opt(Schema.String),
  family: Schema.String,
  status: TemplateStatus,
  /** The command that verified it: binary as written, then its args. */
  command: opt(Schema.Array(Schema.String)),
  /** Where that binary was found. */
  path: opt(Schema.String),
}) {}

export class DetectionReport extends Schema.Class<DetectionReport>("DetectionReport")({
  /** Distinct interpreters per family, in family order, then preference order. */
  runtimes: Schema.Array(DetectedRuntime),
  /** One verdict per given template that has something to verify. */
  templates: Schema.Array(TemplateVerification),
  problems: Schema.Array(DetectionProblem),
}) {}

/** A file a cached probe result depends on, as it was when probed. */
export const CachedFileStamp = Schema.Struct({
  path: Schema.String,
  size: Schema.Number,
  mtimeMs: Schema.Number,
  ino: Schema.Number,
})
export type CachedFileStamp = typeof CachedFileStamp.Type

export const DetectionCacheRecord = Schema.Struct({
  /** The binary found first, then a shim's target; the record is valid while every stamp still matches. */
  files: Schema.Array(CachedFileStamp),
  realPath: Schema.String,
  viaShim: Schema.Boolean,
  /** What a shim reported as its executable, before symlinks were resolved. */
  executable: opt(Schema.String),
  args: Schema.Array(Schema.String),
  exitCode: Schema.Int,
  /** For a self-query, stdout without the executable line. */
  stdout: Schema.String,
  stderr: Schema.String,
})
export type DetectionCacheRecord = typeof DetectionCacheRecord.Type

export const DetectionCacheFile = Schema.Struct({
  format: Schema.Literal(1),
  records: Schema.Record({ key: Schema.String, value: DetectionCacheRecord }),
  /**
   * Per family, how long its probes took (milliseconds) the last time they ran, 0 when it had no binary. Only
   * orders the next detection, refresh included: the slowest family starts first.
   */
  probeMillis: opt(Schema.Record({ key: Schema.String, value: Schema.NonNegative })),
})
export type DetectionCacheFile = typeof DetectionCacheFile.Type
