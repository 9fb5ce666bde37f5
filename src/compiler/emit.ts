/**
 * The bundle body and its canonical text. RFC 8785 serializes an object as its members sorted by key, each
 * `key:value` with the value canonical; so the body's canonical text is assembled from one fragment per
 * component, and a pack none of whose components changed keeps its text from the last compile.
 */
import { Either } from "effect"
import { BUNDLE_FORMAT, PACK_SECTIONS, type BundleBody, type BundleFile, type PackBundle, type PackSection } from "../domain/Bundle.js"
import type { JsonObject } from "../domain/SourceFields.js"
import type { CheckProgress, ScriptFile } from "./check.js"
import { INDEX_KEYS, inCanonicalOrder, isIndexKey, notFinite, sortKeys, withMembers } from "./keyOrder.js"
import type { Component, FileUnit } from "./model.js"

export interface FinalComponent {
  readonly component: Component
  readonly value: JsonObject
}

/** Equal as JSON (patches are a few small members: compared in place rather than serialized). */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  if (keysA.length !== Object.keys(b).length) return false
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

const lastPatched = new WeakMap<Component, { readonly patch: Record<string, unknown>; readonly value: JsonObject }>()

/** The component's value with patches applied; the same patch yields the same object every compile. */
export const finalValue = (component: Component, patch: Record<string, unknown> | undefined): JsonObject => {
  if (patch === undefined) return component.value
  const last = lastPatched.get(component)
  if (last !== undefined && sameJson(last.patch, patch)) return last.value
  const value = withMembers(component.value, patch) as JsonObject
  lastPatched.set(component, { patch, value })
  return value
}

// JSON.stringify escapes exactly these (quote, backslash, controls, lone surrogates); anything else is verbatim.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

