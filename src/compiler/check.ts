/**
 * Checks that need the whole workspace or the disk: entry points (inside the pack, regular files, hashed
 * for the bundle's file table), rule and task parameters against the action or trigger they use.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { runtimeFamilyOf } from "../domain/RuntimeFamily.js"
import { scanValueForSecrets, secretScan } from "../domain/SecretValues.js"
import { sha256Hex as createSha, type BundleFile } from "../domain/Bundle.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { finding, pointerJoin, didYouMean, type Finding } from "./Finding.js"
import { MAX_SCRIPT_BYTES } from "./limits.js"
import { isInside, readBounded, realpathWithin, type PackLocation, type Stamp } from "./load.js"
import type { ScriptAhead } from "./readAhead.js"
import type { Index, LinkedComponent, UnitFinding } from "./link.js"
import type { Component, EntryPointSource } from "./model.js"
import { validateAgainst } from "./schemaValidation.js"
import { isTemplated } from "./templates.js"
import { TIMER_PARAMETER_KEYS } from "./timers.js"

export interface ScriptFile {
  /** `<pack>/<path relative to the pack>`. */
  readonly key: string
  readonly entry: BundleFile
  readonly bytes: Buffer
  /** The bytes in base64 (the bundle's blob), when they were encoded on the read-ahead thread. */
  readonly base64?: string
}

interface CachedScript {
  readonly signature: Signature
  readonly sha256: string
  readonly entry: BundleFile
  readonly bytes: Buffer
  readonly base64?: string
}

/** What a script's stat says about its bytes and mode; the same signature means the same script. */
interface Signature {
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
  readonly mode: number
}

const sameSignature = (a: Signature, b: Signature): boolean =>
  a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.size === b.size && a.dev === b.dev && a.mode === b.mode

/** Scripts are re-hashed only when their stat signature (inode, size, mtime, ctime) changes. */
export type ScriptCache = Map<string, CachedScript>

export interface Checked {
  /** Component -> final patch (link patch + entry point). */
  readonly patches: ReadonlyMap<Component, Record<string, unknown>>
  readonly files: ReadonlyArray<ScriptFile>
  readonly findings: ReadonlyArray<UnitFinding>
}

const SIMPLE_NAME = /^(?!\.\.?$)[^/\\]+$/
const INLINE_SHELL = /[\s;|&$<>()`'"\\]/
const HOST_BINARY = /^[A-Za-z0-9._+-]+$/

/** A path through a file (`run.sh/x`), too long, or looping through symlinks names nothing: stat throws for those. */
const statOf = (abs: string): fs.Stats | undefined => {
  try {
    return fs.statSync(abs, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

const listNames = (abs: string): Array<string> => {
  try {
    return fs.readdirSync(abs)
  } catch {
    // Only feeds a did-you-mean hint.
    return []
  }
}

const familyOfRuntime = (runtime: string | undefined, index: Index): string | undefined => {
  if (runtime === undefined) return undefined
  const component = index.get("runtimes")?.get(runtime)
  const names = component === undefined ? [runtime.slice(runtime.indexOf(".") + 1)]
    : [String(component.value["name"] ?? ""), ...((component.value["aliases"] as Array<string> | undefined) ?? [])]
  for (const name of names) {
    const family = runtimeFamilyOf(name)
    if (family !== undefined) return family
  }
  return undefined
}

type ScriptOutcome =
  | CachedScript
  | { readonly missing: true }
  | { readonly outside: string }
  | { readonly error: Finding["code"]; readonly message: string }

/** The signature of bytes read through an open descriptor: its stamp and mode. */
const readSignature = (stamp: Stamp, mode: number): Signature =>
  ({ dev: stamp.dev, ino: stamp.ino, size: stamp.size, mtimeMs: stamp.mtimeMs, ctimeMs: stamp.ctimeMs, mode })

/** A script's cache entry (the bundle's file entry, its bytes and hash), kept under `abs`. */
const remember = (cache: ScriptCache, abs: string, signature: Signature, sha256: string, bytes: Buffer, base64: string | undefined): CachedScript => {
  const entry: BundleFile = { sha256, size: bytes.length, mode: (signature.mode & 0o111) !== 0 ? 0o755 : 0o644 }
  const made = { signature, sha256, entry, bytes, ...(base64 === undefined ? {} : { base64 }) }
  cache.set(abs, made)
  return made
}

/** Scripts read ahead by path (see readAhead.ts); undefined when a path was not in the list. */
export type ScriptsAhead = (abs: string) => ScriptAhead | undefined

/** Where an entry point's file is, when it names one inside its pack (else the check reports it). */
export const entryPointPath = (component: Component, location: PackLocation): string | undefined => {
  const entry = component.entryPoint
  if (entry === undefined) return undefined
  const value = entry.value
  // A plain name needs no normalizing (the pack directory is absolute and normal already).
  if (SIMPLE_NAME.test(value)) return `${location.dir.endsWith(path.sep) ? location.dir : location.dir + path.sep}${entry.directory}${path.sep}${value}`
  return path.isAbsolute(value) || value.split(/[\\/]/).includes("..") ? undefined : path.join(location.dir, entry.directory, value)
}

/** The bundle's entry point for a file of the pack: its path relative to the pack, and the value as written. */
const fileEntryPoint = (entry: EntryPointSource): { readonly kind: "file"; readonly path: string; readonly value: string } => {
  const value = entry.value
  // A plain name is already normal; a path is normalized (`./x`, `a//b`).
  const rel = SIMPLE_NAME.test(value) ? `${entry.directory}/${value}` : path.posix.normalize(`${entry.directory}/${value.split(path.sep).join("/")}`)
  return { kind: "file", path: rel, value }
}

