/** One file's bytes -> parse -> strict decode -> normalize, as a cacheable unit. */
import { isUtf8 } from "node:buffer"
import type { Schema } from "effect"
import { FILE_KIND_SCHEMAS } from "../domain/FileKinds.js"
import type { Finding } from "./Finding.js"
import { withoutAbsentNulls } from "./absentNulls.js"
import { decodeStrict } from "./decode.js"
import type { FileUnit, SourceFile } from "./model.js"
import {
  foreignWorkflowForm, normalizeAction, normalizeAgent, normalizePack, normalizePermissionSet, normalizeProfile, normalizeQueue,
  normalizeRule, normalizeRuntime, normalizeSensor, normalizeTrigger, normalizeWorkflow, qualify,
  type NormalizeContext, type Normalized,
} from "./normalize.js"
import { parseYaml, type ParseOutcome } from "./parse.js"
import { explainedByDropped, recoverDecodable, remapNormalized } from "./recover.js"
import { acceptsSchema } from "./shape.js"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const normalizeByKind = (file: SourceFile, value: unknown, ctx: NormalizeContext, directoryName: string): Normalized => {
  // The value passed decodeStrict for this kind's schema, so it has that schema's type.
  switch (file.kind) {
    case "pack": return normalizePack(value as typeof FILE_KIND_SCHEMAS.pack.Type, ctx, directoryName)
    case "runtime": return normalizeRuntime(value as typeof FILE_KIND_SCHEMAS.runtime.Type, ctx)
    case "action": return normalizeAction(value as typeof FILE_KIND_SCHEMAS.action.Type, ctx)
    case "workflow": return normalizeWorkflow(value as typeof FILE_KIND_SCHEMAS.workflow.Type, ctx)
    case "trigger": return normalizeTrigger(value as typeof FILE_KIND_SCHEMAS.trigger.Type, ctx)
    case "sensor": return normalizeSensor(value as typeof FILE_KIND_SCHEMAS.sensor.Type, ctx)
    case "rule": return normalizeRule(value as typeof FILE_KIND_SCHEMAS.rule.Type, ctx)
    case "profile": return normalizeProfile(value as typeof FILE_KIND_SCHEMAS.profile.Type, ctx)
    case "agent": return normalizeAgent(value as typeof FILE_KIND_SCHEMAS.agent.Type, ctx)
    case "permission_set": return normalizePermissionSet(value as typeof FILE_KIND_SCHEMAS.permission_set.Type, ctx)
    case "queue": return normalizeQueue(value as typeof FILE_KIND_SCHEMAS.queue.Type, ctx)
  }
}

/** Where `needle` first occurs in `text`, as a 1-based position (CRLF, CR and LF each end a line). */
const positionOf = (text: string, index: number) => {
  const before = text.slice(0, index)
  const line = (before.match(/\r\n|\r|\n/g)?.length ?? 0) + 1
  return { line, column: index - Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) }
}

/** Index in `text` of the first character decoded from bytes that are not UTF-8 (a U+FFFD the file did not hold). */
const invalidUtf8At = (bytes: Uint8Array, text: string): number | undefined => {
  let offset = 0
  let from = 0
  for (let at = text.indexOf("\uFFFD"); at !== -1; at = text.indexOf("\uFFFD", at + 1)) {
    offset += Buffer.byteLength(text.slice(from, at), "utf8")
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return at
    offset += 3
    from = at + 1
  }
  return undefined
}

const encodedPaths = new Map<string, Buffer>()
/** A pack directory as UTF-8 bytes, encoded once rather than for every file searched for it. */
const hostPathBytes = (hostPath: string): Buffer => {
  let bytes = encodedPaths.get(hostPath)
  if (bytes === undefined) {
    if (encodedPaths.size > 10_000) encodedPaths.clear()
    bytes = Buffer.from(hostPath, "utf8")
    encodedPaths.set(hostPath, bytes)
  }
  return bytes
}

/** The file's text as the compiler reads it (UTF-8; invalid bytes become U+FFFD and are reported). */
export const textOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")

/**
 * `parsedAhead`: the outcome of parsing these bytes, when it was done ahead (see readAhead.ts).
 * `hostPaths` are the pack's absolute directories on this machine: a file that mentions one would carry it
 * into the bundle (values come from the YAML text), which must stay portable and private.
 */
