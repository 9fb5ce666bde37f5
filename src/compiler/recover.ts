/**
 * What is left of a document that does not decode: every part that does, so normalize, link and check still
 * run on the rest of the file and every problem is reported at once. A faulty part is left out at the smallest
 * scope that lets the rest decode: the bad member of a mapping or element of a list, else (when that leaves
 * its mapping without a required key, or its list too short) the mapping or list around it, and so on up.
 */
import type { Schema } from "effect"
import { pointerJoin, pointerSegments, type Finding } from "./Finding.js"
import { decodeStrict } from "./decode.js"
import { setMember } from "./keyOrder.js"
import type { Component } from "./model.js"
import type { Normalized } from "./normalize.js"
import type { Accepts } from "./shape.js"

export interface Recovered {
  /** The document without the parts left out. */
  readonly value: unknown
  /** Pointers (into the file's document) of the parts left out; none is inside another. */
  readonly dropped: ReadonlyArray<string>
  /**
   * A pointer into `value` as a pointer into the file's document (they differ after a list element was left
   * out: the elements behind it moved up); undefined when nothing moved.
   */
  readonly original: ((pointer: string) => string) | undefined
}

interface Cuts {
  cut: boolean
  readonly children: Map<string, Cuts>
}

const cutsOf = (pointers: ReadonlyArray<string>): Cuts => {
  const root: Cuts = { cut: false, children: new Map() }
  for (const pointer of pointers) {
    let node = root
    for (const segment of pointerSegments(pointer)) {
      if (node.cut) break
      let child = node.children.get(segment)
      if (child === undefined) {
        child = { cut: false, children: new Map() }
        node.children.set(segment, child)
      }
      node = child
    }
    node.cut = true
    node.children.clear()
  }
  return root
}

/** The pointers of the cut parts, outermost only. */
const cutPointers = (node: Cuts, at: string, out: Array<string>): Array<string> => {
  if (node.cut) out.push(at)
  else for (const [segment, child] of node.children) cutPointers(child, pointerJoin(at, segment), out)
  return out
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A copy of `value` without the cut parts (containers off the cut paths are shared, never changed: aliases
 * make one object appear in several places). `moved` gets, for each list that lost elements (by its pointer
 * in the file), the original index of each element kept.
 */
const without = (value: unknown, node: Cuts, at: string, moved: Map<string, ReadonlyArray<number>>): unknown => {
  if (Array.isArray(value)) {
    const kept: Array<unknown> = []
    const from: Array<number> = []
    for (let i = 0; i < value.length; i++) {
      const child = node.children.get(String(i))
      if (child?.cut === true) continue
      kept.push(child === undefined ? value[i] : without(value[i], child, pointerJoin(at, i), moved))
      from.push(i)
    }
    if (from.length !== value.length) moved.set(at, from)
    return kept
  }
  if (!isPlainObject(value)) return value
  const kept: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const child = node.children.get(key)
    if (child?.cut === true) continue
    setMember(kept, key, child === undefined ? value[key] : without(value[key], child, pointerJoin(at, key), moved))
  }
  return kept
}

const translator = (moved: ReadonlyMap<string, ReadonlyArray<number>>) => (pointer: string): string => {
  let at = ""
  for (const segment of pointerSegments(pointer)) {
    const from = moved.get(at)
    const index = from === undefined || !/^\d+$/.test(segment) ? undefined : from[Number(segment)]
    at = pointerJoin(at, index === undefined ? segment : index)
  }
  return at
}

/**
 * The decodable rest of `value`, given the issues `decodeStrict` found in it; undefined when nothing is
 * left (the document itself is not a mapping, or lacks a required key). Each issue's own pointer is cut first
 * (the unknown key, the value of the wrong type, the mapping that lacks a key); what that leaves invalid is
 * cut in turn. The issues found on the way are consequences of the cuts, never reported.
 */
export const recoverDecodable = (
  schema: Schema.Schema.AnyNoContext, accepts: Accepts, value: unknown, issues: ReadonlyArray<Finding>,
): Recovered | undefined => {
  let pointers = issues.map((issue) => issue.pointer)
  for (;;) {
    const cuts = cutsOf(pointers)
    if (cuts.cut) return undefined
    const moved = new Map<string, ReadonlyArray<number>>()
    const rest = without(value, cuts, "", moved)
    const original = moved.size === 0 ? undefined : translator(moved)
    if (accepts(rest)) return { value: rest, dropped: cutPointers(cuts, "", []), original }
    const more = decodeStrict(schema, rest)
    // The two checks agree (a test holds them to it); if they did not, give up rather than loop.
    if (more.length === 0) return undefined
    pointers = [...cutPointers(cuts, "", []), ...more.map((issue) => original?.(issue.pointer) ?? issue.pointer)]
  }
}

