/**
 * Cross-file resolution: workflow graphs joined to the actions that run them, duplicate refs, and every
 * reference (action -> runtime, sensor -> runtime + triggers, rule -> trigger + action, task -> action,
 * queue -> action, profile -> runtime, pack -> dependencies) resolved within the compiled set.
 */
import * as path from "node:path"
import semver from "semver"
import type { PackSection } from "../domain/Bundle.js"
import type { FileKind } from "../domain/FileKinds.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { aliasesOf, normalizeRuntimeName, runtimeFamilyOf } from "../domain/RuntimeFamily.js"
import { didYouMean, finding, nearest, nearestAll, type Finding } from "./Finding.js"
import type { Component, FileUnit, LinkRef } from "./model.js"
import { runtimeGuess } from "./normalize.js"
import { CORE_PACK } from "./shippedPacks.js"

/** Actions the scheduler intercepts; workflow tasks may use them whether or not a compiled pack defines them. */
export const INTERCEPTED_ACTIONS: ReadonlySet<string> = new Set(["core.ask"])

export interface UnitFinding {
  readonly unit: FileUnit
  readonly finding: Finding
}

export interface LinkedComponent {
  readonly component: Component
  /** Field rewrites decided here (runtime found by name); applied with the check stage's patches. */
  readonly patch: Record<string, unknown>
}

export interface Linked {
  readonly components: ReadonlyArray<LinkedComponent>
  readonly findings: ReadonlyArray<UnitFinding>
  readonly manifests: ReadonlyMap<string, FileUnit>
  readonly index: Index
  /** Packs that a reference or a dependency names and that are not among the compiled ones. */
  readonly missing: ReadonlySet<string>
  /** Findings of the files whose hint proposes a ref, with the hint that holds across the whole compile. */
  readonly revised: ReadonlyMap<Finding, Finding>
}

/** What the link stage's hints may point the author to. */
export interface LinkContext {
  /** Each compiled pack's directory, as shown to the user. */
  readonly packDirs: ReadonlyMap<string, string>
  /**
   * packsmith's own core pack, as shown to the user: `added` to this compile, `absent` (it was needed, and
   * this installation has none), or `unused` (a core pack was given, or none is needed).
   */
  readonly shippedCore: { readonly display: string; readonly state: "added" | "absent" | "unused" }
}

const NO_CONTEXT: LinkContext = { packDirs: new Map(), shippedCore: { display: "packs/core", state: "unused" } }

const packOf = (ref: string): string => (ref.includes(".") ? ref.slice(0, ref.indexOf(".")) : ref)

const KIND_DIRECTORY: Readonly<Record<string, string>> = { runtime: "runtimes", trigger: "triggers", action: "actions" }

/** Where to get a pack no compiled pack is: the paths to add, or for core, what is wrong with this installation. */
const notCompiledHint = (pack: string, context: LinkContext): string =>
  pack === CORE_PACK && context.shippedCore.state === "absent"
    ? `packsmith's own core pack is not in this installation (${context.shippedCore.display}): add the directory of a core pack to the paths`
    : `pack "${pack}" is not among the compiled packs; add its directory to the paths`

/** A ref in a compiled pack that defines nothing of that name, and nothing close: where to define it, and what there is. */
const absentHint = (kind: string, ref: string, pack: string, section: ReadonlyMap<string, Component>, context: LinkContext): string => {
  const there = nearestAll(ref, [...section.keys()].filter((candidate) => packOf(candidate) === pack), 6)
  const listed = there.length === 0 ? "" : `; its ${kind}s include ${there.join(", ")}`
  const { shippedCore } = context
  if (pack === CORE_PACK && shippedCore.state === "added") return `packsmith's core pack (${shippedCore.display}) has no ${kind} "${ref}"${listed}`
  const dir = context.packDirs.get(pack) ?? pack
  const own = `define it in ${dir}/${KIND_DIRECTORY[kind] ?? ""}`
  return pack === CORE_PACK
    ? `the core pack compiled (${dir}) has no ${kind} "${ref}"${listed}: ${own}, or leave that pack out to use packsmith's own (${shippedCore.display})`
    : `pack "${pack}" (${dir}) has no ${kind} "${ref}"${listed}: ${own}`
}

/** The sections a file of each kind defines components in (a standalone workflow is an action and a workflow). */
const SECTIONS_OF_KIND: Readonly<Record<FileKind, ReadonlyArray<PackSection>>> = {
  pack: [], runtime: ["runtimes"], action: ["actions"], workflow: ["actions", "workflows"], trigger: ["triggers"],
  sensor: ["sensors"], rule: ["rules"], profile: ["profiles"], agent: ["agents"], permission_set: ["permission_sets"], queue: ["queues"],
}