/**
 * The patch the check will make in a component whose entry point names a regular file its directory listed,
 * and whose refs all resolve as written (undefined: none); null when that cannot be told before the check
 * (a path that leaves the pack, a file the listing did not show). What the check finds on disk can still
 * differ (a file gone or replaced since the listing): this is a guess, used only where a wrong one costs
 * nothing but time (see PackTextsWhileLoading).
 */
export const expectedPatch = (component: Component, location: PackLocation): Record<string, unknown> | undefined | null => {
  const entry = component.entryPoint
  if (entry === undefined) return undefined
  if (entryPointPath(component, location) === undefined || location.plainFiles.get(entry.directory)?.has(entry.value) !== true) return null
  return { entry_point: fileEntryPoint(entry) }
}

const lstatOf = (abs: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(abs, { throwIfNoEntry: false })
  } catch {
    return undefined
  }
}

/** Real paths of the directories scripts sit in, for one check: a pack's scripts share a few directories. */
type RealDirs = Map<string, string | undefined>

/**
 * The real path of a file that is not itself a symlink: its directory's real path (looked up once per
 * directory) and its name. A symlinked file is resolved on its own.
 */
const realpathOfScript = (abs: string, isLink: boolean, realDir: string, dirs: RealDirs): string | undefined => {
  if (isLink) return realpathWithin(abs, realDir)
  const directory = path.dirname(abs)
  let real = dirs.get(directory)
  if (real === undefined && !dirs.has(directory)) {
    real = realpathWithin(directory, realDir)
    dirs.set(directory, real)
  }
  return real === undefined ? undefined : path.join(real, path.basename(abs))
}

/**
 * Resolves, bounds-checks and hashes a referenced file. Cached by the stat signature of the file reached
 * (device, inode, size, times, mode), so an unchanged script costs one stat per compile.
 */
