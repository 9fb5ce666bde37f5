/**
 * The YAML files of the discovered packs as units, kept between compiles: a file whose stat stamp has not
 * moved keeps its unit without being read; a file that was read again but has the same text keeps it too;
 * the rest are read and parsed. One plain loop over the files, inside the caller's one Effect.
 */
import * as path from "node:path"
import { finding } from "./Finding.js"
import { MAX_YAML_BYTES } from "./limits.js"
import { readStamped, unchangedSince, type Discovery, type PackLocation, type PathFinding, type Stamp } from "./load.js"
import type { FileUnit, SourceFile } from "./model.js"
import { withYamlAhead, type ReadAhead, type Speculation } from "./readAhead.js"
import { buildUnit, declaredPackRef, textOf } from "./unit.js"

export interface Sources {
  /** Discovery order: each pack's manifest, then its files. */
  readonly units: ReadonlyArray<FileUnit>
  readonly packOfUnit: ReadonlyMap<FileUnit, string>
  readonly locationOfFile: ReadonlyMap<string, PackLocation>
  /** Each pack's directory as shown to the user, by pack ref. */
  readonly packDirs: ReadonlyMap<string, string>
  /** Files that could not be read. */
  readonly findings: ReadonlyArray<PathFinding>
  readonly files: number
  readonly read: number
  readonly parsed: number
}

interface Kept {
  readonly stamp: Stamp
  readonly unit: FileUnit
  /** The pack directories the unit was checked against for host paths. */
  readonly hostKey: string
  /** The last load that found the file (the others are forgotten). */
  seenIn: number
}

interface Pack {
  readonly location: PackLocation
  readonly directoryName: string
  readonly hostPaths: ReadonlyArray<string>
  readonly hostKey: string
  /** Known once the manifest is read ("" while it is: manifests are built without a pack ref). */
  ref: string
}

/** Work the compiler can do while the files load (see PackTextsWhileLoading in emit.ts). */
export interface WhileLoading {
  /** A pack whose files are all loaded: its ref and location, and its units (manifest first, when it has one). */
  readonly packLoaded: (ref: string, location: PackLocation, units: ReadonlyArray<FileUnit>) => void
  /** One piece of that work, done while a file is still with the second thread; false when there is none. */
  readonly whileWaiting: () => boolean
}

/** Two loads of one compile as one (the packs given, then a pack the compiler added). */
export const joinSources = (a: Sources, b: Sources): Sources => ({
  units: [...a.units, ...b.units],
  packOfUnit: new Map([...a.packOfUnit, ...b.packOfUnit]),
  locationOfFile: new Map([...a.locationOfFile, ...b.locationOfFile]),
  packDirs: new Map([...b.packDirs, ...a.packDirs]),
  findings: [...a.findings, ...b.findings],
  files: a.files + b.files,
  read: a.read + b.read,
  parsed: a.parsed + b.parsed,
})

/** The pack's YAML files in the order they are loaded: the manifest (when it is read) first. */
const filesOf = (location: PackLocation): ReadonlyArray<SourceFile> =>
  location.manifest === undefined ? location.files : [location.manifest, ...location.files]

export class UnitCache {
  /** By absolute path. */
  private readonly kept = new Map<string, Kept>()
  private generation = 0

  /** True when no file is kept: the next load reads every file it finds. */
  get empty(): boolean {
    return this.kept.size === 0
  }