/**
 * A hint that proposes a ref (PS2007, PS2008) is kept only when following it gives a valid pack: the first of
 * the finding's proposals that no component has and that no other finding proposes (two files told to take
 * the same ref would collide), else the finding's own hint, which says how to choose one.
 */
const revisedHints = (units: ReadonlyArray<FileUnit>, index: Index): Map<Finding, Finding> => {
  const proposing: Array<{ readonly unit: FileUnit; readonly finding: Finding }> = []
  const wanted = new Map<string, number>()
  for (const unit of units) {
    for (const f of unit.findings) {
      if (f.proposals === undefined) continue
      proposing.push({ unit, finding: f })
      for (const proposal of f.proposals) wanted.set(proposal.ref, (wanted.get(proposal.ref) ?? 0) + 1)
    }
  }
  const revised = new Map<Finding, Finding>()
  for (const { unit, finding: f } of proposing) {
    const sections = SECTIONS_OF_KIND[unit.file.kind]
    const free = f.proposals!.find((proposal) => wanted.get(proposal.ref) === 1 && !sections.some((section) => index.get(section)?.has(proposal.ref) === true))
    const { proposals: _proposals, ...plain } = f
    revised.set(f, free === undefined ? plain : { ...plain, hint: free.hint })
  }
  return revised
}

export type Index = ReadonlyMap<PackSection, ReadonlyMap<string, Component>>

// Workflow components depend on the action that links the graph; memoized so unchanged links reuse objects.
const workflowMemo = new WeakMap<FileUnit, Map<string, Component>>()

const workflowComponent = (graphUnit: FileUnit, ref: string, pack: string, refPointer: string): Component => {
  let byRef = workflowMemo.get(graphUnit)
  if (byRef === undefined) {
    byRef = new Map()
    workflowMemo.set(graphUnit, byRef)
  }
  const key = `${ref}\u0000${refPointer}`
  let made = byRef.get(key)
  if (made === undefined) {
    const model = graphUnit.workflow!
    made = {
      section: "workflows", ref, pack, unit: graphUnit, refPointer,
      value: { ref, pack, ...model.graph },
      links: model.tasks.map((task): LinkRef => ({ kind: "action", ref: task.action, raw: task.action, pointer: task.actionPointer })),
    }
    byRef.set(key, made)
  }
  return made
}

const standaloneMemo = new WeakMap<FileUnit, Component>()

const standaloneAction = (unit: FileUnit): Component => {
  let made = standaloneMemo.get(unit)
  if (made === undefined) {
    const standalone = unit.workflow!.standalone!
    made = {
      section: "actions", ref: standalone.ref, pack: unit.packRef, unit, refPointer: standalone.refPointer,
      value: standalone.action as JsonObject, links: [],
    }
    standaloneMemo.set(unit, made)
  }
  return made
}

