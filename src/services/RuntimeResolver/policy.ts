/** The host policy's runtime and host-binary rules. Patterns are refs, families, aliases, or globs (`auto.*`). */
import { Either } from "effect"
import type { HostPolicy } from "../../domain/HostPolicy.js"
import { PolicyDenied } from "../../domain/Resolution.js"
import { normalizeRuntimeName } from "../../domain/RuntimeFamily.js"

export interface RuntimeIdentity {
  readonly ref: string
  readonly name: string
  readonly family: string
  readonly aliases: ReadonlyArray<string>
}

const isGlob = (pattern: string): boolean => /[*?]/.test(pattern)

export const globToRegExp = (pattern: string, flags = ""): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags)

/** Whether one allow/deny entry names this runtime: by ref, family, name or alias (aliases normalized), or by glob. */
export const matchesRuntime = (pattern: string, runtime: RuntimeIdentity): boolean => {
  const wanted = pattern.trim().toLowerCase()
  const names = [runtime.ref, runtime.family, runtime.name.toLowerCase(), ...runtime.aliases.map((a) => a.toLowerCase())]
  if (isGlob(wanted)) {
    const regex = globToRegExp(wanted)
    return names.some((name) => regex.test(name))
  }
  if (wanted === runtime.ref) return true
  const normalized = normalizeRuntimeName(wanted)
  return normalized === runtime.family || names.slice(2).some((name) => normalizeRuntimeName(name) === normalized)
}

/** Deny wins over allow; a runtime no allow entry names is refused. Returns the reasoning on success. */
export const checkRuntime = (policy: HostPolicy, runtime: RuntimeIdentity): Either.Either<string, PolicyDenied> => {
  const deny = policy.runtimes.deny.find((pattern) => matchesRuntime(pattern, runtime))
  if (deny !== undefined) {
    return Either.left(new PolicyDenied({ runtime: runtime.ref, rule: `runtimes.deny entry ${JSON.stringify(deny)} matches it (family ${runtime.family})`, policyFile: policy.origin }))
  }
  const allow = policy.runtimes.allow.find((pattern) => matchesRuntime(pattern, runtime))
  if (allow === undefined) {
    const rule = policy.runtimes.allow.length === 0
      ? "runtimes.allow is empty"
      : `no runtimes.allow entry (${policy.runtimes.allow.map((p) => JSON.stringify(p)).join(", ")}) matches it (family ${runtime.family})`
    return Either.left(new PolicyDenied({ runtime: runtime.ref, rule, policyFile: policy.origin }))
  }
  const denied = policy.runtimes.deny.length === 0 ? "no deny rules" : "no runtimes.deny entry matches"
  return Either.right(`${policy.origin}: runtimes.allow entry ${JSON.stringify(allow)} permits ${runtime.ref} (family ${runtime.family}); ${denied}`)
}

/** A host binary run as a native entry point must be named by host_binaries.allow. */
export const checkHostBinary = (policy: HostPolicy, binary: string): Either.Either<string, PolicyDenied> => {
  const allow = policy.host_binaries.allow.find((pattern) => isGlob(pattern) ? globToRegExp(pattern).test(binary) : pattern === binary)
  if (allow === undefined) {
    const rule = policy.host_binaries.allow.length === 0
      ? `host_binaries.allow is empty; add ${JSON.stringify(binary)} to let native actions run it from PATH`
      : `no host_binaries.allow entry (${policy.host_binaries.allow.map((p) => JSON.stringify(p)).join(", ")}) names ${JSON.stringify(binary)}`
    return Either.left(new PolicyDenied({ runtime: `host binary ${binary}`, rule, policyFile: policy.origin }))
  }
  return Either.right(`${policy.origin}: host_binaries.allow entry ${JSON.stringify(allow)} permits host binary ${binary}`)
}
