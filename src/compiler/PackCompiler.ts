/**
 * The pack compiler service: load -> parse -> decode -> normalize (per file, kept while its stat stamp holds)
 * -> link -> check (per component, kept while what it read holds) -> emit (per pack text, kept while its
 * components are the same objects). `validate` reports; `compile` also emits the bundle, or fails with the
 * diagnostics. Bad input is always diagnostics, never a failure of `validate` or a defect.
 */
import * as path from "node:path"
import { Cause, Clock, Effect, Schema } from "effect"
import { BUNDLE_FORMAT, digestOfCanonicalBody, type BundleEnvelope } from "../domain/Bundle.js"
import { Diagnostic, hasErrors, sortDiagnostics } from "../domain/Diagnostic.js"
import type { Digest } from "../domain/Refs.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { PACKSMITH_VERSION } from "../version.js"
import { expectedPatch, type Checked, type CheckProgress, type ScriptFile } from "./check.js"
import { CheckCache } from "./checkCache.js"
import { BodyCache, emitBody, finalValue, packTextsAhead, PackTextsWhileLoading, type EmittedBody, type FinalComponent } from "./emit.js"
import { severityOf, type Finding } from "./Finding.js"
import { link, type Linked, type UnitFinding } from "./link.js"
import { discover, displayPathFor, ListingCache, unreadFindings, type PackLocation, type PathFinding } from "./load.js"
import type { FileUnit } from "./model.js"
import { makeLocator } from "./positions.js"
import { speculateYaml, type Speculation } from "./readAhead.js"
import { explainedByDropped } from "./recover.js"
import { CORE_PACK, CORE_PACK_DIR } from "./shippedPacks.js"
import { joinSources, UnitCache, type Sources, type WhileLoading } from "./sources.js"
import { textOf } from "./unit.js"
import { readVcsCommit } from "./vcs.js"

/** What a compile did with the YAML files: an unchanged file is neither read nor parsed again. */
export interface CompileStats {
  /** YAML files in the compiled packs. */
  readonly files: number
  /** Files read from disk (the others had the same stat stamp as when they were last read). */
  readonly read: number
  /** Files parsed, decoded and normalized (the others had the same bytes as last time). */
  readonly parsed: number
  /** Components whose cross-file checks ran (the others depend on nothing that changed). */
  readonly checked: number
}

export interface CompileReport {
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Refs of the packs compiled (those added by the compiler included). */
  readonly packs: ReadonlyArray<string>
  /**
   * Packs of packsmith's own that the compiler added because the given packs use them and do not include
   * them: `["core"]` when they use core (see withShippedCore), else none.
   */
  readonly shippedPacks: ReadonlyArray<string>
  /** YAML files read. */
  readonly files: number
  readonly stats: CompileStats
}

export interface CompileOptions {
  /** Workspace name recorded in the envelope; default "default". */
  readonly workspace?: string
  /** Recorded as provenance.source_root; default: the given paths as the user wrote them (never absolute). */
  readonly sourceRoot?: string
}

/** A successful compile: the bundle plus the warnings found on the way. */
export interface CompiledBundle {
  readonly bundle: BundleEnvelope
  /** Warnings only (a compile with errors fails). */
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** RFC 8785 canonical JSON of `bundle.body`; its sha256 is the digest. */
  readonly canonicalBody: string
  readonly packs: ReadonlyArray<string>
  /** See CompileReport.shippedPacks. */
  readonly shippedPacks: ReadonlyArray<string>
  readonly files: number
  readonly stats: CompileStats
}

export class CompileFailed extends Schema.TaggedError<CompileFailed>()("CompileFailed", {
  diagnostics: Schema.Array(Diagnostic),
}) {
  override get message() {
    const errors = this.diagnostics.filter((d) => d.severity === "error").length
    return `compile failed with ${errors} error${errors === 1 ? "" : "s"}`
  }
}

