/**
 * The check stage per component, remembered between compiles. A component is checked again only when
 * something its last check read has changed: the component itself, its link patch, its pack directory,
 * a component it looked up in the index (recorded as the lookups happen), or a script it read (by stamp).
 * The result is the same as checking every component again: `check` treats components one at a time.
 */
import * as fs from "node:fs"
import type { PackSection } from "../domain/Bundle.js"
import { check, entryPointPath, type Checked, type CheckProgress, type ScriptCache, type ScriptFile } from "./check.js"
import type { Finding } from "./Finding.js"
import type { Index, LinkedComponent, UnitFinding } from "./link.js"
import { stampOf, unchangedSince, type PackLocation, type Stamp } from "./load.js"
import type { Component } from "./model.js"
import { withScriptsAhead } from "./readAhead.js"

type CachedScript = ScriptCache extends Map<string, infer V> ? V : never

interface Lookup {
  readonly section: PackSection
  /** Undefined: the lookup of the section itself, which was not there. */
  readonly ref: string | undefined
  readonly found: Component | undefined
}

interface Memo {
  readonly linkPatch: Record<string, unknown>
  readonly dir: string | undefined
  readonly realDir: string | undefined
  readonly lookups: ReadonlyArray<Lookup>
  readonly scripts: ReadonlyArray<{ readonly abs: string; readonly stamp: Stamp }>
  readonly patch: Record<string, unknown> | undefined
  readonly files: ReadonlyArray<ScriptFile>
  readonly findings: ReadonlyArray<Finding>
}

/**
 * The compiler's script cache, which also notes the scripts a check looks up. A script is stamped when it
 * is looked up, before it is read, so a change while it is read leaves a stale stamp, not a stale result.
 */
export class RecordingScripts extends Map<string, CachedScript> {
  recording: Array<{ readonly abs: string; readonly stamp: Stamp }> | undefined
  nowMs = 0

  override get(abs: string): CachedScript | undefined {
    this.note(abs)
    return super.get(abs)
  }

  override has(abs: string): boolean {
    this.note(abs)
    return super.has(abs)
  }

  private note(abs: string): void {
    if (this.recording === undefined) return
    let stats: fs.Stats | undefined
    try {
      stats = fs.statSync(abs, { throwIfNoEntry: false })
    } catch {
      // Through a file, a symlink loop, too long: it names nothing, like a missing path.
      stats = undefined
    }
    // A path that names nothing has no stamp to compare later: the check is simply not remembered.
    if (stats === undefined) this.recording = undefined
    else this.recording.push({ abs, stamp: stampOf(stats, this.nowMs) })
  }
}

/** An index whose lookups are noted; any other use makes the component depend on everything. */
class RecordingIndex implements ReadonlyMap<PackSection, ReadonlyMap<string, Component>> {
  lookups: Array<Lookup> = []
  opaque = false
  private readonly sections = new Map<PackSection, RecordingSection>()

  constructor(private readonly index: Index) {}

  get size() {
    this.opaque = true
    return this.index.size
  }

  get(section: PackSection): ReadonlyMap<string, Component> | undefined {
    const inner = this.index.get(section)
    if (inner === undefined) {
      this.lookups.push({ section, ref: undefined, found: undefined })
      return undefined
    }
    let recording = this.sections.get(section)
    if (recording === undefined) {
      recording = new RecordingSection(this, section, inner)
      this.sections.set(section, recording)
    }
    return recording
  }

  has(section: PackSection): boolean {
    this.opaque = true
    return this.index.has(section)
  }

  forEach(each: (value: ReadonlyMap<string, Component>, key: PackSection, map: ReadonlyMap<PackSection, ReadonlyMap<string, Component>>) => void): void {
    this.opaque = true
    this.index.forEach((value, key) => each(value, key, this))
  }

  entries() {
    this.opaque = true
    return this.index.entries()
  }

  keys() {
    this.opaque = true
    return this.index.keys()
  }

  values() {
    this.opaque = true
    return this.index.values()
  }

  [Symbol.iterator]() {
    return this.entries()
  }
}

class RecordingSection implements ReadonlyMap<string, Component> {
  constructor(private readonly owner: RecordingIndex, private readonly section: PackSection, private readonly inner: ReadonlyMap<string, Component>) {}

  get size() {
    this.owner.opaque = true
    return this.inner.size
  }

  get(ref: string): Component | undefined {
    const found = this.inner.get(ref)
    this.owner.lookups.push({ section: this.section, ref, found })
    return found
  }

