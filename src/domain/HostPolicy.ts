/**
 * Host-local policy: what this worker lets actions run and see. It lives on the host (`.packsmith/policy.yaml`),
 * never in a bundle: which runtimes and host binaries may run, which variables of the worker's own environment
 * an action may see, timeout bounds, where secrets come from and where per-pack runtime environments live.
 */
import { Schema } from "effect"

const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optionalWith(s, { exact: true })

export const DEFAULT_POLICY_FILE = ".packsmith/policy.yaml"
export const DEFAULT_ENV_ROOT = ".packsmith/envs"
/** Attune's fixed execution timeout, used when neither the action nor the policy sets one. */
export const DEFAULT_TIMEOUT_SECONDS = 300
/**
 * What actions see of the worker's environment unless a policy says otherwise: PATH alone, so interpreters and
 * scripts find the host's tools. Locale and time zone stay out (actions give the same output on every worker;
 * a policy `environment.set` or a runtime profile sets them), and HOME is a fresh per-execution directory.
 */
export const DEFAULT_PASSTHROUGH: ReadonlyArray<string> = ["PATH"]

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Variables packsmith sets for every execution; a policy cannot pass them through or set them. */
export const RESERVED_ENV_PREFIX = "PACKSMITH_"
/** A secret's name in `secret:<name>` refs and in the store. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_.\/-]+$/
/** `env:VAR` (a variable of the worker's environment) or `file:/absolute/path` (a file on the host). */
export const SECRET_SOURCE_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.*)$/

const Patterns = Schema.Array(Schema.String)
const PositiveSeconds = Schema.Int.pipe(Schema.positive({ message: () => "expected a positive whole number of seconds" }))

export const SecretSource = Schema.String.pipe(
  Schema.pattern(SECRET_SOURCE_PATTERN, {
    message: () => "expected env:<VARIABLE> or file:/absolute/path",
  }),
  Schema.annotations({ identifier: "SecretSource" }),
)
export type SecretSource = typeof SecretSource.Type

/** Scalars in `environment.set` are written as strings (`PYTHONHASHSEED: 0` means "0"). */
const EnvValue = Schema.Union(Schema.String, Schema.Number, Schema.Boolean)

/** The policy file as written. Every key is optional; unknown keys are errors. */
export const HostPolicyFile = Schema.Struct({
  runtimes: opt(Schema.Struct({
    /** Runtime refs, families or aliases, or globs over refs (`auto.*`); default `["*"]`. */
    allow: opt(Patterns),
    /** Same forms; a deny entry wins over any allow entry. */
    deny: opt(Patterns),
  })),
  host_binaries: opt(Schema.Struct({
    /** Binary names (or globs) that native actions may run from the host's PATH; default none. */
    allow: opt(Patterns),
  })),
  environment: opt(Schema.Struct({
    /** Names of worker variables an action may see; default `[PATH]`. */
    passthrough: opt(Patterns),
    /** Non-secret constants given to every action. */
    set: opt(Schema.Record({ key: Schema.String, value: EnvValue })),
  })),
  timeouts: opt(Schema.Struct({
    default: opt(PositiveSeconds),
    max: opt(PositiveSeconds),
  })),
  secrets: opt(Schema.Struct({
    /** secret name -> where its value is read on this host. */
    store: opt(Schema.Record({ key: Schema.String, value: SecretSource })),
  })),
  /** Where per-pack runtime environments live; a relative path is taken from the worker's working directory. */
  env_root: opt(Schema.NonEmptyString),
  profiles: opt(Schema.Struct({
    /** Refuse to run an action without a runtime profile (no builtin fallback). */
    required: opt(Schema.Boolean),
  })),
}).pipe(Schema.annotations({ identifier: "HostPolicyFile", title: "packsmith host policy (.packsmith/policy.yaml)" }))
export type HostPolicyFile = typeof HostPolicyFile.Type

/** The effective policy: every default filled in. */
export class HostPolicy extends Schema.Class<HostPolicy>("HostPolicy")({
  /** The file it was read from; null for the built-in default policy. */
  source: Schema.NullOr(Schema.String),
  runtimes: Schema.Struct({ allow: Patterns, deny: Patterns }),
  host_binaries: Schema.Struct({ allow: Patterns }),
  environment: Schema.Struct({
    passthrough: Patterns,
    set: Schema.Record({ key: Schema.String, value: Schema.String }),
  }),
  timeouts: Schema.Struct({ default: Schema.NullOr(PositiveSeconds), max: Schema.NullOr(PositiveSeconds) }),
  secrets: Schema.Struct({ store: Schema.Record({ key: Schema.String, value: SecretSource }) }),
  env_root: Schema.String,
  profiles: Schema.Struct({ required: Schema.Boolean }),
}) {
  /** How errors name this policy. */
  get origin(): string {
    return this.source ?? "the built-in default policy"
  }
}

/** The policy of a host without a policy file: all detected runtimes, PATH only, 300 s, no secrets. */
export const defaultHostPolicy = (): HostPolicy => fromFile({}, null)

/** The effective policy for a decoded file (defaults filled in). */
export const fromFile = (file: HostPolicyFile, source: string | null): HostPolicy =>
  new HostPolicy({
    source,
    runtimes: { allow: file.runtimes?.allow ?? ["*"], deny: file.runtimes?.deny ?? [] },
    host_binaries: { allow: file.host_binaries?.allow ?? [] },
    environment: {
      passthrough: file.environment?.passthrough ?? DEFAULT_PASSTHROUGH,
      set: Object.fromEntries(Object.entries(file.environment?.set ?? {}).map(([name, value]) => [name, String(value)])),
    },
    timeouts: { default: file.timeouts?.default ?? null, max: file.timeouts?.max ?? null },
    secrets: { store: file.secrets?.store ?? {} },
    env_root: file.env_root ?? DEFAULT_ENV_ROOT,
    profiles: { required: file.profiles?.required ?? false },
  })

export const PolicyIssue = Schema.Struct({
  /** Dotted key path inside the file (`environment.passthrough.2`); empty for the whole document. */
  path: Schema.String,
  message: Schema.String,
  line: opt(Schema.Int),
  column: opt(Schema.Int),
})
export type PolicyIssue = typeof PolicyIssue.Type

export class InvalidHostPolicy extends Schema.TaggedError<InvalidHostPolicy>()("InvalidHostPolicy", {
  file: Schema.String,
  issues: Schema.Array(PolicyIssue),
}) {
  override get message() {
    const lines = this.issues.map((issue) => {
      const where = issue.line === undefined ? this.file : `${this.file}:${issue.line}:${issue.column ?? 1}`
      return `${where}: ${issue.path === "" ? "" : `${issue.path}: `}${issue.message}`
    })
    return `invalid host policy:\n  ${lines.join("\n  ")}`
  }
}

export class HostPolicyNotFound extends Schema.TaggedError<HostPolicyNotFound>()("HostPolicyNotFound", {
  file: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `cannot read host policy ${this.file}: ${this.reason}`
  }
}