const quote = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`)

/** The canonical text piece by piece, for objects with index-like keys. */
const writePieces = (value: unknown, out: Array<string>): void => {
  switch (typeof value) {
    case "string":
      out.push(quote(value))
      return
    case "number":
      out.push(Number.isFinite(value) ? String(value) : notFinite(value))
      return
    case "boolean":
      out.push(value ? "true" : "false")
      return
    case "object": {
      if (value === null) {
        out.push("null")
        return
      }
      if (Array.isArray(value)) {
        out.push("[")
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(",")
          const item: unknown = value[i]
          if (item === undefined) out.push("null")
          else writePieces(item, out)
        }
        out.push("]")
        return
      }
      const record = value as Record<string, unknown>
      out.push("{")
      let first = true
      for (const key of sortKeys(Object.keys(record))) {
        const item = record[key]
        if (item === undefined) continue
        out.push(first ? `${quote(key)}:` : `,${quote(key)}:`)
        first = false
        writePieces(item, out)
      }
      out.push("}")
      return
    }
    default:
      out.push("null")
  }
}

/**
 * RFC 8785 canonical JSON of a JSON value built by the compiler (plain objects, arrays, strings, finite
 * numbers, booleans, null; undefined members are left out as JSON.stringify does). A value whose keys are in
 * sorted order (copied into that order where they are not) lets the engine's JSON.stringify write the text in
 * one flat string; its number and string forms are the RFC's. Byte-identical to `canonicalize` (a property test says so); throws a RangeError for NaN/Infinity.
 */
export const canonicalText = (value: unknown): string => {
  const ordered = inCanonicalOrder(value)
  if (ordered !== INDEX_KEYS) return JSON.stringify(ordered) ?? "null"
  const out: Array<string> = []
  writePieces(value, out)
  return out.join("")
}

const byCodeUnits = (a: readonly [string, unknown], b: readonly [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/** Appends the canonical text of an object whose member values are already canonical texts. */
const pushObject = (parts: Array<string>, members: Array<[string, string]>): void => {
  members.sort(byCodeUnits)
  parts.push("{")
  for (let i = 0; i < members.length; i++) {
    const [key, value] = members[i]!
    parts.push(i === 0 ? `${quote(key)}:` : `,${quote(key)}:`, value)
  }
  parts.push("}")
}

/**
 * Canonical text of an object whose member values are already canonical texts. Joined rather than added
 * up: the result is one flat string, which is kept and later hashed, not a tree of thousands of pieces.
 */
export const canonicalObject = (members: Array<[string, string]>): string => {
  const parts: Array<string> = []
  pushObject(parts, members)
  return parts.join("")
}

interface PackText {
  /** The manifest and component values the text was made from, in the order they were given. */
  readonly values: ReadonlyArray<JsonObject>
  readonly text: string
  readonly body: Record<string, unknown>
}

interface FilesText {
  readonly files: ReadonlyArray<ScriptFile>
  readonly text: string
  readonly table: Record<string, BundleFile>
}

/** What one compile's emit leaves for the next: the text of each pack and of the file table. */
export class BodyCache {
  packs = new Map<string, PackText>()
  files: FilesText | undefined
  /** Returned again, the same object, when no pack text and not the file table changed. */
  emitted: EmittedBody | undefined
  /**
   * Pack texts made ahead during this compile, while files loaded or the check waited (see PackTextsWhileLoading
   * and packTextsAhead); used by its emit when the values match.
   */
  ahead = new Map<string, PackText>()
}

const fileFragment = (file: BundleFile): string => `{"mode":${file.mode},"sha256":${quote(file.sha256)},"size":${file.size}}`

export interface EmittedBody {
  readonly body: BundleBody
  readonly canonical: string
}

const sameValues = (a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** A pack's sections in canonical order ("manifest" sorts among them). */
const PACK_KEYS: ReadonlyArray<PackSection | "manifest"> = [...PACK_SECTIONS, "manifest" as const].sort()

const byRef = (a: FinalComponent, b: FinalComponent): number => (a.component.ref < b.component.ref ? -1 : a.component.ref > b.component.ref ? 1 : 0)

/**
 * The pack as one value with every key in canonical order (sections, refs, and each component's members),
 * so one JSON.stringify writes its canonical text; undefined when some key cannot be held in order.
 */
const orderedPack = (manifest: JsonObject, components: ReadonlyArray<FinalComponent>): Record<string, unknown> | undefined => {
  const sections = new Map<string, Array<FinalComponent>>()
  for (const section of PACK_SECTIONS) sections.set(section, [])
  for (const final of components) sections.get(final.component.section)!.push(final)
  const pack: Record<string, unknown> = {}
  for (const key of PACK_KEYS) {
    if (key === "manifest") {
      const ordered = inCanonicalOrder(manifest)
      if (ordered === INDEX_KEYS) return undefined
      pack[key] = ordered
      continue
    }
    const section: Record<string, unknown> = {}
    for (const { component, value } of sections.get(key)!.sort(byRef)) {
      const ordered = inCanonicalOrder(value)
      if (ordered === INDEX_KEYS || isIndexKey(component.ref)) return undefined
      section[component.ref] = ordered
    }
    pack[key] = section
  }
  return pack
}

const packText = (manifest: JsonObject, components: ReadonlyArray<FinalComponent>): Omit<PackText, "values"> => {
  const body: Record<string, unknown> = { manifest }
  for (const section of PACK_SECTIONS) body[section] = {}
  for (const { component, value } of components) (body[component.section] as Record<string, unknown>)[component.ref] = value
  const ordered = orderedPack(manifest, components)
  if (ordered !== undefined) return { text: JSON.stringify(ordered), body }
  const members = new Map<PackSection, Array<[string, string]>>()
  for (const section of PACK_SECTIONS) members.set(section, [])
  for (const { component, value } of components) members.get(component.section)!.push([component.ref, canonicalText(value)])
  const parts: Array<string> = ["{"]
  for (let i = 0; i < PACK_KEYS.length; i++) {
    const key = PACK_KEYS[i]!
    parts.push(i === 0 ? `${quote(key)}:` : `,${quote(key)}:`)
    if (key === "manifest") parts.push(canonicalText(manifest))
    else pushObject(parts, members.get(key)!)
  }
  parts.push("}")
  return { text: parts.join(""), body }
}

const filesText = (files: ReadonlyArray<ScriptFile>, cache: BodyCache): FilesText => {
  const previous = cache.files
  if (previous !== undefined && previous.files.length === files.length
    && previous.files.every((file, i) => file.key === files[i]!.key && file.entry === files[i]!.entry)) {
    return previous
  }
  const table: Record<string, BundleFile> = {}
  const texts: Array<[string, string]> = []
  for (const file of files) {
    table[file.key] = file.entry
    texts.push([file.key, fileFragment(file.entry)])
  }
  return { files, text: canonicalObject(texts), table }
}

export const emitBody = (
  manifests: ReadonlyMap<string, JsonObject>, components: ReadonlyArray<FinalComponent>, files: ReadonlyArray<ScriptFile>,
  cache: BodyCache,
): EmittedBody => {
  const byPack = new Map<string, Array<FinalComponent>>()
  for (const ref of manifests.keys()) byPack.set(ref, [])
  for (const final of components) byPack.get(final.component.pack)?.push(final)

  const packs: Record<string, Record<string, unknown>> = {}
  const packTexts: Array<[string, PackText]> = []
  const kept = new Map<string, PackText>()
  let changed = cache.emitted === undefined || manifests.size !== cache.packs.size
  for (const [ref, manifest] of manifests) {
    const members = byPack.get(ref)!
    const values = [manifest, ...members.map((m) => m.value)]
    const previous = cache.packs.get(ref)
    let made = previous
    if (made === undefined || !sameValues(made.values, values)) {
      const early = cache.ahead.get(ref)
      made = early !== undefined && sameValues(early.values, values) ? early : { values, ...packText(manifest, members) }
      changed = true
    }
    kept.set(ref, made)
    packs[ref] = made.body
    packTexts.push([ref, made])
  }
  cache.packs = kept
  cache.ahead = new Map()
  const table = filesText(files, cache)
  if (table !== cache.files) changed = true
  cache.files = table
  // Every part is the one used last time: so is the text (comparing the texts would cost a full scan).
  if (!changed && cache.emitted !== undefined) return cache.emitted

  // {"files":...,"format":...,"packs":{...}}: the members in canonical order, joined once.
  const parts: Array<string> = [`{"files":`, table.text, `,"format":${quote(BUNDLE_FORMAT)},"packs":{`]
  packTexts.sort(byCodeUnits)
  let length = 0
  for (const part of parts) length += part.length
  const spans: Array<readonly [number, number]> = []
  for (let i = 0; i < packTexts.length; i++) {
    const [ref, made] = packTexts[i]!
    const label = i === 0 ? `${quote(ref)}:` : `,${quote(ref)}:`
    parts.push(label, made.text)
    spans.push([length + label.length, length + label.length + made.text.length])
    length += label.length + made.text.length
  }
  parts.push("}}")
  const canonical = parts.join("")
  // Each pack keeps its text as a slice of the whole (which is not copied by young-generation collections),
  // not as a string of its own: the next compile joins the slices of the packs that did not change.
  for (let i = 0; i < packTexts.length; i++) {
    const [ref, made] = packTexts[i]!
    const [start, end] = spans[i]!
    kept.set(ref, { ...made, text: canonical.slice(start, end) })
  }
  const body = { format: BUNDLE_FORMAT, packs: packs as unknown as Record<string, PackBundle>, files: table.table } satisfies BundleBody
  cache.emitted = { body, canonical }
  return cache.emitted
}

/**
 * Makes a pack's text ahead from its manifest and its components with the given patches, unless a text made
 * ahead from the very same values is there already. False when some value cannot be written: the emit
 * reports that, and nothing more is made ahead.
 */
const makeAhead = (
  cache: BodyCache, ref: string, manifest: JsonObject, members: ReadonlyArray<Component>,
  patchOf: (component: Component) => Record<string, unknown> | undefined,
): boolean => {
  const made = Either.try(() => {
    const finals = members.map((component) => ({ component, value: finalValue(component, patchOf(component)) }))
    const values = [manifest, ...finals.map((f) => f.value)]
    const early = cache.ahead.get(ref)
    return early !== undefined && sameValues(early.values, values) ? early : { values, ...packText(manifest, finals) }
  })
  if (Either.isLeft(made)) return false
  cache.ahead.set(ref, made.right)
  return true
}

/**
 * Pack texts made ahead, while the check waits for scripts that the second thread is still reading: a pack
 * whose components are all checked (`progress`) has its final values, and so its text, before the check
 * ends. One pack per call; false when no pack is ready. The emit uses a text made ahead when the values it
 * was made from are still the ones it emits (the same objects: finalValue returns the same object for the
 * same patch). A pack whose text was made while its files loaded (see `PackTextsWhileLoading`), with the
 * patches the check did make, keeps that text.
 */
export const packTextsAhead = (
  cache: BodyCache,
  manifests: ReadonlyMap<string, JsonObject>,
  components: ReadonlyArray<Component>,
  progress: CheckProgress,
): (() => boolean) => {
  // Each pack's components, and how many components of the list must be checked before all of its are.
  const packs = new Map<string, { readonly members: Array<Component>; last: number }>()
  components.forEach((component, index) => {
    if (!manifests.has(component.pack)) return
    let pack = packs.get(component.pack)
    if (pack === undefined) packs.set(component.pack, pack = { members: [], last: 0 })
    pack.members.push(component)
    pack.last = index + 1
  })
  for (const ref of manifests.keys()) if (!packs.has(ref)) packs.set(ref, { members: [], last: 0 })
  const queue = [...packs].sort((a, b) => a[1].last - b[1].last)
  let next = 0
  return () => {
    const ready = queue[next]
    if (ready === undefined || ready[1].last > progress.done) return false
    next++
    const [ref, { members }] = ready
    if (makeAhead(cache, ref, manifests.get(ref)!, members, (component) => progress.patches.get(component))) return true
    next = queue.length
    return false
  }
}

/**
 * Pack texts made ahead while the YAML files still load, when the compiler would otherwise wait for the
 * second thread: a pack whose files are all loaded has its components, and for most of them the check's
 * patch can be told already (`expectedPatch`: an entry point that names a file its directory listed). The
 * text is made from the values those patches give; the emit uses it only when the check made exactly those
 * patches and the link kept exactly those components (the same objects), so a guess that was wrong costs the
 * work and nothing else.
 */
export class PackTextsWhileLoading {
  private readonly loaded: Array<{
    readonly ref: string
    readonly units: ReadonlyArray<FileUnit>
    readonly expectedPatch: (component: Component) => Record<string, unknown> | undefined | null
  }> = []
  private next = 0
  private stopped = false

  constructor(private readonly cache: BodyCache) {}

  /**
   * A pack whose files are all loaded (its manifest's unit first). `expectedPatch` says what the check will
   * patch in a component (undefined: nothing), or null when that cannot be told before the check: then the
   * pack is left to it.
   */
  packLoaded(ref: string, units: ReadonlyArray<FileUnit>, expectedPatch: (component: Component) => Record<string, unknown> | undefined | null): void {
    if (!this.stopped) this.loaded.push({ ref, units, expectedPatch })
  }

  /** Makes the text of the next loaded pack that can be made; false when there is none. */
  readonly whileWaiting = (): boolean => {
    while (!this.stopped) {
      const pack = this.loaded[this.next]
      if (pack === undefined) return false
      this.next++
      const members = membersOf(pack.ref, pack.units, pack.expectedPatch)
      if (members === undefined) continue
      if (makeAhead(this.cache, pack.ref, members.manifest, members.components, (component) => members.patches.get(component))) return true
      // A value that cannot be written: the emit reports it.
      this.stopped = true
    }
    return false
  }
}

/** A loaded pack's manifest value, components and expected patches; undefined when its text cannot be made yet. */
const membersOf = (
  ref: string, units: ReadonlyArray<FileUnit>, expectedPatch: (component: Component) => Record<string, unknown> | undefined | null,
): { readonly manifest: JsonObject; readonly components: ReadonlyArray<Component>; readonly patches: ReadonlyMap<Component, Record<string, unknown>> } | undefined => {
  const manifest = units[0]?.manifest
  if (manifest === undefined || manifest.ref !== ref) return undefined
  const components: Array<Component> = []
  const patches = new Map<Component, Record<string, unknown>>()
  for (const unit of units) {
    // The link adds components for workflows: their pack's list is known only then.
    if (unit.workflow !== undefined) return undefined
    for (const component of unit.components) {
      if (component.workflowFile !== undefined) return undefined
      const patch = expectedPatch(component)
      if (patch === null) return undefined
      if (patch !== undefined) patches.set(component, patch)
      components.push(component)
    }
  }
  return { manifest: manifest.value, components, patches }
}
