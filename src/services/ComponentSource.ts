/**
 * The port the resolver reads compiled components through: actions, runtimes, runtime profiles, and where a
 * pack's files are on this host. `fromBundle` serves a bundle held in memory (compiled from pack directories,
 * or read from a bundle file whose blobs were materialized); `fromRegistry` serves a workspace of the registry.
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import { parse as parseYaml } from "yaml"
import { Action } from "../domain/Action.js"
import type { BundleEnvelope } from "../domain/Bundle.js"
import { fileKeyProblem } from "../domain/BundleInvariants.js"
import { PACK_REF_PATTERN } from "../domain/Refs.js"
import { Runtime } from "../domain/Runtime.js"
import type { RuntimeProfile } from "../domain/RuntimeProfile.js"
import { type NotFound, Registry, type RuntimeDetail } from "./Registry.js"

/** The store behind the port cannot answer (database down, files unreadable); not something a caller fixes. */
export class ComponentSourceUnavailable extends Schema.TaggedError<ComponentSourceUnavailable>()("ComponentSourceUnavailable", {
  source: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.source} cannot be read: ${this.reason}`
  }
}

export interface ComponentSourceShape {
  /** How errors and explanations name this source (`bundle sha256:…`, `packs packs,extra`). */
  readonly description: string
  readonly getAction: (ref: string) => Effect.Effect<Option.Option<Action>, ComponentSourceUnavailable>
  readonly listActionRefs: () => Effect.Effect<ReadonlyArray<string>, ComponentSourceUnavailable>
  readonly getRuntime: (ref: string) => Effect.Effect<Option.Option<Runtime>, ComponentSourceUnavailable>
  readonly listRuntimes: () => Effect.Effect<ReadonlyArray<Runtime>, ComponentSourceUnavailable>
  readonly getProfile: (ref: string) => Effect.Effect<Option.Option<RuntimeProfile>, ComponentSourceUnavailable>
  readonly listProfiles: () => Effect.Effect<ReadonlyArray<RuntimeProfile>, ComponentSourceUnavailable>
  /** Absolute directory holding the pack's files on this host; None when they are not here. */
  readonly packDir: (packRef: string) => Effect.Effect<Option.Option<string>, ComponentSourceUnavailable>
}

export interface FromBundleOptions {
  /** Directory whose `<pack>/` subdirectories hold each pack's files (materialized blobs, or a packs folder). */
  readonly packsRoot?: string
  /** Exact directory per pack ref; wins over packsRoot (packs compiled from directories not named by ref). */
  readonly packDirs?: Readonly<Record<string, string>>
  /** How to name the source in messages; default `bundle <digest>`. */
  readonly description?: string
}

const sortedValues = <A extends { readonly ref: string }>(record: ReadonlyMap<string, A>): ReadonlyArray<A> =>
  [...record.values()].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))

const makeFromBundle = (bundle: BundleEnvelope, options: FromBundleOptions = {}): ComponentSourceShape => {
  const actions = new Map<string, Action>()
  const runtimes = new Map<string, Runtime>()
  const profiles = new Map<string, RuntimeProfile>()
  for (const pack of Object.values(bundle.body.packs)) {
    for (const action of Object.values(pack.actions)) actions.set(action.ref, action)
    for (const runtime of Object.values(pack.runtimes)) runtimes.set(runtime.ref, runtime)
    for (const profile of Object.values(pack.profiles)) profiles.set(profile.ref, profile)
  }
  const packDir = (packRef: string): Option.Option<string> => {
    if (!(packRef in bundle.body.packs)) return Option.none()
    const exact = options.packDirs?.[packRef]
    if (exact !== undefined) return Option.some(nodePath.resolve(exact))
    return options.packsRoot === undefined ? Option.none() : Option.some(nodePath.resolve(options.packsRoot, packRef))
  }
  return {
    description: options.description ?? `bundle ${bundle.digest}`,
    getAction: (ref) => Effect.succeed(Option.fromNullable(actions.get(ref))),
    listActionRefs: () => Effect.succeed([...actions.keys()].sort()),
    getRuntime: (ref) => Effect.succeed(Option.fromNullable(runtimes.get(ref))),
    listRuntimes: () => Effect.succeed(sortedValues(runtimes)),
    getProfile: (ref) => Effect.succeed(Option.fromNullable(profiles.get(ref))),
    listProfiles: () => Effect.succeed(sortedValues(profiles)),
    packDir: (packRef) => Effect.succeed(packDir(packRef)),
  }
}

export interface FromRegistryOptions {
  /** Directory whose `<pack>/` subdirectories hold each registered pack's files on this host. */
  readonly packsRoot?: string
  /** Exact directory per pack ref; wins over packsRoot. */
  readonly packDirs?: Readonly<Record<string, string>>
  /** How to name the source in messages; default `registry workspace <name>`. */
  readonly description?: string
}

const dropEmpty = <A>(value: A | null | undefined): A | undefined => value === null ? undefined : value

/** The stored runtime in its bundle shape: the runtime row plus its versions (which may carry their own config). */
const runtimeOf = ({ runtime, versions }: RuntimeDetail): unknown => ({
  ref: runtime.ref,
  pack_ref: runtime.pack_ref ?? runtime.ref.slice(0, runtime.ref.indexOf(".")),
  name: runtime.name,
  ...(runtime.description === null ? {} : { description: runtime.description }),
  aliases: runtime.aliases,
  distributions: runtime.distributions,
  ...(runtime.installation === null ? {} : { installation: runtime.installation }),
  execution_config: runtime.execution_config,
  versions: versions.map((version) => ({
    version: version.version,
    ...(version.is_default ? { is_default: true } : {}),
    ...(version.distributions === null ? {} : { distributions: dropEmpty(version.distributions) }),
    ...(version.execution_config === null ? {} : { execution_config: dropEmpty(version.execution_config) }),
    ...(typeof version.meta === "object" && version.meta !== null && Object.keys(version.meta).length === 0
      ? {}
      : { meta: version.meta }),
  })),
})

const decodeAction = Schema.decodeUnknownEither(Action)
const decodeRuntime = Schema.decodeUnknownEither(Runtime)

const makeFromRegistry = (registry: Registry, workspace: string, options: FromRegistryOptions = {}): ComponentSourceShape => {
  const source = options.description ?? `registry workspace ${workspace}`
  const unavailable = (reason: string) => new ComponentSourceUnavailable({ source, reason })
  const missingWorkspace = <A, R>(effect: Effect.Effect<A, NotFound, R>): Effect.Effect<A, ComponentSourceUnavailable, R> =>
    Effect.catchTag(effect, "NotFound", (error) => Effect.fail(unavailable(error.message)))
  /** A miss is only an answer when the workspace exists; otherwise the whole source is unusable. */
  const orMissingWorkspace = <A>(found: Option.Option<A>): Effect.Effect<Option.Option<A>, ComponentSourceUnavailable> =>
    Option.isSome(found) ? Effect.succeed(found) : Effect.as(missingWorkspace(registry.workspace(workspace)), found)
  const decoded = <A>(what: string, result: Either.Either<A, { readonly message: string }>) =>
    Either.match(result, {
      onLeft: (error) => Effect.fail(unavailable(`${what} in the registry does not decode: ${error.message}`)),
      onRight: Effect.succeed,
    })
  const toRuntime = (detail: RuntimeDetail) => decoded(`runtime ${detail.runtime.ref}`, decodeRuntime(runtimeOf(detail)))
  const packDir = (packRef: string) =>
    Effect.map(
      registry.showPack(workspace, packRef).pipe(Effect.option),
      (found): Option.Option<string> => {
        if (Option.isNone(found)) return Option.none()
        const exact = options.packDirs?.[packRef]
        if (exact !== undefined) return Option.some(nodePath.resolve(exact))
        return options.packsRoot === undefined ? Option.none() : Option.some(nodePath.resolve(options.packsRoot, packRef))
      },
    )
  return {
    description: source,
    getAction: (ref) =>
      registry.findAction(workspace, ref).pipe(
        Effect.flatMap(orMissingWorkspace),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<Action>()),
          onSome: (row) => Effect.map(decoded(`action ${ref}`, decodeAction(row.definition)), Option.some),
        })),
      ),
    listActionRefs: () => Effect.map(missingWorkspace(registry.listActions(workspace)), (rows) => rows.map((row) => row.ref)),
    getRuntime: (ref) =>
      registry.findRuntime(workspace, ref).pipe(
        Effect.flatMap(orMissingWorkspace),
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(Option.none<Runtime>()),
          onSome: (detail) => Effect.map(toRuntime(detail), Option.some),
        })),
      ),
    listRuntimes: () => Effect.flatMap(missingWorkspace(registry.listRuntimes(workspace)), (all) => Effect.forEach(all, toRuntime)),
    getProfile: (ref) => Effect.flatMap(registry.findProfile(workspace, ref), orMissingWorkspace),
    listProfiles: () => missingWorkspace(registry.listProfiles(workspace)),
    packDir,
  }
}

export class ComponentSource extends Context.Tag("packsmith/ComponentSource")<ComponentSource, ComponentSourceShape>() {
  /** A bundle held in memory. */
  static readonly make = makeFromBundle
  static readonly fromBundle = (bundle: BundleEnvelope, options: FromBundleOptions = {}): Layer.Layer<ComponentSource> =>
    Layer.succeed(ComponentSource, makeFromBundle(bundle, options))
  /** What is registered in `workspace`: actions and runtimes from their tables (ad-hoc ones too), profiles from its latest bundle. */
  static readonly makeFromRegistry = makeFromRegistry
  static readonly fromRegistry = (
    workspace: string,
    options: FromRegistryOptions = {},
  ): Layer.Layer<ComponentSource, never, Registry> =>
    Layer.effect(ComponentSource, Effect.map(Registry, (registry) => makeFromRegistry(registry, workspace, options)))
}

const MANIFEST_NAMES = ["pack.yaml", "pack.yml"] as const

const isFile = (file: string) => fs.stat(file).then((s) => s.isFile(), () => false)

const manifestIn = async (dir: string): Promise<string | undefined> => {
  for (const name of MANIFEST_NAMES) if (await isFile(nodePath.join(dir, name))) return nodePath.join(dir, name)
  return undefined
}

/** The ref a pack.yaml declares (`ref`, or StackStorm's `name`), else the directory name, as the compiler reads it. */
const declaredRef = async (manifest: string): Promise<string> => {
  const fallback = nodePath.basename(nodePath.dirname(manifest))
  const text = await fs.readFile(manifest, "utf8")
  const parsed = Either.getOrUndefined(Either.try((): unknown => parseYaml(text)))
  if (parsed === null || typeof parsed !== "object") return fallback
  const { ref, name } = parsed as { ref?: unknown; name?: unknown }
  const declared = typeof ref === "string" ? ref : typeof name === "string" ? name : fallback
  return declared.trim().toLowerCase()
}

/**
 * Where each pack compiled from `paths` lives: a path that holds a pack.yaml is a pack, otherwise each of its
 * subdirectories that holds one is (the compiler's rule). Keyed by the pack ref its manifest declares.
 */
export const locatePackDirs = (paths: ReadonlyArray<string>, cwd: string = process.cwd()) =>
  Effect.tryPromise({
    try: async () => {
      const found: Record<string, string> = {}
      for (const given of paths) {
        const dir = nodePath.resolve(cwd, given)
        const own = await manifestIn(dir)
        const manifests = own !== undefined ? [own] : await Promise.all(
          (await fs.readdir(dir, { withFileTypes: true }).catch(() => []))
            .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
            .map((entry) => manifestIn(nodePath.join(dir, entry.name))),
        )
        for (const manifest of manifests) {
          if (manifest === undefined) continue
          const ref = await declaredRef(manifest)
          found[ref] ??= nodePath.dirname(manifest)
        }
      }
      return found as Readonly<Record<string, string>>
    },
    catch: (error) => new ComponentSourceUnavailable({
      source: `packs ${paths.join(",")}`,
      reason: error instanceof Error ? error.message : String(error),
    }),
  })

/**
 * Writes a verified bundle's files under `root/<pack>/<path>` with their modes, so its packs can run on this
 * host. Files already there with the right content are left alone; `root` is meant to be per digest. Every
 * key is checked before anything is written (verification already refused a bad one: this is the last line).
 */
export const materializeBundle = Effect.fn("ComponentSource.materializeBundle")(function* (bundle: BundleEnvelope, root: string) {
  const source = `bundle ${bundle.digest}`
  for (const pack of Object.keys(bundle.body.packs)) {
    if (!PACK_REF_PATTERN.test(pack)) return yield* new ComponentSourceUnavailable({ source, reason: `pack ref ${JSON.stringify(pack)} is not a directory name` })
  }
  for (const [key, file] of Object.entries(bundle.body.files)) {
    const problem = fileKeyProblem(key)
    if (problem !== undefined || !Object.prototype.hasOwnProperty.call(bundle.body.packs, key.slice(0, key.indexOf("/")))) {
      return yield* new ComponentSourceUnavailable({ source, reason: `file table entry ${JSON.stringify(key)} ${problem ?? "is outside every pack of the bundle"}` })
    }
    if (bundle.blobs[file.sha256] === undefined) return yield* new ComponentSourceUnavailable({ source, reason: `no blob for ${key}` })
  }
  // Every pack gets its directory, even one without files: it is the working directory of its actions.
  yield* Effect.tryPromise({
    try: () => Promise.all(Object.keys(bundle.body.packs).map((pack) => fs.mkdir(nodePath.join(root, pack), { recursive: true }))),
    catch: (error) => new ComponentSourceUnavailable({ source, reason: `cannot create ${root}: ${error instanceof Error ? error.message : String(error)}` }),
  })
  for (const [key, file] of Object.entries(bundle.body.files)) {
    const blob = bundle.blobs[file.sha256]!
    const target = nodePath.join(root, key)
    yield* Effect.tryPromise({
      try: async () => {
        const bytes = Buffer.from(blob, "base64")
        const existing = await fs.readFile(target).catch(() => undefined)
        if (existing === undefined || !existing.equals(bytes)) {
          await fs.mkdir(nodePath.dirname(target), { recursive: true })
          const temp = `${target}.${process.pid}.tmp`
          await fs.writeFile(temp, bytes, { mode: file.mode })
          await fs.rename(temp, target)
        }
        await fs.chmod(target, file.mode)
      },
      catch: (error) => new ComponentSourceUnavailable({
        source,
        reason: `cannot write ${target}: ${error instanceof Error ? error.message : String(error)}`,
      }),
    })
  }
  return nodePath.resolve(root)
})
