/**
 * Compares two bundle bodies component by component: what was added, removed or changed, and for each
 * change the JSON pointers of the fields that differ (with their values before and after).
 */
import { type BundleBody, PACK_SECTIONS } from "../domain/Bundle.js"

export type ComponentKind = "pack" | (typeof PACK_SECTIONS)[number] | "file"

export interface ComponentId {
  readonly kind: ComponentKind
  readonly ref: string
}

export interface FieldChange {
  /** RFC 6901 pointer inside the component. */
  readonly pointer: string
  readonly before?: unknown
  readonly after?: unknown
}

export interface ComponentChange extends ComponentId {
  readonly fields: ReadonlyArray<FieldChange>
}

export interface BundleDiff {
  readonly added: ReadonlyArray<ComponentId>
  readonly removed: ReadonlyArray<ComponentId>
  readonly changed: ReadonlyArray<ComponentChange>
}

const components = (body: BundleBody): Map<string, { readonly id: ComponentId; readonly value: unknown }> => {
  const out = new Map<string, { readonly id: ComponentId; readonly value: unknown }>()
  const put = (kind: ComponentKind, ref: string, value: unknown) => out.set(`${kind}\u0000${ref}`, { id: { kind, ref }, value })
  for (const [packRef, pack] of Object.entries(body.packs)) {
    put("pack", packRef, pack.manifest)
    for (const section of PACK_SECTIONS) {
      for (const [ref, component] of Object.entries(pack[section] as Record<string, unknown>)) put(section, ref, component)
    }
  }
  for (const [path, file] of Object.entries(body.files)) put("file", path, file)
  return out
}

const escapePointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1")
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

const diffValues = (before: unknown, after: unknown, pointer: string, out: Array<FieldChange>): void => {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
    for (const key of keys) {
      const next = `${pointer}/${escapePointer(key)}`
      if (!(key in after)) out.push({ pointer: next, before: before[key] })
      else if (!(key in before)) out.push({ pointer: next, after: after[key] })
      else diffValues(before[key], after[key], next, out)
    }
    return
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, index) => diffValues(item, after[index], `${pointer}/${index}`, out))
    return
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ pointer, before, after })
}

const byId = (a: ComponentId, b: ComponentId) =>
  a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0

export const diffBundles = (before: BundleBody, after: BundleBody): BundleDiff => {
  const left = components(before)
  const right = components(after)
  const added: Array<ComponentId> = []
  const removed: Array<ComponentId> = []
  const changed: Array<ComponentChange> = []
  for (const [key, entry] of left) {
    const other = right.get(key)
    if (other === undefined) {
      removed.push(entry.id)
      continue
    }
    const fields: Array<FieldChange> = []
    diffValues(entry.value, other.value, "", fields)
    if (fields.length > 0) changed.push({ ...entry.id, fields })
  }
  for (const [key, entry] of right) if (!left.has(key)) added.push(entry.id)
  return { added: added.sort(byId), removed: removed.sort(byId), changed: changed.sort(byId) }
}

export const isEmptyDiff = (diff: BundleDiff): boolean =>
  diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0
