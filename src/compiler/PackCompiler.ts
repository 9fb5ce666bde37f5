/**
 * The pack compiler service: load -> parse -> decode -> normalize (per file, cached by path + sha256) ->
 * link -> check -> emit. `validate` reports; `compile` also emits the bundle, or fails with the diagnostics.
 * Bad input is always diagnostics, never a failure of `validate` or a defect.
 */
import * as path from "node:path"
import { Cause, Clock, Effect, Schema } from "effect"
import { BUNDLE_FORMAT, digestOfCanonicalBody, sha256Hex, type BundleEnvelope } from "../domain/Bundle.js"
import { Diagnostic, hasErrors, sortDiagnostics } from "../domain/Diagnostic.js"
import type { JsonObject } from "../domain/SourceFields.js"
import { PACKSMITH_VERSION } from "../version.js"
import { check, type ScriptCache } from "./check.js"
import { emitBody, finalValue, FragmentCache, type FinalComponent } from "./emit.js"
import { finding, severityOf, type Finding } from "./Finding.js"
import { MAX_YAML_BYTES } from "./limits.js"
import { link, type UnitFinding } from "./link.js"
import { discover, displayPathFor, readBounded, type PackLocation, type PathFinding } from "./load.js"
import type { FileUnit, SourceFile } from "./model.js"
import { makeLocator } from "./positions.js"
import { buildUnit, declaredPackRef } from "./unit.js"
import { readVcsCommit } from "./vcs.js"

export interface CompileReport {
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** Refs of the packs found. */
  readonly packs: ReadonlyArray<string>
  /** YAML files read. */
  readonly files: number
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
  readonly files: number
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
  readonly emit?: () => { readonly manifests: Map<string, JsonObject>; readonly components: Array<FinalComponent>; readonly checked: ReturnType<typeof check>; readonly locations: ReadonlyArray<PackLocation> }
}

/** What survives between compiles of one service instance. */
class CompilerState {
  readonly units = new Map<string, FileUnit>()
  readonly scripts: ScriptCache = new Map()
  readonly fragments = new FragmentCache()
  readonly base64 = new WeakMap<Buffer, string>()
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
  unit.locate ??= makeLocator(unit.text)
  return unit.locate(f.pointer, f.target ?? "value")
}

const analyze = (state: CompilerState, paths: ReadonlyArray<string>, cwd: string): Analysis => {
  const discovery = discover(paths, cwd)
  const pathFindings: Array<PathFinding> = [...discovery.findings]
  const units: Array<FileUnit> = []
  const packOfUnit = new Map<FileUnit, string>()
  const locationOfFile = new Map<string, PackLocation>()
  const seen = new Set<string>()
  let files = 0

  const unitFor = (file: SourceFile, packRef: string, directoryName: string, hostPaths: ReadonlyArray<string>): FileUnit | undefined => {
    files++
    seen.add(file.abs)
    const read = readBounded(file.abs, MAX_YAML_BYTES)
    if (!read.ok) {
      pathFindings.push({
        display: file.display,
        finding: "tooLarge" in read
          ? finding("PS1002", `${file.display} is ${read.tooLarge} bytes; YAML files are limited to ${MAX_YAML_BYTES}`, "")
          : finding("PS1004", `${file.display} cannot be read: ${read.error}`, ""),
      })
      return undefined
    }
    const sha = sha256Hex(read.bytes)
    const cached = state.units.get(file.abs)
    if (cached !== undefined && cached.sha256 === sha && cached.packRef === packRef && cached.file.kind === file.kind) {
      cached.file = file
      return cached
    }
    const unit = buildUnit(file, read.bytes, sha, packRef, directoryName, hostPaths)
    state.units.set(file.abs, unit)
    return unit
  }

  for (const location of discovery.packs) {
    const directoryName = path.basename(location.dir)
    const hostPaths = [...new Set([location.dir, location.realDir])]
    const manifest = unitFor(location.manifest, "", directoryName, hostPaths)
    const packRef = manifest?.manifest?.ref ?? (manifest === undefined ? undefined : declaredPackRef(manifest.text)) ?? directoryName
    if (manifest !== undefined) {
      units.push(manifest)
      packOfUnit.set(manifest, packRef)
    }
    for (const file of location.files) {
      locationOfFile.set(file.abs, location)
      const unit = unitFor(file, packRef, directoryName, hostPaths)
      if (unit === undefined) continue
      units.push(unit)
      packOfUnit.set(unit, packRef)
    }
  }
  for (const abs of state.units.keys()) if (!seen.has(abs)) state.units.delete(abs)
  const linked = link(units, packOfUnit)
  const checked = check(linked.components, linked.index, locationOfFile, state.scripts)

  const diagnostics: Array<Diagnostic> = []
  for (const { display, finding: f } of pathFindings) diagnostics.push(toDiagnostic(display, f, f.position ?? START))
  for (const unit of units) for (const f of unit.findings) diagnostics.push(toDiagnostic(unit.file.display, f, locateIn(unit, f)))
  const crossFile: ReadonlyArray<UnitFinding> = [...linked.findings, ...checked.findings]
  for (const { unit, finding: f } of crossFile) diagnostics.push(toDiagnostic(unit.file.display, f, locateIn(unit, f)))
  const report: CompileReport = { diagnostics: sortDiagnostics(diagnostics), packs: [...linked.manifests.keys()].sort(), files }
  return {
    report,
    emit: () => {
      const manifests = new Map<string, JsonObject>()
      for (const [ref, unit] of linked.manifests) manifests.set(ref, unit.manifest!.value)
      const components = linked.components.map(({ component }) => ({ component, value: finalValue(component, checked.patches.get(component)) }))
      return { manifests, components, checked, locations: discovery.packs }
    },
  }
}

