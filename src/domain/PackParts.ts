/**
 * The parts of a compiled pack and the refs that name them: the public API's `Pack` namespace. Their names
 * are common words (`Runtime`, `Action`, `Task`), and `Runtime` is also a module of `effect`; under `Pack.`
 * they import beside Effect's without renaming.
 */
export { Action, EntryPoint, EntryPointKind } from "./Action.js"
export { AgentManifest, AgentSpec } from "./AgentManifest.js"
export { PackDependency, PackManifest } from "./Pack.js"
export { ParameterSchema } from "./Parameters.js"
export { PermissionSet } from "./PermissionSet.js"
export {
  ActionRef,
  AgentRef,
  ComponentRef,
  PackRef,
  PermissionSetRef,
  ProfileRef,
  qualifyRef,
  RuleRef,
  RuntimeRef,
  SensorRef,
  splitRef,
  TriggerRef,
  WorkflowRef,
} from "./Refs.js"
export { ConditionCheck, Rule, RuleConditions } from "./Rule.js"
export { Distributions, EnvVarSpec, ExecutionConfig, Runtime, RuntimeVersion, VerificationCommand } from "./Runtime.js"
export { RuntimeProfile } from "./RuntimeProfile.js"
export { Sensor } from "./Sensor.js"
export type { JsonObject, OutputFormat, ParameterDelivery, ParameterFormat } from "./SourceFields.js"
export { Trigger } from "./Trigger.js"
export { WorkQueue } from "./WorkQueue.js"
export { Task, Transition, Workflow } from "./Workflow.js"