interface Analysis {
  readonly report: CompileReport
  readonly emit?: () => { readonly manifests: Map<string, JsonObject>; readonly components: Array<FinalComponent>; readonly checked: Checked; readonly locations: ReadonlyArray<PackLocation> }
}

/** What survives between compiles of one service instance. */
class CompilerState {
  constructor(readonly shippedCore: string) {}
  readonly sources = new UnitCache()
  listings = new ListingCache()
  readonly checks = new CheckCache()
  readonly body = new BodyCache()
  readonly base64 = new WeakMap<Buffer, string>()
  blobs: { readonly files: ReadonlyArray<ScriptFile>; readonly blobs: Record<string, string> } | undefined
  digest: { readonly emitted: EmittedBody; readonly digest: Digest } | undefined
}

const START = { line: 1, column: 1 }

const toDiagnostic = (file: string, f: Finding, position: { line: number; column: number }): Diagnostic =>
  new Diagnostic({
    code: f.code, severity: severityOf(f), message: f.message, file, line: position.line, column: position.column,
    pointer: f.pointer, ...(f.hint === undefined ? {} : { hint: f.hint }),
  })

const locateIn = (unit: FileUnit, f: Finding): { line: number; column: number } => {
  if (f.position !== undefined) return f.position
  if (f.pointer === "") return START
  unit.locate ??= makeLocator(textOf(unit.bytes))
  return unit.locate(f.pointer, f.target ?? "value")
}

/** `emitting`: the compile will emit (when there are no errors), so pack texts may be made while it waits for files. */
const analyze = (state: CompilerState, paths: ReadonlyArray<string>, cwd: string, emitting: boolean): Analysis => {
  // One clock reading for the whole compile: a file changed after it is never trusted by its stamp.
  const now = Date.now()
  state.listings = state.listings.next(now)
  // Nothing kept, so every file will be read: the second thread, when one is running, reads the YAML files it
  // finds under the paths while discovery runs. (A recompile reads what changed, a few files at most.)
  const speculation = state.sources.empty ? speculateYaml(paths.map((given) => path.resolve(cwd, given))) : undefined
  try {
    return analyzeFrom(state, paths, cwd, emitting, now, speculation)
  } finally {
    speculation?.cancel()
  }
}