export const link = (units: ReadonlyArray<FileUnit>, packOfUnit: ReadonlyMap<FileUnit, string>, context: LinkContext = NO_CONTEXT): Linked => {
  const findings: Array<UnitFinding> = []
  const report = (unit: FileUnit, f: Finding) => findings.push({ unit, finding: f })
  const manifests = new Map<string, FileUnit>()
  const components: Array<Component> = []
  const workflowUnits = new Map<string, FileUnit>()
  // Refs named by files left out whole for their own errors, and packs with an action file whose
  // `workflow_file` was left out: references to those are not reported as missing (see recover.ts).
  const broken = new Set<string>()
  const lostWorkflowFiles = new Set<string>()
  for (const unit of units) {
    if (unit.declares !== undefined) broken.add(unit.declares)
    if (unit.file.kind === "action" && unit.dropped?.some((p) => p === "" || p === "/workflow_file") === true) {
      lostWorkflowFiles.add(packOfUnit.get(unit)!)
    }
    if (unit.manifest !== undefined) {
      const existing = manifests.get(unit.manifest.ref)
      if (existing !== undefined) {
        report(unit, finding("PS4009", `pack ${JSON.stringify(unit.manifest.ref)} is also defined by ${existing.file.display}`, "/ref"))
      } else manifests.set(unit.manifest.ref, unit)
    }
    if (unit.workflow !== undefined) workflowUnits.set(`${packOfUnit.get(unit)}\u0000${unit.file.rel}`, unit)
    components.push(...unit.components)
  }

  // Workflow graphs: joined to the action whose workflow_file names them; standalone ones become actions.
  const linkedGraphs = new Set<FileUnit>()
  for (const action of [...components]) {
    if (action.workflowFile === undefined) continue
    const pack = packOfUnit.get(action.unit)!
    const written = action.workflowFile.value
    const rel = path.posix.normalize(`actions/${written}`)
    if (path.posix.isAbsolute(written) || rel.startsWith("../") || rel === "..") {
      report(action.unit, finding("PS4002", `workflow_file ${JSON.stringify(written)} leaves the pack`, action.workflowFile.pointer))
      continue
    }
    const graph = workflowUnits.get(`${pack}\u0000${rel}`)
    if (graph === undefined) {
      const candidates = [...workflowUnits.keys()].filter((k) => k.startsWith(`${pack}\u0000actions/`)).map((k) => k.slice(pack.length + 1 + "actions/".length))
      const hint = didYouMean(written, candidates)
      report(action.unit, finding("PS3005", `no workflow file ${JSON.stringify(rel)} in pack ${pack}`, action.workflowFile.pointer, hint === undefined ? {} : { hint }))
      continue
    }
    linkedGraphs.add(graph)
    components.push(workflowComponent(graph, action.ref, action.pack, ""))
  }
  for (const unit of workflowUnits.values()) {
    if (linkedGraphs.has(unit)) continue
    const standalone = unit.workflow!.standalone
    if (standalone === undefined) {
      if (!lostWorkflowFiles.has(packOfUnit.get(unit)!)) report(unit, finding("PS3006", "this workflow has no ref and no action links it with workflow_file", ""))
      continue
    }
    components.push(standaloneAction(unit), workflowComponent(unit, standalone.ref, unit.packRef, standalone.refPointer))
  }

  // Index by section; later duplicates are reported where their ref is written.
  const index = new Map<PackSection, Map<string, Component>>()
  const kept: Array<Component> = []
  for (const component of components) {
    let section = index.get(component.section)
    if (section === undefined) {
      section = new Map()
      index.set(component.section, section)
    }
    const existing = section.get(component.ref)
    if (existing !== undefined) {
      report(component.unit, finding("PS4009", `${component.ref} is already defined in ${existing.unit.file.display}`, component.refPointer))
      continue
    }
    section.set(component.ref, component)
    kept.push(component)
  }

  const runtimes = index.get("runtimes") ?? new Map<string, Component>()
  const byRuntimeName = new Map<string, Array<string>>()
  for (const runtime of runtimes.values()) {
    const names = [String(runtime.value["name"] ?? ""), ...((runtime.value["aliases"] as Array<string> | undefined) ?? [])]
    for (const name of new Set(names.map(normalizeRuntimeName))) {
      byRuntimeName.set(name, [...(byRuntimeName.get(name) ?? []), runtime.ref].sort())
    }
  }
  // Names a runner_type may use: each runtime's name and aliases, and every alias of a family it serves.
  const runtimeNames = new Set<string>()
  for (const runtime of runtimes.values()) {
    for (const name of [String(runtime.value["name"] ?? ""), ...((runtime.value["aliases"] as Array<string> | undefined) ?? [])]) {
      const lowered = name.trim().toLowerCase()
      if (lowered === "") continue
      runtimeNames.add(lowered)
      const family = runtimeFamilyOf(lowered)
      if (family !== undefined) for (const alias of aliasesOf(family)) runtimeNames.add(alias)
    }
  }
  const packs = new Set(manifests.keys())
  // Packs among the compiled ones whose manifest did not decode: their own errors say what is wrong.
  const unmanifested = new Set([...packOfUnit.values()].filter((pack) => !packs.has(pack)))
  const compiled = (pack: string) => packs.has(pack) || unmanifested.has(pack)
  // Packs a ref or a dependency names that are not compiled (the compiler adds packsmith's core when it is one).
  const missing = new Set<string>()

  /** The runtime a runner_type names, as the check below resolves it. */
  const resolveRuntime = (pack: string, raw: string): string | undefined => {
    const guess = runtimeGuess(pack, raw)
    if (runtimes.has(guess)) return guess
    return raw.includes(".") ? undefined : byRuntimeName.get(normalizeRuntimeName(raw))?.[0]
  }
  const about = (kind: string, ref: string, section: ReadonlyMap<string, Component>): { hint?: string } => {
    const pack = packOf(ref)
    if (!compiled(pack)) {
      missing.add(pack)
      return { hint: notCompiledHint(pack, context) }
    }
    const close = didYouMean(ref, section.keys())
    if (close !== undefined) return { hint: close }
    return { hint: absentHint(kind, ref, pack, section, context) }
  }

  const linked: Array<LinkedComponent> = []
  for (const component of kept) {
    const patch: Record<string, unknown> = {}
    for (const ref of component.links) {
      switch (ref.kind) {
        case "runtime": {
          if (runtimes.has(ref.ref) || broken.has(ref.ref)) break
          const byName = ref.raw.includes(".") ? undefined : byRuntimeName.get(normalizeRuntimeName(ref.raw))?.[0]
          if (byName !== undefined) {
            if (ref.field !== undefined) patch[ref.field] = byName
            break
          }
          // Named before any hint is looked for: a close name elsewhere must not keep the pack from being added.
          if (!compiled(packOf(ref.ref))) missing.add(packOf(ref.ref))
          report(component.unit, finding("PS3001", `runtime ${JSON.stringify(ref.raw)} (${ref.ref}) is not defined`, ref.pointer, runtimeHint(component.pack, ref)))
          break
        }
        case "trigger": {
          const triggers = index.get("triggers") ?? new Map<string, Component>()
          if (!triggers.has(ref.ref) && !broken.has(ref.ref)) report(component.unit, finding("PS3002", `trigger ${ref.ref} is not defined`, ref.pointer, about("trigger", ref.ref, triggers)))
          break
        }
        case "action": {
          const actions = index.get("actions") ?? new Map<string, Component>()
          if (actions.has(ref.ref) || broken.has(ref.ref)) break
          if (component.section === "workflows" && INTERCEPTED_ACTIONS.has(ref.ref)) break
          report(component.unit, finding("PS3003", `action ${ref.ref} is not defined`, ref.pointer, about("action", ref.ref, actions)))
          break
        }
      }
    }
    linked.push({ component, patch })
  }

  /** A name or ref to write instead, only when writing it resolves; else what the runtimes here are. */
  function runtimeHint(pack: string, ref: LinkRef): { hint?: string } {
    const raw = ref.raw.trim()
    if (raw !== "" && !raw.includes(".")) {
      // A bare runner name is most likely a misspelt name or alias ("pyhton"), not a ref.
      const closeName = nearest(normalizeRuntimeName(raw), [...runtimeNames])
      const resolved = closeName === undefined ? undefined : resolveRuntime(pack, closeName)
      if (resolved !== undefined) return { hint: `did you mean "${closeName}" (${resolved})?` }
    } else if (raw.includes(".")) {
      // `core.bash`: the name part is what a runtime here is called.
      const named = byRuntimeName.get(normalizeRuntimeName(raw.slice(raw.lastIndexOf(".") + 1)))?.[0]
      if (named !== undefined && named !== ref.ref) return { hint: `did you mean "${named}"?` }
    }
    const target = packOf(ref.ref)
    if (!compiled(target)) return { hint: notCompiledHint(target, context) }
    if (raw.includes(".")) return { hint: didYouMean(ref.ref, runtimes.keys()) ?? absentHint("runtime", ref.ref, target, runtimes, context) }
    // A name of the component's own pack (a runner that is no family): what runtimes are called here, or where to add one.
    if (target === pack && !runtimeFamilyOf(raw)) {
      const names = nearestAll(raw.toLowerCase(), new Set([...runtimes.values()].map((r) => String(r.value["name"] ?? "").trim().toLowerCase()).filter((n) => n !== "")), 8)
      const dir = context.packDirs.get(pack) ?? pack
      return { hint: `no runtime has the name or alias ${JSON.stringify(raw)}${names.length === 0 ? "" : ` (runtimes here: ${names.join(", ")})`}; to add one, define it in ${dir}/runtimes` }
    }
    return { hint: absentHint("runtime", ref.ref, target, runtimes, context) }
  }

  for (const unit of manifests.values()) {
    for (const dependency of unit.manifest!.dependencies) {
      const target = manifests.get(dependency.ref)
      if (target === undefined && unmanifested.has(dependency.ref)) continue
      if (target === undefined) {
        missing.add(dependency.ref)
        // A pack does not depend on itself.
        const close = nearest(dependency.ref, [...packs].filter((pack) => pack !== unit.manifest!.ref))
        report(unit, finding("PS3004", `dependency ${dependency.ref} is not among the compiled packs`, dependency.pointer,
          { hint: close === undefined ? notCompiledHint(dependency.ref, context) : `did you mean "${close}"?` }))
      } else if (dependency.version !== undefined && semver.valid(target.manifest!.version) !== null
        && !semver.satisfies(target.manifest!.version, dependency.version)) {
        report(unit, finding("PS3007", `${dependency.ref} ${target.manifest!.version} does not satisfy ${dependency.version}`, dependency.pointer))
      }
    }
  }
  return { components: linked, findings, manifests, index, missing, revised: revisedHints(units, index) }
}