export const buildUnit = (
  file: SourceFile, bytes: Uint8Array, packRef: string, directoryName: string, hostPaths: ReadonlyArray<string>,
  parsedAhead?: ParseOutcome,
): FileUnit => {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // The text is made only when something needs it: a file parsed ahead, valid and clean, never does.
  let decoded: string | undefined
  const text = (): string => (decoded ??= textOf(bytes))
  const findings: Array<Finding> = []
  for (const hostPath of hostPaths) {
    if (hostPath.length <= 1 || view.indexOf(hostPathBytes(hostPath)) === -1) continue
    const at = text().indexOf(hostPath)
    if (at !== -1) {
      findings.push({ code: "PS5001", message: `the file names this machine's path ${hostPath}`, pointer: "", position: positionOf(text(), at), hint: "use a path relative to the pack" })
    }
  }
  const unit: Mutable<FileUnit> = { file, packRef, bytes, findings, components: [] }
  const invalid = isUtf8(view) ? undefined : invalidUtf8At(bytes, text())
  if (invalid !== undefined) {
    findings.push({ code: "PS1003", message: "the file is not valid UTF-8", pointer: "", position: positionOf(text(), invalid), hint: "save the file as UTF-8" })
    return leftOut(unit, writtenRefInText(text(), packRef))
  }
  const parsed = parsedAhead ?? parseYaml(text())
  if (!parsed.ok) {
    findings.push(parsed.finding)
    return leftOut(unit, writtenRefInText(text(), packRef))
  }
  const foreign = file.kind === "workflow" ? foreignWorkflowForm(parsed.value) : undefined
  if (foreign !== undefined) {
    findings.push(foreign)
    return unit
  }
  const schema: Schema.Schema.AnyNoContext = FILE_KIND_SCHEMAS[file.kind]
  const accepts = acceptsSchema(schema)
  // Most files are valid: the compiled check says so without building pointers; the rest get every issue.
  const issues = accepts(parsed.value) ? [] : decodeStrict(schema, parsed.value)
  if (issues.length === 0) return normalizeInto(unit, file, parsed.value, packRef, directoryName, findings)
  findings.push(...issues)
  const rest = recoverDecodable(schema, accepts, parsed.value, issues)
  // Nothing decodable remains: the decode findings are all there is to say about this file.
  if (rest === undefined) return leftOut(unit, writtenRef(parsed.value, packRef))
  unit.dropped = rest.dropped
  const first = findings.length
  normalizeInto(unit, file, rest.value, packRef, directoryName, findings, rest.original)
  // What normalize found in the rest, placed in the file and without what a part left out may explain.
  const found = findings.splice(first).map((f) => (rest.original === undefined ? f : { ...f, pointer: rest.original(f.pointer) }))
  for (const f of found) if (!explainedByDropped(f, rest.dropped, parsed.value)) findings.push(f)
  return unit
}

const normalizeInto = (
  unit: Mutable<FileUnit>, file: SourceFile, value: unknown, packRef: string, directoryName: string, findings: Array<Finding>,
  original?: (pointer: string) => string,
): FileUnit => {
  // Nulls the schema reads as absent are dropped, so normalization sees the schema's decoded type.
  const decoded = withoutAbsentNulls(FILE_KIND_SCHEMAS[file.kind].ast, value)
  const made = normalizeByKind(file, decoded, { pack: packRef, unit, out: findings }, directoryName)
  const normalized = original === undefined ? made : remapNormalized(made, original)
  unit.components = normalized.components
  if (normalized.manifest !== undefined) unit.manifest = normalized.manifest
  if (normalized.workflow !== undefined) unit.workflow = normalized.workflow
  return unit
}

/** A unit none of whose document is used; `declares`: the ref it names, as far as one can tell. */
const leftOut = (unit: Mutable<FileUnit>, declares: string | undefined): FileUnit => {
  unit.dropped = [""]
  if (declares !== undefined && unit.file.kind !== "pack") unit.declares = declares
  return unit
}

/** The ref a document that could not be decoded at all names (`ref`, else `name`), qualified with its pack. */
const writtenRef = (value: unknown, packRef: string): string | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  const written = (value as Record<string, unknown>)["ref"] ?? (value as Record<string, unknown>)["name"]
  return typeof written === "string" && written !== "" ? qualify(packRef, written) : undefined
}

/** The ref a file that could not be parsed most likely names (a top-level `ref:` line). */
const writtenRefInText = (text: string, packRef: string): string | undefined => {
  const match = /^ref:[ \t]*["']?([A-Za-z0-9_.-]+)["']?[ \t]*(#.*)?$/m.exec(text)
  return match?.[1] === undefined ? undefined : qualify(packRef, match[1])
}

/** The pack ref a manifest that failed to decode most likely declares (so other files still qualify refs). */
export const declaredPackRef = (text: string): string | undefined => {
  const match = /^ref:\s*["']?([a-z][a-z0-9_-]*)["']?\s*(#.*)?$/m.exec(text)
  return match?.[1]
}
