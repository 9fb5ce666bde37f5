/**
 * The bundle body and its canonical text. RFC 8785 serializes an object as its members sorted by key, each
 * `key:value` with the value canonical; so the body's canonical text is assembled from per-component
 * fragments cached by object identity, and only changed components are serialized again.
 */
import { BUNDLE_FORMAT, PACK_SECTIONS, canonicalJson, type BundleBody, type BundleFile, type PackBundle, type PackSection } from "../domain/Bundle.js"
import type { JsonObject } from "../domain/SourceFields.js"
import type { ScriptFile } from "./check.js"
import type { Component } from "./model.js"

export interface FinalComponent {
  readonly component: Component
  readonly value: JsonObject
}

/** The component's value with patches applied; the same patch yields the same object every compile. */
export const finalValue = (component: Component, patch: Record<string, unknown> | undefined): JsonObject => {
  if (patch === undefined) return component.value
  const key = JSON.stringify(patch)
  let value = component.patched.get(key)
  if (value === undefined) {
    value = { ...component.value, ...patch }
    component.patched.clear()
    component.patched.set(key, value)
  }
  return value
}

const byCodeUnits = (a: readonly [string, unknown], b: readonly [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/** Canonical text of an object whose member values are already canonical. */
export const canonicalObject = (members: Array<[string, string]>): string => {
  members.sort(byCodeUnits)
  let text = "{"
  for (let i = 0; i < members.length; i++) {
    const [key, value] = members[i]!
    text += (i === 0 ? "" : ",") + JSON.stringify(key) + ":" + value
  }
  return text + "}"
}

export class FragmentCache {
  private readonly fragments = new WeakMap<object, string>()

  of(value: JsonObject): string {
    let text = this.fragments.get(value)
    if (text === undefined) {
      text = canonicalJson(value)
      this.fragments.set(value, text)
    }
    return text
  }
}

const fileFragment = (file: BundleFile): string => `{"mode":${file.mode},"sha256":${JSON.stringify(file.sha256)},"size":${file.size}}`

export interface EmittedBody {
  readonly body: BundleBody
  readonly canonical: string
}

export const emitBody = (
  manifests: ReadonlyMap<string, JsonObject>, components: ReadonlyArray<FinalComponent>, files: ReadonlyArray<ScriptFile>,
  fragments: FragmentCache,
): EmittedBody => {
  const packs: Record<string, Record<string, unknown>> = {}
  const packMembers = new Map<string, Map<PackSection, Array<[string, string]>>>()
  for (const [ref, manifest] of manifests) {
    const sections: Record<string, unknown> = { manifest }
    for (const section of PACK_SECTIONS) sections[section] = {}
    packs[ref] = sections
    packMembers.set(ref, new Map(PACK_SECTIONS.map((s) => [s, []])))
  }
  for (const { component, value } of components) {
    const members = packMembers.get(component.pack)
    if (members === undefined) continue
    ;(packs[component.pack]![component.section] as Record<string, unknown>)[component.ref] = value
    members.get(component.section)!.push([component.ref, fragments.of(value)])
  }
  const packTexts: Array<[string, string]> = []
  for (const [ref, manifest] of manifests) {
    const members = packMembers.get(ref)!
    const sectionTexts: Array<[string, string]> = [["manifest", fragments.of(manifest)]]
    for (const section of PACK_SECTIONS) sectionTexts.push([section, canonicalObject(members.get(section)!)])
    packTexts.push([ref, canonicalObject(sectionTexts)])
  }
  const fileTable: Record<string, BundleFile> = {}
  const fileTexts: Array<[string, string]> = []
  for (const file of files) {
    fileTable[file.key] = file.entry
    fileTexts.push([file.key, fileFragment(file.entry)])
  }
  const canonical = canonicalObject([
    ["format", JSON.stringify(BUNDLE_FORMAT)],
    ["packs", canonicalObject(packTexts)],
    ["files", canonicalObject(fileTexts)],
  ])
  const body = { format: BUNDLE_FORMAT, packs: packs as unknown as Record<string, PackBundle>, files: fileTable } satisfies BundleBody
  return { body, canonical }
}