  has(ref: string): boolean {
    this.owner.lookups.push({ section: this.section, ref, found: this.inner.get(ref) })
    return this.inner.has(ref)
  }

  forEach(each: (value: Component, key: string, map: ReadonlyMap<string, Component>) => void): void {
    this.owner.opaque = true
    this.inner.forEach((value, key) => each(value, key, this))
  }

  entries() {
    this.owner.opaque = true
    return this.inner.entries()
  }

  keys() {
    this.owner.opaque = true
    return this.inner.keys()
  }

  values() {
    this.owner.opaque = true
    return this.inner.values()
  }

  [Symbol.iterator]() {
    return this.entries()
  }
}

/** Equal as JSON (link patches are a few string members). */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false
  }
  return true
}

const stillValid = (memo: Memo, linked: LinkedComponent, location: PackLocation | undefined, index: Index): boolean => {
  if (memo.dir !== location?.dir || memo.realDir !== location?.realDir || !sameJson(memo.linkPatch, linked.patch)) return false
  for (const lookup of memo.lookups) {
    const section = index.get(lookup.section)
    if (lookup.ref === undefined ? section !== undefined : section?.get(lookup.ref) !== lookup.found) return false
  }
  for (const script of memo.scripts) if (!unchangedSince(script.stamp, script.abs)) return false
  return true
}

export class CheckCache {
  private readonly memos = new WeakMap<Component, Memo>()
  readonly scripts = new RecordingScripts()
  /** Components checked by the last compile (the rest reused their memo). */
  checked = 0
  private runs = 0

  /**
   * `whileWaiting`: work to do, one piece per call, while a script is still with the second thread (see
   * readAhead.ts); it may read `progress`, which the check keeps up to date.
   */
  run(
    linked: ReadonlyArray<LinkedComponent>, index: Index, packDirs: ReadonlyMap<string, PackLocation>, nowMs: number,
    progress?: CheckProgress, whileWaiting?: () => boolean,
  ): Checked {
    // Remembering costs a stat per script: a service that compiles once (the CLI) does not pay for it.
    if (this.runs++ === 0) {
      this.checked = linked.length
      // Every script is read on the first run: a second thread reads and hashes them meanwhile.
      const order = new Map<string, number>()
      for (const { component } of linked) {
        const location = packDirs.get(component.unit.file.abs)
        const abs = location === undefined ? undefined : entryPointPath(component, location)
        if (abs !== undefined && !order.has(abs)) order.set(abs, order.size)
      }
      return withScriptsAhead([...order.keys()], nowMs, (readAhead) =>
        check(linked, index, packDirs, this.scripts, readAhead === undefined ? undefined : (abs) => {
          const at = order.get(abs)
          return at === undefined ? undefined : readAhead(at)
        }, progress), whileWaiting)
    }
    const patches = new Map<Component, Record<string, unknown>>()
    const files = new Map<string, ScriptFile>()
    const findings: Array<UnitFinding> = []
    const recordingIndex = new RecordingIndex(index)
    this.scripts.nowMs = nowMs
    this.checked = 0
    for (const item of linked) {
      const { component } = item
      const location = packDirs.get(component.unit.file.abs)
      let memo = this.memos.get(component)
      if (memo === undefined || !stillValid(memo, item, location, index)) {
        memo = this.checkOne(item, recordingIndex, packDirs, location)
        this.checked++
      }
      if (memo.patch !== undefined) patches.set(component, memo.patch)
      for (const file of memo.files) files.set(file.key, file)
      for (const f of memo.findings) findings.push({ unit: component.unit, finding: f })
    }
    return { patches, files: [...files.values()], findings }
  }

  private checkOne(item: LinkedComponent, index: RecordingIndex, packDirs: ReadonlyMap<string, PackLocation>, location: PackLocation | undefined): Memo {
    index.lookups = []
    index.opaque = false
    const scripts: Array<{ readonly abs: string; readonly stamp: Stamp }> = []
    this.scripts.recording = scripts
    const result = check([item], index, packDirs, this.scripts)
    // Nothing was looked up, the script was missing, or the index was used as a whole: not remembered.
    const remembered = this.scripts.recording !== undefined && !index.opaque
      && (item.component.entryPoint === undefined || scripts.length > 0)
    this.scripts.recording = undefined
    const memo: Memo = {
      linkPatch: item.patch, dir: location?.dir, realDir: location?.realDir, lookups: index.lookups, scripts,
      patch: result.patches.get(item.component), files: result.files, findings: result.findings.map((f) => f.finding),
    }
    if (remembered) this.memos.set(item.component, memo)
    else this.memos.delete(item.component)
    return memo
  }
}
