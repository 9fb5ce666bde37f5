/**
 * Finding packs and their YAML files on disk, and bounded reads. Sizes are checked on the open file
 * descriptor before reading, and only regular files are opened (a FIFO named *.yaml never blocks us).
 * Files and directories carry a stat stamp so that a recompile re-reads only what changed.
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
  /** Absent when pack.yaml is a symlink that leads outside the pack (PS4002): it is not read. */
  readonly manifest: SourceFile | undefined
  readonly files: ReadonlyArray<SourceFile>
  /**
   * Kind directory -> names of the other regular files the listings showed directly in it, where neither
   * the directory nor the file is a symlink (scripts, mostly).
   */
  readonly plainFiles: ReadonlyMap<string, ReadonlySet<string>>
  /** Files and folders of the pack that no kind reads (see `unreadFindings`). */
  readonly unread: ReadonlyArray<Unread>
}

/** A file or folder of a pack the compiler does not read. */
export interface Unread {
  /** Path inside the pack, `/`-separated. */
  readonly rel: string
  readonly display: string
  readonly folder: boolean
  /** A folder inside a kind directory (`actions/lib`): read after all when an entry point lies in it. */
  readonly inKindDirectory: boolean
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

/**
 * Git's stat data: when a file's stamp is unchanged, so are its bytes, unless it changed within one tick
 * of the file system's clock of being stamped ("racy"): such a stamp is not `settled` and is not trusted.
 * Times are the stat's milliseconds: a settled stamp is older than the window, so any later change moves
 * them by more than the window, far beyond their sub-microsecond rounding.
 */
export interface Stamp {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly settled: boolean
}

/**
 * How recently a file may have changed and still be trusted by its stamp. File systems with whole-second
 * times (FAT keeps two seconds) get the long window; the short one covers a kernel clock tick and skew.
 */
export const RACY_WINDOW_MS = 100
const COARSE_RACY_WINDOW_MS = 3_000

export const stampOf = (stats: Pick<fs.Stats, "dev" | "ino" | "size" | "mtimeMs" | "ctimeMs">, nowMs: number): Stamp => {
  const coarse = stats.mtimeMs % 1000 === 0 && stats.ctimeMs % 1000 === 0
  const latest = Math.max(stats.mtimeMs, stats.ctimeMs)
  return {
    dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs,
    settled: latest + (coarse ? COARSE_RACY_WINDOW_MS : RACY_WINDOW_MS) < nowMs,
  }
}

/** What `abs` names now (symlinks followed) is what `earlier` stamped, and that stamp can be trusted. */
export const unchangedSince = (earlier: Stamp, abs: string): boolean => {
  if (!earlier.settled) return false
  const now = statOf(abs)
  return now !== undefined && earlier.ino === now.ino && earlier.mtimeMs === now.mtimeMs && earlier.ctimeMs === now.ctimeMs
    && earlier.size === now.size && earlier.dev === now.dev
}

export type ReadResult =
  | { readonly ok: true; readonly bytes: Buffer; readonly mode: number }
  | { readonly ok: false; readonly tooLarge: number }
  | { readonly ok: false; readonly error: string }

/** Reads a regular file of at most `limit` bytes (fs throws; this returns what happened). */
export const readBounded = (abs: string, limit: number): ReadResult => readStamped(abs, limit, undefined)

export type StampedRead = ReadResult & { readonly stamp?: Stamp }

/**
 * `readBounded`, plus the stamp of the bytes read (taken on the open descriptor) when `nowMs` is given.
 * `noFollow`: a symlink in the last component fails to open rather than being followed.
 */
export const readStamped = (abs: string, limit: number, nowMs: number | undefined, noFollow = false): StampedRead => {
  let fd: number | undefined
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (noFollow ? fs.constants.O_NOFOLLOW ?? 0 : 0))
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) return { ok: false, error: "not a regular file" }
    const size = stat.size
    if (size > limit) return { ok: false, tooLarge: size }
    const bytes = Buffer.allocUnsafe(size)
    let read = 0
    while (read < size) {
      const n = fs.readSync(fd, bytes, read, size - read, read)
      if (n === 0) break
      read += n
    }
    const result = { ok: true as const, bytes: read === size ? bytes : bytes.subarray(0, read), mode: stat.mode }
    return nowMs === undefined ? result : { ...result, stamp: stampOf(stat, nowMs) }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) }
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/** stat that names nothing instead of throwing for a path through a file, a symlink loop or too long a name. */
const statOf = (abs: string): fs.Stats | undefined => {
  try {
    return fs.statSync(abs, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

const lstatOf = (abs: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(abs, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

type Listing = ReadonlyArray<fs.Dirent>

const byName = (a: fs.Dirent, b: fs.Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

const readListing = (abs: string): Listing => {
  try {
    return fs.readdirSync(abs, { withFileTypes: true }).sort(byName)
  } catch {
    // A kind directory that cannot be listed holds no files for us; a missing one is the common case.
    return []
  }
}

/**
 * Directory listings kept between compiles: a directory whose stamp is unchanged has the same entries
 * (creating, removing or renaming an entry moves its times), so it is not read again.
 */
export class ListingCache {
  private readonly listings = new Map<string, { readonly stamp: Stamp; readonly entries: Listing }>()
  private readonly used = new Set<string>()

  constructor(private readonly nowMs: number = Date.now()) {}

  /** A cache for the next compile, keeping the listings this one used. */
  next(nowMs: number): ListingCache {
    const next = new ListingCache(nowMs)
    for (const dir of this.used) {
      const known = this.listings.get(dir)
      if (known !== undefined) next.listings.set(dir, known)
    }
    return next
  }

  list(abs: string): Listing {
    this.used.add(abs)
    const known = this.listings.get(abs)
    if (known !== undefined && unchangedSince(known.stamp, abs)) return known.entries
    const stats = statOf(abs)
    if (stats === undefined) {
      this.listings.delete(abs)
      return []
    }
    // Stamped before reading, so a change while reading leaves a stale stamp, never a stale listing.
    const entries = readListing(abs)
    this.listings.set(abs, { stamp: stampOf(stats, this.nowMs), entries })
    return entries
  }
}

const realpath = (abs: string): string | undefined => {
  try {
    return fs.realpathSync.native(abs)
  } catch {
    return undefined
  }
}

/**
 * The real path of `abs`, given that `realDir` is already a real path. realpath(3) reads every component of
 * the path as a link (a syscall each, from the root); below `realDir` it is enough to lstat the components
 * there, and only a symlink among them needs the full resolution. Undefined when nothing is there.
 */
export const realpathWithin = (abs: string, realDir: string): string | undefined => {
  const prefix = realDir.endsWith(path.sep) ? realDir : realDir + path.sep
  if (!abs.startsWith(prefix) || abs.length === prefix.length) return realpath(abs)
  let at = prefix.length
  while (at <= abs.length) {
    const slash = abs.indexOf(path.sep, at)
    const end = slash === -1 ? abs.length : slash
    // "." and ".." (and empty components) are realpath's to interpret.
    const part = abs.slice(at, end)
    if (part === "" || part === "." || part === "..") return realpath(abs)
    let stats: fs.Stats | undefined
    try {
      stats = fs.lstatSync(abs.slice(0, end), { throwIfNoEntry: false })
    } catch {
      // ENOTDIR and the like: the path names nothing, as realpath would find.
      return undefined
    }
    if (stats === undefined) return undefined
    if (stats.isSymbolicLink()) return realpath(abs)
    at = end + 1
  }
  return abs
}

export const isInside = (root: string, candidate: string): boolean => {
  const rel = path.relative(root, candidate)
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel))
}

export const displayPathFor = (cwd: string) => (abs: string): string => {
  const rel = path.relative(cwd, abs)
  return rel !== "" && isInside(cwd, abs) ? rel.split(path.sep).join("/") : abs
}

/** Display paths of the files under `dir` (relative, `/`-separated) without a path.relative per file. */
const displayUnder = (dir: string, cwd: string, display: (abs: string) => string): ((rel: string, abs: string) => string) => {
  if (isInside(cwd, dir)) {
    const prefix = display(dir)
    // `dir` is the working directory itself: files show as their path inside it.
    return prefix === dir ? (rel) => rel : (rel) => `${prefix}/${rel}`
  }
  // Neither contains the other: no file under `dir` is under the working directory either.
  if (!isInside(dir, cwd)) return (_rel, abs) => abs
  return (_rel, abs) => display(abs)
}

const KIND_DIRECTORY_NAMES: ReadonlySet<string> = new Set(FILE_KIND_DIRECTORIES.map(([directory]) => directory))

/**
 * Names left alone wherever they are: hidden entries (`.git`, `.github`), Python's caches, and the folders a
 * pack keeps for people. Files that are not YAML are left alone too (README, LICENSE, icon.png, requirements.txt,
 * package.json, scripts): packsmith reads none of them, and a script an action names is read as its entry point.
 */
const LEFT_ALONE = (name: string): boolean => name.startsWith(".") || name === "__pycache__"
const FOLDERS_FOR_PEOPLE: ReadonlySet<string> = new Set(["docs", "doc", "images"])

/** A listed directory, or a symlink to one. */
const isFolder = (dir: string, entry: fs.Dirent): boolean =>
  entry.isDirectory() || (entry.isSymbolicLink() && statOf(path.join(dir, entry.name))?.isDirectory() === true)

export const YAML_FILE = /\.ya?ml$/
const WORKFLOW_FILE = /\.workflow\.ya?ml$/
export const MANIFEST_NAMES: ReadonlyArray<string> = ["pack.yaml", "pack.yml"]

const isFileEntry = (dir: string, entry: fs.Dirent | undefined): boolean =>
  entry !== undefined && (entry.isFile() || (entry.isSymbolicLink() && statOf(path.join(dir, entry.name))?.isFile() === true))

const manifestIn = (dir: string, entries: Listing): string | undefined => {
  // An empty listing may be a directory we may enter but not list: look the manifest up by name then.
  if (entries.length === 0) return MANIFEST_NAMES.map((n) => path.join(dir, n)).find((p) => statOf(p)?.isFile() === true)
  for (const name of MANIFEST_NAMES) {
    if (isFileEntry(dir, entries.find((e) => e.name === name))) return path.join(dir, name)
  }
  return undefined
}

/** A kind directory's files by the listing they came from: an unchanged listing yields the same objects. */
const filesOfListing = new WeakMap<Listing, {
  readonly key: string; readonly files: ReadonlyArray<SourceFile>; readonly plain: ReadonlySet<string>; readonly folders: ReadonlyArray<Unread>
}>()

const under = (dir: string, rel: string): string => (dir.endsWith(path.sep) ? dir : dir + path.sep) + rel.split("/").join(path.sep)

const packFiles = (
  dir: string, realDir: string, entries: Listing, listings: ListingCache, cwd: string, show: (rel: string, abs: string) => string,
  manifest: { readonly rel: string; readonly readAt: string | undefined },
): { readonly files: Array<SourceFile>; readonly plainFiles: Map<string, ReadonlySet<string>>; readonly findings: Array<PathFinding>; readonly unread: Array<Unread> } => {
  const files: Array<SourceFile> = []
  const plainFiles = new Map<string, ReadonlySet<string>>()
  const findings: Array<PathFinding> = []
  const unread: Array<Unread> = []
  // At the top of the pack: every YAML file but the manifest read, and every folder that is not a kind's.
  for (const entry of entries) {
    const name = entry.name
    if (LEFT_ALONE(name) || KIND_DIRECTORY_NAMES.has(name)) continue
    const abs = under(dir, name)
    if (YAML_FILE.test(name)) {
      // The manifest, and the file it is a symlink to, are read.
      if (name !== manifest.rel && path.join(realDir, name) !== manifest.readAt) unread.push({ rel: name, display: show(name, abs), folder: false, inKindDirectory: false })
    } else if (!FOLDERS_FOR_PEOPLE.has(name) && manifest.readAt?.startsWith(path.join(realDir, name) + path.sep) !== true && isFolder(dir, entry)) {
      unread.push({ rel: name, display: show(name, abs), folder: true, inKindDirectory: false })
    }
  }
  const leaves = (rel: string, abs: string, what: string) =>
    findings.push({ display: show(rel, abs), finding: finding("PS4002", `${rel} is a symlink that leads outside the pack; ${what}`, "", { hint: "a symlink must stay inside the pack" }) })
  // List only the kind directories that exist: most packs have a few of them.
  const known = new Map<string, Listing>([["", entries]])
  const listing = (directory: string): Listing => {
    const cached = known.get(directory)
    if (cached !== undefined) return cached
    const slash = directory.lastIndexOf("/")
    const parent = slash === -1 ? "" : directory.slice(0, slash)
    const name = directory.slice(slash + 1)
    const entry = listing(parent).find((e) => e.name === name)
    const abs = under(dir, directory)
    let found: Listing = []
    if (entry?.isDirectory() === true) found = listings.list(abs)
    else if (entry?.isSymbolicLink() === true) {
      // A kind directory may be a symlink within the pack; one that leads out of it is not read (one that
      // leads nowhere, or loops, holds no files).
      const real = realpath(abs)
      if (real !== undefined && !isInside(realDir, real)) leaves(directory, abs, "its files are not read")
      else if (real !== undefined) found = listings.list(abs)
    }
    known.set(directory, found)
    return found
  }
  for (const [directory, kind] of FILE_KIND_DIRECTORIES) {
    const kindEntries = listing(directory)
    if (kindEntries.length === 0) continue
    const key = `${dir}\u0000${realDir}\u0000${directory}\u0000${cwd}`
    const known = filesOfListing.get(kindEntries)
    if (known !== undefined && known.key === key) {
      for (const file of known.files) files.push(file)
      if (known.plain.size > 0) plainFiles.set(directory, known.plain)
      for (const folder of known.folders) unread.push(folder)
      continue
    }
    const absDir = under(dir, directory)
    const found: Array<SourceFile> = []
    const plain = new Set<string>()
    const folders: Array<Unread> = []
    // A top-level kind directory that is no symlink: its regular files are where they are listed.
    const plainDirectory = !directory.includes("/") && entries.find((e) => e.name === directory)?.isDirectory() === true
    // A symlink's target can change while the listing does not: such files are looked at every time.
    let symlinks = false
    for (const entry of kindEntries) {
      if (!YAML_FILE.test(entry.name)) {
        if (plainDirectory && entry.isFile()) plain.add(entry.name)
        else if (!entry.isFile() && !LEFT_ALONE(entry.name)) {
          // A folder inside a kind directory is not read (unless it is a kind's own, actions/workflows).
          const rel = `${directory}/${entry.name}`
          if (entry.isSymbolicLink()) symlinks = true
          if (!KIND_DIRECTORY_NAMES.has(rel) && isFolder(absDir, entry)) {
            folders.push({ rel, display: show(rel, `${absDir}${path.sep}${entry.name}`), folder: true, inKindDirectory: true })
          }
        }
        continue
      }
      const abs = `${absDir}${path.sep}${entry.name}`
      const rel = `${directory}/${entry.name}`
      let readAt = abs
      if (entry.isSymbolicLink()) {
        symlinks = true
        const real = realpath(abs)
        if (real === undefined) {
          findings.push({ display: show(rel, abs), finding: finding("PS1004", `${rel} cannot be read: it is a symlink to nothing (or a loop)`, "") })
          continue
        }
        if (!isInside(realDir, real)) {
          leaves(rel, abs, "it is not read")
          continue
        }
        if (statOf(real)?.isFile() !== true) continue
        readAt = real
      } else if (!entry.isFile()) continue
      const fileKind: FileKind = kind === "action" && WORKFLOW_FILE.test(entry.name) ? "workflow" : kind
      found.push({ abs, display: show(rel, abs), rel, kind: fileKind, readAt })
    }
    if (!symlinks) filesOfListing.set(kindEntries, { key, files: found, plain, folders })
    for (const file of found) files.push(file)
    if (plain.size > 0) plainFiles.set(directory, plain)
    for (const folder of folders) unread.push(folder)
  }
  return { files, plainFiles, findings, unread }
}

const KIND_FOLDERS = FILE_KIND_DIRECTORIES.map(([directory]) => `${directory}/`).join(", ")
const SHARED_CODE = "shared code is not in the bundle: only the scripts that actions and sensors name as entry_point are"

/** Why a file or folder is not read, and what to do about it. */
const unreadHint = (entry: Unread): string => {
  const name = entry.rel.slice(entry.rel.lastIndexOf("/") + 1)
  if (entry.inKindDirectory) {
    const directory = entry.rel.slice(0, entry.rel.lastIndexOf("/"))
    if (name === "lib") return SHARED_CODE
    return directory === "actions" || directory === "sensors"
      ? `only the YAML files directly in ${directory}/ are read, and of its other files only the scripts that entry points name go into the bundle`
      : `only the YAML files directly in ${directory}/ are read`
  }
  if (!entry.folder) {
    if (name === "config.schema.yaml") return "packsmith reads a pack's config schema from `conf_schema` in pack.yaml: move it there"
    if (MANIFEST_NAMES.includes(name)) return `the pack's manifest is ${MANIFEST_NAMES.find((n) => n !== name)}: keep one of the two`
    return `packsmith reads YAML files in ${KIND_FOLDERS} and pack.yaml: move it into one of those, or remove it`
  }
  switch (name) {
    case "aliases": return "action aliases (StackStorm's ChatOps) are not supported"
    case "policies": return "action policies are not supported"
    case "tests": return "packsmith does not run a pack's tests, and the bundle does not carry them"
    case "lib": return SHARED_CODE
    default: return `packsmith reads the folders ${KIND_FOLDERS}`
  }
}

/**
 * A warning (PS1012) for each file and folder of the pack that is not read; `entryPoints`: the paths inside
 * the pack that its actions and sensors name as entry points (a folder that holds one is read after all, and
 * one an entry point names is reported as such).
 */
export const unreadFindings = (location: PackLocation, entryPoints: ReadonlyArray<string>): Array<PathFinding> =>
  location.unread
    .filter((entry) => !(entry.inKindDirectory && entryPoints.some((used) => used === entry.rel || used.startsWith(`${entry.rel}/`))))
    .map((entry) => ({
      display: entry.display,
      finding: finding("PS1012", `${entry.rel}${entry.folder ? "/" : ""} is not read`, "", { hint: unreadHint(entry) }),
    }))

/** Each path is a pack directory (has pack.yaml) or a folder whose subdirectories are packs. */
export const discover = (paths: ReadonlyArray<string>, cwd: string, listings: ListingCache = new ListingCache()): Discovery => {
  const display = displayPathFor(cwd)
  const packs: Array<PackLocation> = []
  const findings: Array<PathFinding> = []
  const seen = new Set<string>()
  const addPack = (dir: string, realDir: string, manifest: string, entries: Listing) => {
    if (seen.has(realDir)) return
    seen.add(realDir)
    const show = displayUnder(dir, cwd, display)
    const manifestRel = path.basename(manifest)
    const shown = show(manifestRel, manifest)
    // Like every file of the pack, a manifest that is a symlink is read only where it leads inside the pack
    // (its target is looked up every time: it can change while the listing does not).
    const listed = entries.find((e) => e.name === manifestRel)
    const symlink = listed !== undefined ? listed.isSymbolicLink() : lstatOf(manifest)?.isSymbolicLink() === true
    const real = symlink ? realpath(manifest) : manifest
    let manifestFile: SourceFile | undefined
    if (real === undefined) {
      findings.push({ display: shown, finding: finding("PS1004", `${manifestRel} cannot be read: it is a symlink to nothing (or a loop)`, "") })
    } else if (symlink && !isInside(realDir, real)) {
      findings.push({ display: shown, finding: finding("PS4002", `${manifestRel} is a symlink that leads outside the pack; it is not read`, "", { hint: "a symlink must stay inside the pack" }) })
    } else {
      manifestFile = { abs: manifest, display: shown, rel: manifestRel, kind: "pack", readAt: real }
    }
    const { files, plainFiles, findings: found, unread } = packFiles(dir, realDir, entries, listings, cwd, show, { rel: manifestRel, readAt: manifestFile?.readAt })
    packs.push({ dir, realDir, display: display(dir), manifest: manifestFile, files, plainFiles, unread })
    for (const f of found) findings.push(f)
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
    const entries = listings.list(abs)
    const manifest = manifestIn(abs, entries)
    const realAbs = realpath(abs) ?? abs
    if (manifest !== undefined) {
      addPack(abs, realAbs, manifest, entries)
      continue
    }
    let found = 0
    for (const child of entries) {
      if (!child.isDirectory() && !child.isSymbolicLink()) continue
      const dir = path.join(abs, child.name)
      const childEntries = listings.list(dir)
      const childManifest = manifestIn(dir, childEntries)
      if (childManifest === undefined) continue
      found++
      addPack(dir, realpathWithin(path.join(realAbs, child.name), realAbs) ?? dir, childManifest, childEntries)
    }
    if (found === 0) {
      findings.push({ display: shown, finding: finding("PS1001", `${shown} has no pack.yaml and no subdirectory with one`, "") })
    }
  }
  packs.sort((a, b) => (a.realDir < b.realDir ? -1 : a.realDir > b.realDir ? 1 : 0))
  return { packs, findings }
}