const isAtOrUnder = (pointer: string, base: string): boolean => pointer === base || pointer.startsWith(`${base}/`)

/** A whole task (`/tasks/<i>`) was left out. */
const droppedTasks = (dropped: ReadonlyArray<string>): Array<string> => dropped.filter((p) => /^\/tasks\/\d+$/.test(p))

const valueAt = (document: unknown, pointer: string): unknown => {
  let value = document
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(value)) value = value[Number(segment)]
    else if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, segment)) value = value[segment]
    else return undefined
  }
  return value
}

/** The parameters an invocation gives: a task's `input`, else a rule's `action_params`. */
const invocationParameters = (pointer: string): string => {
  const task = /^\/tasks\/\d+/.exec(pointer)
  return task === null ? "/action_params" : `${task[0]}/input`
}

/**
 * Whether `finding` says something is absent that a part left out may have held: such a finding is withheld,
 * since the part may be exactly what it misses (fixing the decode issue the author is shown may settle it).
 * `document` is the file's own document (for findings in the same file), to read what a left-out part said.
 */
export const explainedByDropped = (finding: Finding, dropped: ReadonlyArray<string>, document?: unknown): boolean => {
  if (dropped.length === 0) return false
  switch (finding.code) {
    // "no task named X": unless the task left out was X (or said no name one can read).
    case "PS4016": {
      const name = valueAt(document, finding.pointer)
      return droppedTasks(dropped).some((task) => {
        const written = valueAt(document, `${task}/name`)
        return typeof written !== "string" || written === name
      })
    }
    // Unreachable: a transition that led to it may have been left out, with its task or alone.
    case "PS4017":
      return dropped.some((p) => isAtOrUnder(p, "/tasks"))
    case "PS4028":
      return droppedTasks(dropped).length > 0
    // A gap in positions: the parameter that filled it may have been left out (`<map>/<name>/position`).
    case "PS4005": {
      const parameters = pointerSegments(finding.pointer).slice(0, -2)
      const map = parameters.length === 0 ? "" : pointerJoin("", ...parameters)
      return dropped.some((p) => isAtOrUnder(p, map) && p !== map)
    }
    // A required parameter not given: the parameters given were left out.
    case "PS4027":
      return dropped.some((p) => isAtOrUnder(p, invocationParameters(finding.pointer)))
    case "PS4021":
      return dropped.some((p) => isAtOrUnder(p, "/trigger_params"))
    default:
      return false
  }
}

const remapComponent = (component: Component, original: (pointer: string) => string): Component => ({
  ...component,
  refPointer: original(component.refPointer),
  links: component.links.map((link) => ({ ...link, pointer: original(link.pointer) })),
  ...(component.entryPoint === undefined ? {} : { entryPoint: { ...component.entryPoint, pointer: original(component.entryPoint.pointer) } }),
  ...(component.workflowFile === undefined ? {} : { workflowFile: { ...component.workflowFile, pointer: original(component.workflowFile.pointer) } }),
})

/** What normalize made of the rest, with every pointer it holds turned into a pointer into the file's document. */
export const remapNormalized = (normalized: Normalized, original: (pointer: string) => string): Normalized => {
  const { manifest, workflow } = normalized
  return {
    components: normalized.components.map((component) => remapComponent(component, original)),
    ...(manifest === undefined ? {} : {
      manifest: { ...manifest, dependencies: manifest.dependencies.map((d) => ({ ...d, pointer: original(d.pointer) })) },
    }),
    ...(workflow === undefined ? {} : {
      workflow: {
        ...workflow,
        tasks: workflow.tasks.map((task) => ({
          ...task, pointer: original(task.pointer), actionPointer: original(task.actionPointer),
          targets: task.targets.map((target) => ({ ...target, pointer: original(target.pointer) })),
        })),
        ...(workflow.standalone === undefined ? {} : { standalone: { ...workflow.standalone, refPointer: original(workflow.standalone.refPointer) } }),
      },
    }),
  }
}
