/**
 * Branded references. A pack ref is one lowercase segment; a component ref is `<pack>.<name>`.
 * Refs are validated where they enter (YAML, HTTP, DB rows) and trusted afterwards.
 */
import { Schema } from "effect"

export const PACK_REF_PATTERN = /^[a-z][a-z0-9_-]*$/
export const COMPONENT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/
export const COMPONENT_REF_PATTERN = /^[a-z][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$/

export const PackRef = Schema.String.pipe(
  Schema.pattern(PACK_REF_PATTERN, {
    message: () => "a pack ref is lowercase letters, digits, '_' or '-', starting with a letter",
  }),
  Schema.brand("PackRef"),
  Schema.annotations({ identifier: "PackRef", description: "Pack reference, e.g. `core`" }),
)
export type PackRef = typeof PackRef.Type

const componentRef = <B extends string>(brand: B, what: string) =>
  Schema.String.pipe(
    Schema.pattern(COMPONENT_REF_PATTERN, { message: () => `expected a ${what} ref of the form <pack>.<name>` }),
    Schema.brand(brand),
    Schema.annotations({ identifier: brand, description: `${what} reference of the form <pack>.<name>` }),
  )

export const ComponentRef = componentRef("ComponentRef", "component")
export type ComponentRef = typeof ComponentRef.Type
export const ActionRef = componentRef("ActionRef", "action")
export type ActionRef = typeof ActionRef.Type
export const RuntimeRef = componentRef("RuntimeRef", "runtime")
export type RuntimeRef = typeof RuntimeRef.Type
export const TriggerRef = componentRef("TriggerRef", "trigger")
export type TriggerRef = typeof TriggerRef.Type
export const SensorRef = componentRef("SensorRef", "sensor")
export type SensorRef = typeof SensorRef.Type
export const RuleRef = componentRef("RuleRef", "rule")
export type RuleRef = typeof RuleRef.Type
export const WorkflowRef = componentRef("WorkflowRef", "workflow")
export type WorkflowRef = typeof WorkflowRef.Type
export const ProfileRef = componentRef("ProfileRef", "runtime profile")
export type ProfileRef = typeof ProfileRef.Type
export const AgentRef = componentRef("AgentRef", "agent")
export type AgentRef = typeof AgentRef.Type
export const PermissionSetRef = componentRef("PermissionSetRef", "permission set")
export type PermissionSetRef = typeof PermissionSetRef.Type

export const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/
export const Digest = Schema.String.pipe(
  Schema.pattern(DIGEST_PATTERN, { message: () => "expected sha256:<64 lowercase hex digits>" }),
  Schema.brand("Digest"),
  Schema.annotations({ identifier: "Digest", description: "Content digest `sha256:<hex>`" }),
)
export type Digest = typeof Digest.Type

/** Splits a component ref into its pack and name; the input must already match COMPONENT_REF_PATTERN. */
export const splitRef = (ref: string): { readonly pack: string; readonly name: string } => {
  const dot = ref.indexOf(".")
  return { pack: ref.slice(0, dot), name: ref.slice(dot + 1) }
}

/** Qualifies a short name with its pack (`echo` -> `core.echo`); a ref that already has a dot is left alone. */
export const qualifyRef = (pack: string, nameOrRef: string): string =>
  nameOrRef.includes(".") ? nameOrRef : `${pack}.${nameOrRef}`
