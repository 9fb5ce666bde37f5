/**
 * Cross-file resolution: workflow graphs joined to the actions that run them, duplicate refs, and every
 * reference (action -> runtime, sensor -> runtime + triggers, rule -> trigger + action, task -> action,
 * queue -> action, profile -> runtime, pack -> dependencies) resolved within the compiled set.
 */
import * as path from "node:path"
import semver from "semver"
import type { PackSection } from "../domain/Bundle.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { aliasesOf, normalizeRuntimeName, runtimeFamilyOf } from "../domain/RuntimeFamily.js"
import { didYouMean, finding, nearest, type Finding } from "./Finding.js"
import type { Component, FileUnit, LinkRef } from "./model.js"

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

export const link = (units: ReadonlyArray<FileUnit>, packOfUnit: ReadonlyMap<FileUnit, string>): Linked => {
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
  const missingHint = (ref: string, candidates: Iterable<string>): { hint?: string } => {
    const pack = ref.includes(".") ? ref.slice(0, ref.indexOf(".")) : undefined
    if (pack !== undefined && !packs.has(pack) && !unmanifested.has(pack)) return { hint: `pack "${pack}" is not among the compiled packs; add its directory to the paths` }
    const hint = didYouMean(ref, candidates)
    return hint === undefined ? {} : { hint }
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
          // A bare runner name is most likely a misspelt name or alias ("pyhton"), not a ref.
          const closeName = ref.raw.includes(".") || ref.raw.trim() === "" ? undefined : nearest(normalizeRuntimeName(ref.raw), [...runtimeNames])
          report(component.unit, finding("PS3001", `runtime ${JSON.stringify(ref.raw)} (${ref.ref}) is not defined`, ref.pointer,
            closeName !== undefined ? { hint: `did you mean "${closeName}" (${byRuntimeName.get(normalizeRuntimeName(closeName))?.[0] ?? closeName})?` } : missingHint(ref.ref, runtimes.keys())))
          break
        }
        case "trigger": {
          const triggers = index.get("triggers") ?? new Map<string, Component>()
          if (!triggers.has(ref.ref) && !broken.has(ref.ref)) report(component.unit, finding("PS3002", `trigger ${ref.ref} is not defined`, ref.pointer, missingHint(ref.ref, triggers.keys())))
          break
        }
        case "action": {
          const actions = index.get("actions") ?? new Map<string, Component>()
          if (actions.has(ref.ref) || broken.has(ref.ref)) break
          if (component.section === "workflows" && INTERCEPTED_ACTIONS.has(ref.ref)) break
          report(component.unit, finding("PS3003", `action ${ref.ref} is not defined`, ref.pointer, missingHint(ref.ref, actions.keys())))
          break
        }
      }
    }
    linked.push({ component, patch })
  }

  for (const unit of manifests.values()) {
    for (const dependency of unit.manifest!.dependencies) {
      const target = manifests.get(dependency.ref)
      if (target === undefined && unmanifested.has(dependency.ref)) continue
      if (target === undefined) {
        const close = nearest(dependency.ref, [...packs])
        report(unit, finding("PS3004", `dependency ${dependency.ref} is not among the compiled packs`, dependency.pointer,
          close === undefined ? { hint: "add the dependency's directory to the paths" } : { hint: `did you mean "${close}"?` }))
      } else if (dependency.version !== undefined && semver.valid(target.manifest!.version) !== null
        && !semver.satisfies(target.manifest!.version, dependency.version)) {
        report(unit, finding("PS3007", `${dependency.ref} ${target.manifest!.version} does not satisfy ${dependency.version}`, dependency.pointer))
      }
    }
  }
  return { components: linked, findings, manifests, index }
}