const readScript = (
  abs: string, realDir: string, cache: ScriptCache, dirs: RealDirs, ahead: ScriptsAhead | undefined, listedPlain: boolean,
): ScriptOutcome => {
  // Listed as a regular file in a kind directory that is no symlink, and read (without following a symlink)
  // ahead: that read's descriptor stat is the file's stat, and nothing else needs looking up.
  const listedRead = listedPlain ? ahead?.(abs) : undefined
  if (listedRead?.read.ok === true && listedRead.read.stamp !== undefined && listedRead.sha256 !== undefined) {
    const { read, sha256, base64 } = listedRead
    const signature = readSignature(listedRead.read.stamp, read.mode)
    const cached = cache.get(abs)
    if (cached !== undefined && sameSignature(cached.signature, signature)) return cached
    return remember(cache, abs, signature, sha256, read.bytes, base64)
  }
  // lstat first: for the usual file that is no symlink it is also the stat, and says no more lookups are needed.
  const link = lstatOf(abs)
  const isLink = link?.isSymbolicLink() === true
  const stat = isLink ? statOf(abs) : link
  if (stat === undefined) return { missing: true }
  const signature: Signature = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, mode: stat.mode }
  const cached = cache.get(abs)
  if (cached !== undefined && sameSignature(cached.signature, signature)) return cached
  // Missing (or unreadable) entry points are reported by the caller.
  const real = realpathOfScript(abs, isLink, realDir, dirs)
  if (real === undefined) return { missing: true }
  if (!isInside(realDir, real)) return { outside: real }
  if (!stat.isFile()) return { error: "PS4003", message: "is not a regular file" }
  // Read ahead from the same path, and still the file just looked at: its bytes and hash stand.
  const early = real === abs ? listedRead ?? ahead?.(abs) : undefined
  const fresh = early?.read.ok === true && early.read.stamp !== undefined && early.sha256 !== undefined
    && sameSignature(readSignature(early.read.stamp, early.read.mode), signature) ? early : undefined
  const read = fresh?.read ?? readBounded(real, MAX_SCRIPT_BYTES)
  if (!read.ok) return "tooLarge" in read ? { error: "PS1002", message: `is ${read.tooLarge} bytes (limit ${MAX_SCRIPT_BYTES})` } : { error: "PS1004", message: read.error }
  return remember(cache, abs, signature, fresh?.sha256 ?? createSha(read.bytes), read.bytes, fresh?.base64)
}

const requiredWithoutDefault = (schema: JsonObject | undefined): Array<string> => {
  if (schema === undefined) return []
  const properties = (schema["properties"] ?? {}) as Record<string, JsonObject>
  const required = Array.isArray(schema["required"]) ? (schema["required"] as Array<string>) : []
  return required.filter((name) => !Object.prototype.hasOwnProperty.call(properties[name] ?? {}, "default"))
}

/** `targetPointer`: where the invoked action is named, reported at when no parameters are given at all. */
const checkInvocation = (
  target: Component | undefined, params: JsonObject, pointer: string, targetPointer: string, what: string, out: Array<Finding>,
): void => {
  if (target === undefined) return
  const schema = target.value["parameters"] as JsonObject | undefined
  for (const name of requiredWithoutDefault(schema)) {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      out.push(finding("PS4027", `${what} does not give "${name}", which ${target.ref} requires`, Object.keys(params).length === 0 ? targetPointer : pointer))
    }
  }
  const secrets = secretScan()
  scanValueForSecrets(secrets, schema, params, pointer)
  for (const leak of secrets.leaks) {
    out.push(finding("PS4008", `"${leak.property}" is a secret parameter of ${target.ref}; do not write its value`, leak.pointer, { hint: "use a secret:<name> ref or a template" }))
  }
}

/** How far a check has come, as it goes: the first `done` components of its list are checked, with these patches. */
export interface CheckProgress {
  done: number
  readonly patches: Map<Component, Record<string, unknown>>
}