  /**
   * The units of the discovered packs (a compile may load more than one discovery; `sweep` ends it).
   * `speculation`: YAML files the second thread began reading during discovery (see readAhead.ts); ended here.
   */
  load(discovery: Discovery, nowMs: number, whileLoading?: WhileLoading, speculation?: Speculation): Sources {
    const generation = this.generation
    const findings: Array<PathFinding> = []
    let read = 0
    let parsed = 0

    const packs: Array<Pack> = discovery.packs.map((location) => {
      const hostPaths = [...new Set([location.dir, location.realDir])]
      return { location, directoryName: path.basename(location.dir), hostPaths, hostKey: hostPaths.join("\u0000"), ref: "" }
    })
    /** The unit of last time, if it was built for this pack, as this kind, against these directories. */
    const keptFor = (file: SourceFile, pack: Pack): Kept | undefined => {
      const known = this.kept.get(file.abs)
      return known !== undefined && known.unit.packRef === pack.ref && known.unit.file.kind === file.kind && known.hostKey === pack.hostKey
        ? known : undefined
    }
    const keep = (known: Kept, file: SourceFile, stamp: Stamp = known.stamp): FileUnit => {
      if (stamp !== known.stamp) this.kept.set(file.abs, { ...known, stamp, seenIn: generation })
      else known.seenIn = generation
      known.unit.file = file
      return known.unit
    }
    const remember = (file: SourceFile, pack: Pack, unit: FileUnit, stamp: Stamp): FileUnit => {
      this.kept.set(file.abs, { stamp, unit, hostKey: pack.hostKey, seenIn: generation })
      return unit
    }

    const readHere = (file: SourceFile, pack: Pack, ahead: ReadAhead | undefined): FileUnit | undefined => {
      read++
      const bytes = ahead?.read ?? readStamped(file.readAt, MAX_YAML_BYTES, nowMs, true)
      if (!bytes.ok) {
        this.kept.delete(file.abs)
        findings.push({
          display: file.display,
          finding: "tooLarge" in bytes
            ? finding("PS1002", `${file.display} is ${bytes.tooLarge} bytes; YAML files are limited to ${MAX_YAML_BYTES}`, "")
            : finding("PS1004", `${file.display} cannot be read: ${bytes.error}`, ""),
        })
        return undefined
      }
      // Saved again, or checked out again, with the same text: the unit stands.
      const known = keptFor(file, pack)
      if (known !== undefined && Buffer.compare(known.unit.bytes, bytes.bytes) === 0) return keep(known, file, bytes.stamp!)
      parsed++
      return remember(file, pack, buildUnit(file, bytes.bytes, pack.ref, pack.directoryName, pack.hostPaths, ahead?.parsed), bytes.stamp!)
    }
    const units: Array<FileUnit> = []
    const packOfUnit = new Map<FileUnit, string>()
    const locationOfFile = new Map<string, PackLocation>()
    const packDirs = new Map<string, string>()
    // Which files have the stamp they were last read with, in the order they are visited below; the others
    // are read (by a second thread as well, when they are many).
    const unchanged: Array<boolean> = []
    const toRead: Array<string> = []
    for (const pack of packs) {
      for (const file of filesOf(pack.location)) {
        const known = this.kept.get(file.abs)
        const same = known !== undefined && unchangedSince(known.stamp, file.abs)
        unchanged.push(same)
        if (!same) toRead.push(file.readAt)
      }
    }
    let files = 0
    withYamlAhead(toRead, nowMs, (readAhead) => {
      let visited = 0
      let taken = 0
      const unitFor = (file: SourceFile, pack: Pack): FileUnit | undefined => {
        const known = keptFor(file, pack)
        if (unchanged[visited++] === true) {
          if (known !== undefined) return keep(known, file)
          return readHere(file, pack, undefined)
        }
        return readHere(file, pack, readAhead?.(taken++))
      }
      for (const pack of packs) {
        // The manifest first: the other files of a pack are qualified with the ref it declares.
        const manifest = pack.location.manifest === undefined ? undefined : unitFor(pack.location.manifest, pack)
        pack.ref = manifest?.manifest?.ref ?? (manifest === undefined ? undefined : declaredPackRef(textOf(manifest.bytes))) ?? pack.directoryName
        files += (pack.location.manifest === undefined ? 0 : 1) + pack.location.files.length
        if (!packDirs.has(pack.ref)) packDirs.set(pack.ref, pack.location.display)
        const first = units.length
        if (manifest !== undefined) {
          units.push(manifest)
          packOfUnit.set(manifest, pack.ref)
        }
        for (const file of pack.location.files) {
          locationOfFile.set(file.abs, pack.location)
          const unit = unitFor(file, pack)
          if (unit === undefined) continue
          units.push(unit)
          packOfUnit.set(unit, pack.ref)
        }
        whileLoading?.packLoaded(pack.ref, pack.location, units.slice(first))
      }
    }, whileLoading?.whileWaiting, speculation)
    return { units, packOfUnit, locationOfFile, packDirs, findings, files, read, parsed }
  }

  /** Ends a compile: the files no load of it found are forgotten. */
  sweep(): void {
    for (const [abs, known] of this.kept) if (known.seenIn !== this.generation) this.kept.delete(abs)
    this.generation++
  }
}