const analyzeFrom = (
  state: CompilerState, paths: ReadonlyArray<string>, cwd: string, emitting: boolean, now: number, speculation: Speculation | undefined,
): Analysis => {
  const discovery = discover(paths, cwd, state.listings)
  // Texts made ahead by an earlier compile that did not emit are not this one's.
  state.body.ahead = new Map()
  const whileLoading = emitting ? new PackTextsWhileLoading(state.body) : undefined
  const loading = whileLoading && {
    packLoaded: (ref: string, location: PackLocation, units: ReadonlyArray<FileUnit>) =>
      whileLoading.packLoaded(ref, units, (component) => expectedPatch(component, location)),
    whileWaiting: whileLoading.whileWaiting,
  }
  const given = state.sources.load(discovery, now, loading, speculation)
  const { sources, linked, shippedPacks, shippedLocations } = withShippedCore(state, given, cwd, now, loading)
  state.sources.sweep()
  const { units, locationOfFile } = sources
  const pathFindings: Array<PathFinding> = [...discovery.findings, ...sources.findings]
  const entryPoints = new Map<PackLocation, Array<string>>()
  for (const { component } of linked.components) {
    const location = component.entryPoint === undefined ? undefined : locationOfFile.get(component.unit.file.abs)
    if (location === undefined) continue
    const used = entryPoints.get(location) ?? []
    used.push(path.posix.normalize(`${component.entryPoint!.directory}/${component.entryPoint!.value}`))
    entryPoints.set(location, used)
  }
  for (const location of [...discovery.packs, ...shippedLocations]) {
    if (location.unread.length > 0) pathFindings.push(...unreadFindings(location, entryPoints.get(location) ?? []))
  }
  const progress: CheckProgress = { done: 0, patches: new Map() }
  const manifestValues = new Map<string, JsonObject>()
  for (const [ref, unit] of linked.manifests) manifestValues.set(ref, unit.manifest!.value)
  const checkedTexts = emitting
    ? packTextsAhead(state.body, manifestValues, linked.components.map((l) => l.component), progress)
    : undefined
  // Packs loaded last had no turn while files loaded: theirs first, then the texts of packs as they are checked.
  const whileWaiting = checkedTexts && (() => whileLoading!.whileWaiting() || checkedTexts())
  const checked = state.checks.run(linked.components, linked.index, locationOfFile, now, progress, whileWaiting)

  const diagnostics: Array<Diagnostic> = []
  for (const { display, finding: f } of pathFindings) diagnostics.push(toDiagnostic(display, f, f.position ?? START))
  for (const unit of units) {
    for (const found of unit.findings) {
      // A hint that proposes a ref is settled against the whole compile's refs (see link.ts).
      const f = linked.revised.get(found) ?? found
      diagnostics.push(toDiagnostic(unit.file.display, f, locateIn(unit, f)))
    }
  }
  const crossFile: ReadonlyArray<UnitFinding> = [...linked.findings, ...checked.findings]
  for (const { unit, finding: f } of crossFile) {
    // A required parameter "not given" where the parameters given did not decode, and the like (see recover.ts).
    if (unit.dropped !== undefined && explainedByDropped(f, unit.dropped)) continue
    diagnostics.push(toDiagnostic(unit.file.display, f, locateIn(unit, f)))
  }
  const report: CompileReport = {
    diagnostics: sortDiagnostics(diagnostics), packs: [...linked.manifests.keys()].sort(), shippedPacks, files: sources.files,
    stats: { files: sources.files, read: sources.read, parsed: sources.parsed, checked: state.checks.checked },
  }
  return {
    report,
    emit: () => {
      const components = linked.components.map(({ component }) => ({ component, value: finalValue(component, checked.patches.get(component)) }))
      return { manifests: manifestValues, components, checked, locations: discovery.packs }
    },
  }
}

/**
 * The packs given, and packsmith's own core pack when they use core (a `core.*` ref they leave unresolved, or
 * `dependencies: [core]`) and none of them is named core; linked.
 */
const withShippedCore = (
  state: CompilerState, given: Sources, cwd: string, now: number, loading: WhileLoading | undefined,
): { readonly sources: Sources; readonly linked: Linked; readonly shippedPacks: ReadonlyArray<string>; readonly shippedLocations: ReadonlyArray<PackLocation> } => {
  const display = displayPathFor(cwd)(state.shippedCore)
  const linked = link(given.units, given.packOfUnit, { packDirs: given.packDirs, shippedCore: { display, state: "unused" } })
  if (!linked.missing.has(CORE_PACK)) return { sources: given, linked, shippedPacks: [], shippedLocations: [] }
  const core = discover([state.shippedCore], cwd, state.listings)
  const found = core.packs.length === 1 && core.findings.length === 0
  if (!found) {
    // Linked again only for the hints: they say this installation has no core pack.
    const absent = link(given.units, given.packOfUnit, { packDirs: given.packDirs, shippedCore: { display, state: "absent" } })
    return { sources: given, linked: absent, shippedPacks: [], shippedLocations: [] }
  }
  const sources = joinSources(given, state.sources.load(core, now, loading))
  return {
    sources,
    linked: link(sources.units, sources.packOfUnit, { packDirs: sources.packDirs, shippedCore: { display, state: "added" } }),
    shippedPacks: [CORE_PACK],
    shippedLocations: core.packs,
  }
}

const internalError = (paths: ReadonlyArray<string>, cause: Cause.Cause<unknown>): CompileReport => ({
  diagnostics: [new Diagnostic({
    code: "PS5003", severity: "error", message: `internal compiler error: ${Cause.pretty(cause).split("\n")[0] ?? "unknown"}`,
    file: paths[0] ?? ".", line: 1, column: 1, pointer: "", hint: "please report this with the input that caused it",
  })],
  packs: [],
  shippedPacks: [],
  files: 0,
  stats: { files: 0, read: 0, parsed: 0, checked: 0 },
})