export const check = (
  linked: ReadonlyArray<LinkedComponent>, index: Index, packDirs: ReadonlyMap<string, PackLocation>, cache: ScriptCache,
  ahead?: ScriptsAhead, progress?: CheckProgress,
): Checked => {
  const findings: Array<UnitFinding> = []
  const patches = progress?.patches ?? new Map<Component, Record<string, unknown>>()
  const files = new Map<string, ScriptFile>()
  const actions = index.get("actions")
  const triggers = index.get("triggers")
  const dirs: RealDirs = new Map()
  for (const { component, patch: linkPatch } of linked) {
    const out: Array<Finding> = []
    const patch: Record<string, unknown> = { ...linkPatch }
    const entry = component.entryPoint
    const location = packDirs.get(component.unit.file.abs)
    if (entry !== undefined && location !== undefined) {
      const runtime = (patch["runtime"] as string | undefined) ?? component.runnerRuntime
      const family = familyOfRuntime(runtime, index)
      const value = entry.value
      const abs = entryPointPath(component, location)
      if (path.sep === "/" && value.includes("\\")) {
        // A file name with a backslash is a path on other hosts: the bundle could not carry it as it is.
        out.push(finding("PS4002", `entry point ${JSON.stringify(value)} has a backslash`, entry.pointer, { hint: "separate directories with /, and rename files whose names have a backslash" }))
      } else if (abs === undefined) {
        out.push(finding("PS4002", `entry point ${JSON.stringify(value)} leaves the pack`, entry.pointer, { hint: "give a path relative to the pack's " + entry.directory + "/ directory" }))
      } else {
        const listedPlain = location.plainFiles.get(entry.directory)?.has(value) === true
        const script = readScript(abs, location.realDir, cache, dirs, ahead, listedPlain)
        if ("missing" in script) {
          if (family === "native" && HOST_BINARY.test(value)) {
            out.push(finding("PS4004", `${JSON.stringify(value)} is not a file of the pack; it will be looked up on the worker`, entry.pointer))
            patch["entry_point"] = { kind: "host", value }
          } else if (family === "shell" && INLINE_SHELL.test(value)) {
            patch["entry_point"] = { kind: "inline", value }
          } else {
            const names = listNames(path.join(location.dir, entry.directory))
            // `actions/run.sh` written relative to the pack: the file is there, one directory up from where it was looked for.
            const underPrefix = value.startsWith(`${entry.directory}/`) ? value.slice(entry.directory.length + 1) : undefined
            const hint = underPrefix !== undefined && names.includes(underPrefix)
              ? `entry points are relative to ${entry.directory}/: write ${JSON.stringify(underPrefix)}`
              : didYouMean(value, names.filter((name) => name !== value))
            out.push(finding("PS4001", `entry point ${JSON.stringify(`${entry.directory}/${value}`)} does not exist`, entry.pointer, hint === undefined ? {} : { hint }))
          }
        } else if ("outside" in script) {
          out.push(finding("PS4002", `entry point ${JSON.stringify(value)} resolves outside the pack`, entry.pointer, { hint: "a symlink must stay inside the pack" }))
        } else if ("error" in script) {
          out.push(finding(script.error, `entry point ${JSON.stringify(`${entry.directory}/${value}`)} ${script.message}`, entry.pointer))
        } else {
          const entryPoint = fileEntryPoint(entry)
          const key = `${component.pack}/${entryPoint.path}`
          files.set(key, { key, entry: script.entry, bytes: script.bytes, ...(script.base64 === undefined ? {} : { base64: script.base64 }) })
          patch["entry_point"] = entryPoint
        }
      }
    }
    if (component.section === "rules") {
      const params = component.value["action_params"] as JsonObject
      checkInvocation(actions?.get(String(component.value["action_ref"])), params, "/action_params", "/action_ref", "action_params", out)
      const trigger = triggers?.get(String(component.value["trigger_ref"]))
      const triggerSchema = trigger?.value["parameters"] as JsonObject | undefined
      // The core timers' own keys are checked (more precisely) by the timer checks.
      const owned = new Set(TIMER_PARAMETER_KEYS[String(component.value["trigger_ref"])] ?? [])
      const triggerParams = Object.fromEntries(Object.entries(component.value["trigger_params"] as JsonObject).filter(([key]) => !owned.has(key)))
      const properties = Object.fromEntries(Object.entries((triggerSchema?.["properties"] ?? {}) as JsonObject).filter(([key]) => !owned.has(key)))
      if (triggerSchema !== undefined && !Object.values(triggerParams).some(isTemplated) && Object.keys(properties).length > 0) {
        // Keys with a default need not be given: the trigger fills them in.
        const required = requiredWithoutDefault(triggerSchema).filter((key) => !owned.has(key))
        const { required: _required, ...rest } = triggerSchema
        const schema = { ...rest, properties, ...(required.length > 0 ? { required } : {}) }
        const result = validateAgainst(schema, triggerParams)
        if (!result.ok && "message" in result) {
          out.push(finding("PS4021", `trigger_params do not match ${trigger!.ref}: ${result.message}`, `/trigger_params${result.instancePath}`))
        }
      }
    }
    if (component.section === "workflows") {
      const model = component.unit.workflow
      for (const task of model?.tasks ?? []) {
        checkInvocation(actions?.get(task.action), task.input, pointerJoin(task.pointer, "input"), task.actionPointer, `task "${task.name}"`, out)
      }
    }
    for (const f of out) findings.push({ unit: component.unit, finding: f })
    if (Object.keys(patch).length > 0) patches.set(component, patch)
    if (progress !== undefined) progress.done++
  }
  return { patches, files: [...files.values()], findings }
}
