/** What a registry caller can act on: something missing (with the nearest existing name), or a registration refused. */
import { Schema } from "effect"

export const NotFoundKind = Schema.Literal(
  "workspace", "pack", "bundle", "action", "runtime", "trigger", "sensor", "rule", "workflow", "profile", "agent",
  "queue", "permission set", "blob",
)
export type NotFoundKind = typeof NotFoundKind.Type

export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  kind: NotFoundKind,
  ref: Schema.String,
  workspace: Schema.String,
  /** The closest existing ref, when one is plausibly what was meant. */
  suggestion: Schema.optional(Schema.String),
}) {
  override get message() {
    const where = this.kind === "workspace" || this.kind === "blob" ? "" : ` in workspace ${this.workspace}`
    const hint = this.suggestion !== undefined
      ? `; did you mean ${this.suggestion}?`
      : this.kind === "workspace"
      ? "; register a bundle into it first (packsmith pack register <dir> --workspace " + this.ref + ")"
      : ""
    return `${this.kind} ${this.ref} not found${where}${hint}`
  }
}

export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  kind: NotFoundKind,
  ref: Schema.String,
  workspace: Schema.String,
  /** Why the registry refuses, and what to do about it. */
  reason: Schema.String,
}) {
  override get message() {
    return `cannot register into workspace ${this.workspace}: ${this.kind} ${this.ref} ${this.reason}`
  }
}

/** A workspace (or other) name that can never exist, so nothing is looked up or created for it. */
export class InvalidName extends Schema.TaggedError<InvalidName>()("InvalidName", {
  kind: NotFoundKind,
  name: Schema.String,
  expected: Schema.String,
}) {
  override get message() {
    return `${JSON.stringify(this.name)} is not a valid ${this.kind} name: expected ${this.expected}`
  }
}