/** Blobs keyed by sha256; the same files as last time keep last time's map (no base64 again). */
const blobsOf = (state: CompilerState, files: ReadonlyArray<ScriptFile>): Record<string, string> => {
  const previous = state.blobs
  if (previous !== undefined && previous.files.length === files.length && previous.files.every((file, i) => file.bytes === files[i]!.bytes)) {
    return previous.blobs
  }
  const blobs: Record<string, string> = {}
  for (const file of files) {
    let encoded = file.base64 ?? state.base64.get(file.bytes)
    if (encoded === undefined) {
      encoded = file.bytes.toString("base64")
      state.base64.set(file.bytes, encoded)
    }
    blobs[file.entry.sha256] = encoded
  }
  state.blobs = { files, blobs }
  return blobs
}

const sourceRootOf = (paths: ReadonlyArray<string>, cwd: string): string => {
  const display = displayPathFor(cwd)
  return paths.map((p) => {
    const shown = display(path.resolve(cwd, p))
    return path.isAbsolute(shown) ? path.basename(shown) : shown
  }).join(",")
}

/** The compiler's operations; `shippedCore`: where packsmith's own core pack is (tests move it). */
export const makePackCompiler = (shippedCore: string = CORE_PACK_DIR) => {
  const state = new CompilerState(shippedCore)

  const run = (paths: ReadonlyArray<string>, emitting: boolean) =>
    Effect.sync(() => analyze(state, paths, process.cwd(), emitting)).pipe(
      Effect.withSpan("PackCompiler.analyze"),
      Effect.catchAllDefect((defect) => Effect.succeed<Analysis>({ report: internalError(paths, Cause.die(defect)) })),
    )

  const validate = Effect.fn("PackCompiler.validate")(function* (paths: ReadonlyArray<string>) {
    const analysis = yield* run(paths, false)
    return analysis.report
  })

  const compile = Effect.fn("PackCompiler.compile")(function* (paths: ReadonlyArray<string>, options: CompileOptions = {}) {
    const analysis = yield* run(paths, true)
    const { report } = analysis
    if (hasErrors(report.diagnostics) || analysis.emit === undefined) {
      return yield* new CompileFailed({ diagnostics: report.diagnostics })
    }
    const cwd = process.cwd()
    const parts = analysis.emit()
    const emitted = yield* Effect.sync(() => emitBody(parts.manifests, parts.components, parts.checked.files, state.body)).pipe(
      Effect.withSpan("PackCompiler.emit"),
    )
    const blobs = blobsOf(state, parts.checked.files)
    let digest = state.digest
    if (digest === undefined || digest.emitted !== emitted) {
      digest = { emitted, digest: digestOfCanonicalBody(emitted.canonical) }
      state.digest = digest
    }
    const vcsCommit = parts.locations[0] === undefined ? undefined : readVcsCommit(parts.locations[0].dir)
    const now = yield* Clock.currentTimeMillis
    const bundle: BundleEnvelope = {
      format: BUNDLE_FORMAT,
      digest: digest.digest,
      workspace: options.workspace ?? "default",
      created_at: new Date(now).toISOString(),
      provenance: {
        compiler_version: PACKSMITH_VERSION,
        source_root: options.sourceRoot ?? sourceRootOf(paths, cwd),
        ...(vcsCommit === undefined ? {} : { vcs_commit: vcsCommit }),
      },
      body: emitted.body,
      blobs,
    }
    return {
      bundle, diagnostics: report.diagnostics, canonicalBody: emitted.canonical, packs: report.packs, shippedPacks: report.shippedPacks,
      files: report.files, stats: report.stats,
    } satisfies CompiledBundle
  })

  return { validate, compile } as const
}

export class PackCompiler extends Effect.Service<PackCompiler>()("packsmith/PackCompiler", {
  sync: () => makePackCompiler(),
}) {}
