/**
 * Every diagnostic code the compiler emits. Codes are stable: a code is never reused for another meaning.
 * Ranges: PS1xxx load/parse/bounds, PS2xxx schema/decode, PS3xxx link, PS4xxx checks, PS5xxx bundle/emit.
 * docs/diagnostics.md lists exactly these codes (a test keeps the two in step).
 */
import type { Severity } from "../domain/Diagnostic.js"

export interface CodeInfo {
  readonly severity: Severity
  readonly title: string
  /** What the author should do. */
  readonly action: string
}

export const CODES = {
  // --- load, parse, bounds
  PS1001: { severity: "error", title: "Not a pack or folder of packs", action: "Pass a directory containing pack.yaml, or a directory whose subdirectories contain pack.yaml." },
  PS1002: { severity: "error", title: "File too large", action: "Keep YAML files and referenced scripts under the size limit (1 MiB for YAML, 16 MiB for scripts)." },
  PS1003: { severity: "error", title: "YAML syntax error", action: "Fix the YAML at the reported line and column." },
  PS1004: { severity: "error", title: "File cannot be read", action: "Check that the file exists and is readable." },
  PS1005: { severity: "error", title: "Nesting too deep", action: "Flatten the document; mappings and sequences may nest at most 64 levels." },
  PS1006: { severity: "error", title: "Document expands too much", action: "Remove alias chains that multiply the document (at most 100,000 nodes after aliases)." },
  PS1007: { severity: "error", title: "Scalar too long", action: "Move long text into a file of the pack; a scalar may hold at most 256 KiB." },
  PS1008: { severity: "error", title: "Number not representable", action: "Use a finite number (.inf and .nan have no JSON form)." },
  PS1009: { severity: "error", title: "More than one YAML document", action: "Put one document in each file (remove the extra `---`)." },
  PS1010: { severity: "error", title: "Empty document", action: "Write the component's keys, or delete the file." },
  PS1011: { severity: "error", title: "Parser failure", action: "The YAML parser gave up on this file (for example a stack overflow); simplify it." },
  PS1012: { severity: "warning", title: "File or folder not read", action: "Move what packsmith should read into pack.yaml or a kind's folder (see the hint), or remove it; nothing of it is in the bundle." },
  // --- schema, decode
  PS2001: { severity: "error", title: "Unknown key", action: "Remove the key or correct its spelling (see the hint)." },
  PS2002: { severity: "error", title: "Missing required key", action: "Add the key." },
  PS2003: { severity: "error", title: "Wrong type", action: "Give the value the expected type." },
  PS2004: { severity: "error", title: "Invalid value", action: "Use one of the allowed values or the expected format." },
  PS2005: { severity: "error", title: "Document is not a mapping", action: "Write the file as a YAML mapping of keys to values." },
  PS2006: { severity: "error", title: "Invalid parameter schema", action: "Write a flat map `name: {type, ...}` or a JSON Schema with `type: object` and `properties`." },
  PS2007: { severity: "error", title: "Invalid ref", action: "Refs are lowercase `<pack>.<name>` (letters, digits, `_`, `-`)." },
  PS2008: { severity: "error", title: "Ref belongs to another pack", action: "A component's ref must start with its own pack's ref; move the file or fix the ref." },
  PS2009: { severity: "error", title: "Missing ref", action: "Give the component a `ref` (or a `name`, which is qualified with the pack)." },
  PS2010: { severity: "warning", title: "Output schema given twice", action: "Keep one of `output`, `output_schema` and `out_schema`; their properties were merged (the first spelling wins a property both declare)." },
  PS2011: { severity: "warning", title: "name and ref disagree", action: "Make `name` match the name part of `ref` (the ref wins)." },
  PS2012: { severity: "error", title: "Two spellings of one key disagree", action: "Keep one of the two keys (`system` and Attune's `is_standard`, `permission_set_refs` and `permission_set_ref`)." },
  PS2013: { severity: "warning", title: "Workflow form not read yet", action: "The file is an Orquesta/Mistral workflow (`tasks` is a mapping); packsmith leaves it out. Write `tasks` as a list of `{name, action, next}` to compile it." },
  PS2014: { severity: "warning", title: "Free-form key looks like a typo", action: "A key kept as free-form data (under `distributions`) is close to one packsmith interprets; rename it if you meant that one." },
  // --- link
  PS3001: { severity: "error", title: "Unknown runtime", action: "Use a runtime alias (shell, python, node, native, ...) or the ref of a runtime in the compiled packs." },
  PS3002: { severity: "error", title: "Unknown trigger", action: "Reference a trigger defined in the compiled packs (short names are qualified with the pack)." },
  PS3003: { severity: "error", title: "Unknown action", action: "Reference an action defined in the compiled packs (short names are qualified with the pack)." },
  PS3004: { severity: "error", title: "Missing pack dependency", action: "Compile the dependency together with this pack, or remove it from `dependencies`." },
  PS3005: { severity: "error", title: "Workflow file not found", action: "Point `workflow_file` at a workflow under actions/workflows/ (path relative to actions/)." },
  PS3006: { severity: "warning", title: "Workflow file not used", action: "Give the workflow a `ref`, or link it from an action's `workflow_file`." },
  PS3007: { severity: "error", title: "Dependency version not satisfied", action: "Compile a version of the dependency that satisfies the range, or widen the range." },
  // --- checks
  PS4001: { severity: "error", title: "Entry point not found", action: "Create the file under actions/ (sensors/ for sensors) or fix `entry_point`." },
  PS4002: { severity: "error", title: "Path escapes the pack", action: "Use a relative path inside the pack: no `..`, no absolute path, no symlink leading outside." },
  PS4003: { severity: "error", title: "Entry point is not a regular file", action: "Point `entry_point` at a regular file." },
  PS4004: { severity: "warning", title: "Entry point is a host binary", action: "None if intended: a native entry point that is not a file of the pack is looked up on the worker at run time." },
  PS4005: { severity: "error", title: "Parameter positions not contiguous", action: "Number positional parameters 0, 1, 2, ... without gaps or repeats." },
  PS4006: { severity: "error", title: "Immutable parameter without default", action: "Give an immutable parameter a default, or make it mutable." },
  PS4007: { severity: "error", title: "Default does not match its schema", action: "Change the default (or the schema) so the default validates." },
  PS4008: { severity: "error", title: "Secret with a literal value", action: "Never write a secret value in a pack; use a `secret:<name>` ref or leave the value out." },
  PS4009: { severity: "error", title: "Duplicate ref", action: "Give each component a unique ref (refs are unique across all compiled packs)." },
  PS4010: { severity: "error", title: "Invalid version", action: "Use a semantic version (1.2.3) for packs and agents; runtime versions may be loose (3.12)." },
  PS4011: { severity: "error", title: "Invalid version range", action: "Use a semver range (>=3.12, ^20, ~3.12, *)." },
  PS4012: { severity: "error", title: "Invalid interval timer parameters", action: "Give `unit` (seconds, minutes or hours) and a positive integer `interval`." },
  PS4013: { severity: "error", title: "Invalid cron expression", action: "Use a 5- or 6-field cron expression (seconds first when 6) and an IANA timezone." },
  PS4014: { severity: "error", title: "Invalid date-time", action: "Write `fire_at` as a real ISO 8601 date-time, e.g. 2030-01-01T09:00:00Z (without an offset it is read in `timezone`)." },
  PS4015: { severity: "error", title: "Duplicate task name", action: "Give every task of a workflow a unique name." },
  PS4016: { severity: "error", title: "Transition to unknown task", action: "Name an existing task in `do`." },
  PS4017: { severity: "warning", title: "Unreachable task", action: "Link the task from another task's `next`, or remove it." },
  PS4018: { severity: "error", title: "Unbalanced template", action: "Close every `{{` with `}}`." },
  PS4019: { severity: "error", title: "Schema does not compile", action: "Fix the JSON Schema (the validator could not compile it)." },
  PS4020: { severity: "error", title: "Config does not match conf_schema", action: "Change the pack `config` so it validates against `conf_schema`." },
  PS4021: { severity: "error", title: "Parameters do not match the schema", action: "Change the parameters so they validate against the trigger's (or action's) parameter schema." },
  PS4022: { severity: "error", title: "Invalid command", action: "`command_name` is one executable token; put arguments in `fixed_args` (non-empty, no NUL)." },
  PS4023: { severity: "error", title: "Invalid network policy", action: "Give `allowlist` exactly when `policy: allowlist`, as host:port entries." },
  PS4024: { severity: "warning", title: "Unknown agent runtime", action: "Use one of rust, native, python, node, wasm, container (the value is kept as written)." },
  PS4025: { severity: "warning", title: "Unknown condition operator", action: "Use equals, not_equals or contains (an unknown operator never matches)." },
  PS4026: { severity: "warning", title: "Pack directory name differs from ref", action: "Name the pack directory after its ref so installed layouts agree." },
  PS4027: { severity: "error", title: "Missing required action parameter", action: "Give the parameter in `action_params` / `input`, or a default in the action." },
  PS4028: { severity: "error", title: "Workflow has no tasks", action: "Add at least one task." },
  // --- bundle, emit
  PS5001: { severity: "error", title: "Bundle would contain a host path", action: "Remove absolute paths of the compiling machine from the pack." },
  PS5003: { severity: "error", title: "Internal compiler error", action: "Report the input that caused it; the compiler could not finish." },
} as const satisfies Record<string, CodeInfo>

export type DiagnosticCodeId = keyof typeof CODES

export const ALL_CODES: ReadonlyArray<DiagnosticCodeId> = Object.keys(CODES).sort() as Array<DiagnosticCodeId>