const internalError = (paths: ReadonlyArray<string>, cause: Cause.Cause<unknown>): CompileReport => ({
  diagnostics: [new Diagnostic({
    code: "PS5003", severity: "error", message: `internal compiler error: ${Cause.pretty(cause).split("\n")[0] ?? "unknown"}`,
    file: paths[0] ?? ".", line: 1, column: 1, pointer: "", hint: "please report this with the input that caused it",
  })],
  packs: [],
  files: 0,
})

const sourceRootOf = (paths: ReadonlyArray<string>, cwd: string): string => {
  const display = displayPathFor(cwd)
  return paths.map((p) => {
    const shown = display(path.resolve(cwd, p))
    return path.isAbsolute(shown) ? path.basename(shown) : shown
  }).join(",")
}

export class PackCompiler extends Effect.Service<PackCompiler>()("packsmith/PackCompiler", {
  sync: () => {
    const state = new CompilerState()

    const run = (paths: ReadonlyArray<string>) =>
      Effect.sync(() => analyze(state, paths, process.cwd())).pipe(
        Effect.withSpan("PackCompiler.analyze"),
        Effect.catchAllDefect((defect) => Effect.succeed<Analysis>({ report: internalError(paths, Cause.die(defect)) })),
      )

    const validate = Effect.fn("PackCompiler.validate")(function* (paths: ReadonlyArray<string>) {
      const analysis = yield* run(paths)
      return analysis.report
    })

    const compile = Effect.fn("PackCompiler.compile")(function* (paths: ReadonlyArray<string>, options: CompileOptions = {}) {
      const analysis = yield* run(paths)
      const { report } = analysis
      if (hasErrors(report.diagnostics) || analysis.emit === undefined) {
        return yield* new CompileFailed({ diagnostics: report.diagnostics })
      }
      const cwd = process.cwd()
      const parts = analysis.emit()
      const emitted = yield* Effect.sync(() => emitBody(parts.manifests, parts.components, parts.checked.files, state.fragments)).pipe(
        Effect.withSpan("PackCompiler.emit"),
      )
      const blobs: Record<string, string> = {}
      for (const file of parts.checked.files) {
        let encoded = state.base64.get(file.bytes)
        if (encoded === undefined) {
          encoded = file.bytes.toString("base64")
          state.base64.set(file.bytes, encoded)
        }
        blobs[file.entry.sha256] = encoded
      }
      const vcsCommit = parts.locations[0] === undefined ? undefined : readVcsCommit(parts.locations[0].dir)
      const now = yield* Clock.currentTimeMillis
      const bundle: BundleEnvelope = {
        format: BUNDLE_FORMAT,
        digest: digestOfCanonicalBody(emitted.canonical),
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
      return { bundle, diagnostics: report.diagnostics, canonicalBody: emitted.canonical, packs: report.packs, files: report.files } satisfies CompiledBundle
    })

    return { validate, compile } as const
  },
}) {}
