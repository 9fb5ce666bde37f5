/**
 * Finding packs and their YAML files on disk, and bounded reads. Sizes are checked on the open file
 * descriptor before reading, and only regular files are opened (a FIFO named *.yaml never blocks us).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { FILE_KIND_DIRECTORIES, type FileKind } from "../domain/FileKinds.js"
import { finding, type Finding } from "./Finding.js"
import type { SourceFile } from "./model.js"

export interface PackLocation {
  /** Absolute directory as reached from the user's path. */
  readonly dir: string
  /** Real path of the directory (symlinks resolved), for containment checks. */
  readonly realDir: string
  readonly display: string
  readonly manifest: SourceFile
  readonly files: ReadonlyArray<SourceFile>
}

/** A finding about a path rather than a parsed file. */
export interface PathFinding {
  readonly display: string
  readonly finding: Finding
}

export interface Discovery {
  readonly packs: ReadonlyArray<PackLocation>
  readonly findings: ReadonlyArray<PathFinding>
}

export type ReadResult =
  | { readonly ok: true; readonly bytes: Buffer; readonly mode: number }
  | { readonly ok: false; readonly tooLarge: number }
  | { readonly ok: false; readonly error: string }

/** Reads a regular file of at most `limit` bytes (fs throws; this returns what happened). */
export const readBounded = (abs: string, limit: number): ReadResult => {
  let fd: number | undefined
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0))
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) return { ok: false, error: "not a regular file" }
    if (stat.size > limit) return { ok: false, tooLarge: stat.size }
    const bytes = Buffer.allocUnsafe(stat.size)
    let read = 0
    while (read < stat.size) {
      const n = fs.readSync(fd, bytes, read, stat.size - read, read)
      if (n === 0) break
      read += n
    }
    return { ok: true, bytes: read === stat.size ? bytes : bytes.subarray(0, read), mode: stat.mode }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

const statOf = (abs: string): fs.Stats | undefined => fs.statSync(abs, { throwIfNoEntry: false })

const listDir = (abs: string): Array<fs.Dirent> => {
  try {
    return fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch {
    // A kind directory that cannot be listed holds no files for us; a missing one is the common case.
    return []
  }
}

const realpath = (abs: string): string | undefined => {
  try {
    return fs.realpathSync.native(abs)
  } catch {
    return undefined
  }
}

export const isInside = (root: string, candidate: string): boolean => {
  const rel = path.relative(root, candidate)
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel))
}

export const displayPathFor = (cwd: string) => (abs: string): string => {
  const rel = path.relative(cwd, abs)
  return rel !== "" && isInside(cwd, abs) ? rel.split(path.sep).join("/") : abs
}

const YAML_FILE = /\.ya?ml$/
const WORKFLOW_FILE = /\.workflow\.ya?ml$/
const MANIFEST_NAMES = ["pack.yaml", "pack.yml"]

const manifestOf = (dir: string): string | undefined => MANIFEST_NAMES.map((n) => path.join(dir, n)).find((p) => statOf(p)?.isFile() === true)

const packFiles = (dir: string, realDir: string, display: (abs: string) => string): Array<SourceFile> => {
  const files: Array<SourceFile> = []
  // List only the kind directories that exist: most packs have a few of them.
  const listings = new Map<string, Array<fs.Dirent>>([["", listDir(dir)]])
  const listing = (directory: string): Array<fs.Dirent> => {
    const known = listings.get(directory)
    if (known !== undefined) return known
    const slash = directory.lastIndexOf("/")
    const parent = slash === -1 ? "" : directory.slice(0, slash)
    const name = directory.slice(slash + 1)
    const entry = listing(parent).find((e) => e.name === name)
    const entries = entry !== undefined && (entry.isDirectory() || entry.isSymbolicLink()) ? listDir(path.join(dir, ...directory.split("/"))) : []
    listings.set(directory, entries)
    return entries
  }
  for (const [directory, kind] of FILE_KIND_DIRECTORIES) {
    const absDir = path.join(dir, ...directory.split("/"))
    for (const entry of listing(directory)) {
      if (!YAML_FILE.test(entry.name)) continue
      const abs = path.join(absDir, entry.name)
      if (entry.isSymbolicLink()) {
        const real = realpath(abs)
        if (real === undefined || !isInside(realDir, real) || statOf(real)?.isFile() !== true) continue
      } else if (!entry.isFile()) continue
      const fileKind: FileKind = kind === "action" && WORKFLOW_FILE.test(entry.name) ? "workflow" : kind
      files.push({ abs, display: display(abs), rel: `${directory}/${entry.name}`, kind: fileKind })
    }
  }
  return files
}

/** Each path is a pack directory (has pack.yaml) or a folder whose subdirectories are packs. */
export const discover = (paths: ReadonlyArray<string>, cwd: string): Discovery => {
  const display = displayPathFor(cwd)
  const packs: Array<PackLocation> = []
  const findings: Array<PathFinding> = []
  const seen = new Set<string>()
  const addPack = (dir: string, manifest: string) => {
    const realDir = realpath(dir) ?? dir
    if (seen.has(realDir)) return
    seen.add(realDir)
    const manifestFile: SourceFile = { abs: manifest, display: display(manifest), rel: path.basename(manifest), kind: "pack" }
    packs.push({ dir, realDir, display: display(dir), manifest: manifestFile, files: packFiles(dir, realDir, display) })
  }
  for (const given of paths) {
    const abs = path.resolve(cwd, given)
    const shown = display(abs)
    const stat = statOf(abs)
    if (stat === undefined) {
      findings.push({ display: shown, finding: finding("PS1001", `${shown} does not exist`, "") })
      continue
    }
    if (!stat.isDirectory()) {
      findings.push({ display: shown, finding: finding("PS1001", `${shown} is not a directory`, "", { hint: "pass the pack's directory, not one of its files" }) })
      continue
    }
    const manifest = manifestOf(abs)
    if (manifest !== undefined) {
      addPack(abs, manifest)
      continue
    }
    const children = listDir(abs).filter((e) => e.isDirectory() || e.isSymbolicLink())
    let found = 0
    for (const child of children) {
      const dir = path.join(abs, child.name)
      const childManifest = manifestOf(dir)
      if (childManifest === undefined) continue
      found++
      addPack(dir, childManifest)
    }
    if (found === 0) {
      findings.push({ display: shown, finding: finding("PS1001", `${shown} has no pack.yaml and no subdirectory with one`, "") })
    }
  }
  packs.sort((a, b) => (a.realDir < b.realDir ? -1 : a.realDir > b.realDir ? 1 : 0))
  return { packs, findings }
}
