/** The compiler's internal picture of a workspace: files, the components they define, and what they reference. */
import type { PackSection } from "../domain/Bundle.js"
import type { FileKind } from "../domain/FileKinds.js"
import type { JsonObject } from "../domain/SourceFields.js"
import type { Finding } from "./Finding.js"
import type { Locate } from "./positions.js"

export interface SourceFile {
  /** Absolute path (never emitted). */
  readonly abs: string
  /** Path shown in diagnostics: as the user named it, relative to the working directory when under it. */
  readonly display: string
  /** Path relative to the pack directory, `/`-separated. */
  readonly rel: string
  readonly kind: FileKind
  /**
   * Where the file is read: the real path a symlink leads to, checked to be inside the pack when the pack was
   * listed; `abs` for a regular file. Either way it is opened without following a symlink in its last component,
   * so a file swapped for a symlink after the listing is not read through it.
   */
  readonly readAt: string
}

export type LinkKind = "runtime" | "trigger" | "action"

/** A reference from one component to another, resolved by the link stage. */
export interface LinkRef {
  readonly kind: LinkKind
  /** The qualified ref tried first. */
  readonly ref: string
  /** As written (runtime names fall back to a lookup by name or alias). */
  readonly raw: string
  readonly pointer: string
  /** Bundle field to rewrite when the ref resolves to something else (runtime found by name). */
  readonly field?: string
}

export interface EntryPointSource {
  readonly value: string
  readonly pointer: string
  /** Directory of the pack the entry point is relative to. */
  readonly directory: "actions" | "sensors"
}

/** One transition target of a workflow task, with where it was written. */
export interface TransitionTarget {
  readonly task: string
  readonly pointer: string
}

export interface TaskModel {
  readonly name: string
  readonly pointer: string
  readonly action: string
  readonly actionPointer: string
  readonly input: JsonObject
  readonly targets: ReadonlyArray<TransitionTarget>
}

export interface WorkflowModel {
  /** The graph as stored in the bundle, without ref and pack. */
  readonly graph: JsonObject
  readonly tasks: ReadonlyArray<TaskModel>
  /** Present for standalone workflows (the file has its own ref or name). */
  readonly standalone?: { readonly ref: string; readonly refPointer: string; readonly action: JsonObject }
}

export interface Component {
  readonly section: PackSection
  readonly ref: string
  readonly pack: string
  readonly unit: FileUnit
  /** Pointer of the key that names the component (duplicates are reported there). */
  readonly refPointer: string
  /** The bundle value before link/check patches. */
  readonly value: JsonObject
  readonly links: ReadonlyArray<LinkRef>
  readonly entryPoint?: EntryPointSource
  readonly runnerRuntime?: string
  readonly workflowFile?: { readonly value: string; readonly pointer: string }
}

export interface ManifestInfo {
  readonly ref: string
  readonly version: string
  readonly dependencies: ReadonlyArray<{ readonly ref: string; readonly version?: string; readonly pointer: string }>
  readonly value: JsonObject
}

/** Everything derived from one file's text (cached by path, bytes and pack ref). */
export interface FileUnit {
  file: SourceFile
  readonly packRef: string
  /**
   * The file's bytes (UTF-8). Kept as bytes, outside the JS heap, rather than as text: the text is needed
   * again only to place a diagnostic, and thousands of kept strings would be copied by every young-generation
   * garbage collection of a compile.
   */
  readonly bytes: Uint8Array
  readonly findings: ReadonlyArray<Finding>
  readonly components: ReadonlyArray<Component>
  readonly manifest?: ManifestInfo
  readonly workflow?: WorkflowModel
  /**
   * Pointers of the parts of the document left out because they did not decode (`""`: all of it), so that
   * no later stage reports as missing what was left out (see recover.ts).
   */
  readonly dropped?: ReadonlyArray<string>
  /** The ref a document left out whole names, when it names one: references to it are not reported as unknown. */
  readonly declares?: string
  locate?: Locate
}
