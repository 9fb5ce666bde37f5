/**
 * agents/*.yaml: scarab agent manifests (`apiVersion: scarab/v1`, `kind: AgentManifest`). The agent's ref is
 * `<pack>.<metadata.name>`; `spec.runtime` is kept verbatim and defaults to "rust".
 */
import { Schema } from "effect"
import { StringList, opt } from "./SourceFields.js"

export const TRUST_LEVELS = ["untrusted", "sandboxed", "trusted", "privileged"] as const
export const TrustLevel = Schema.Literal(...TRUST_LEVELS)
export const NetworkPolicy = Schema.Literal("none", "local", "allowlist", "full")
export const RestartPolicy = Schema.Literal("never", "on-failure", "always")
export const KNOWN_AGENT_RUNTIMES = ["rust", "native", "python", "node", "wasm", "container"] as const

/** `<domain>.<action>[:<scope>]`, e.g. `fs.read`, `tool.invoke:web.*`, `fs.write:/workspace/**`. */
export const CAPABILITY_PATTERN = /^[a-z][a-z0-9_-]*\.[a-z*][a-z0-9_.*-]*(?::\S+)?$/
export const Capability = Schema.String.pipe(
  Schema.pattern(CAPABILITY_PATTERN, { message: () => "a capability is <domain>.<action>[:<scope>], e.g. fs.read or tool.invoke:echo" }),
)

export const AgentMatcher = Schema.Struct({
  type: Schema.Literal("any", "by_id", "by_name_glob", "by_trust_level"),
  id: opt(Schema.String),
  pattern: opt(Schema.String),
  level: opt(TrustLevel),
})

export const SecretPolicyEntry = Schema.Struct({
  label: Schema.String,
  secret_pattern: Schema.String,
  tool_pattern: Schema.String,
  host_pattern: opt(Schema.String),
  expires_at: opt(Schema.String),
  max_uses: opt(Schema.Int.pipe(Schema.positive())),
  agent_matcher: opt(AgentMatcher),
}).pipe(Schema.annotations({ identifier: "SecretPolicyEntry" }))

export const AgentSpec = Schema.Struct({
  trust_level: TrustLevel,
  task: opt(Schema.String),
  model: opt(Schema.String),
  resources: opt(Schema.Struct({
    memory_limit: opt(Schema.String.pipe(Schema.pattern(/^\d+(Ki|Mi|Gi|Ti|K|M|G|T)?$/, { message: () => "a memory limit like 512Mi or 2Gi" }))),
    cpu_shares: opt(Schema.Int.pipe(Schema.between(1, 10000))),
    max_open_files: opt(Schema.Int.pipe(Schema.positive())),
  })),
  capabilities: Schema.Array(Capability),
  network: opt(Schema.Struct({ policy: NetworkPolicy, allowlist: opt(StringList) })),
  lifecycle: opt(Schema.Struct({
    restart_policy: opt(RestartPolicy),
    max_restarts: opt(Schema.Int.pipe(Schema.nonNegative())),
    timeout_secs: opt(Schema.Int.pipe(Schema.positive())),
  })),
  command: opt(Schema.String),
  args: opt(StringList),
  secret_policy: opt(Schema.Array(SecretPolicyEntry)),
  runtime: opt(Schema.String),
  entrypoint: opt(Schema.String),
  packages: opt(StringList),
}).pipe(Schema.annotations({ identifier: "AgentSpec" }))

export const AgentManifestSource = Schema.Struct({
  apiVersion: Schema.Literal("scarab/v1"),
  kind: Schema.Literal("AgentManifest"),
  metadata: Schema.Struct({ name: Schema.String, version: Schema.String, description: opt(Schema.String) }),
  spec: AgentSpec,
}).pipe(Schema.annotations({ identifier: "AgentManifestSource", title: "packsmith agent manifest (agents/*.yaml)" }))
export type AgentManifestSource = typeof AgentManifestSource.Type

/** The manifest after normalization: identity added, `spec.runtime` defaulted. */
export const AgentManifest = Schema.Struct({
  ref: Schema.String,
  pack: Schema.String,
  apiVersion: Schema.Literal("scarab/v1"),
  kind: Schema.Literal("AgentManifest"),
  metadata: Schema.Struct({ name: Schema.String, version: Schema.String, description: opt(Schema.String) }),
  spec: AgentSpec,
}).pipe(Schema.annotations({ identifier: "AgentManifest" }))
export type AgentManifest = typeof AgentManifest.Type
