/**
 * The corpus workspace: the shipped core pack plus a small valid pack `p` that depends on it. Each case
 * overlays files on this base (null removes a base file), so a case shows only what it breaks.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import type { DiagnosticCodeId } from "../../src/compiler/codes.js"
import { PackCompiler } from "../../src/compiler/index.js"
import type { Diagnostic } from "../../src/domain/Diagnostic.js"

export const CORE_PACK = path.join(import.meta.dirname, "../../packs/core")

/** One diagnostic a case must produce. `file` is relative to the workspace root. */
export interface Expected {
  readonly code: DiagnosticCodeId
  readonly file: string
  readonly line: number
  readonly column?: number
  /** Asserted when given: exact text or a pattern. */
  readonly hint?: string | RegExp
  readonly message?: RegExp
}

export type FileContent = string | Buffer | null

export interface CorpusCase {
  /** Kebab-case, says what the case shows. */
  readonly name: string
  readonly files: Readonly<Record<string, FileContent | ((root: string) => FileContent)>>
  /** Filesystem setup the overlay cannot express (symlinks, sparse files, directories). */
  readonly setup?: (root: string) => void
  /** Paths given to the compiler; default: the workspace root. */
  readonly paths?: (root: string) => ReadonlyArray<string>
  /** Every diagnostic, no more, no fewer. */
  readonly expect: ReadonlyArray<Expected>
  /** Why the case cannot run in this environment (it still counts as covering its codes). */
  readonly skip?: string | undefined
}

/** Strips the first newline and the common indentation, so YAML reads as it is written in a file. */
export const yaml = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): string => {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ""), "")
  const lines = text.replace(/^\n/, "").replace(/\n[ ]*$/, "\n").split("\n")
  const indent = Math.min(...lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length))
  return lines.map((l) => l.slice(indent)).join("\n")
}

export const BASE_FILES: Readonly<Record<string, string>> = {
  "p/pack.yaml": yaml`
    ref: p
    version: "1.0.0"
    dependencies: [core]
  `,
  "p/actions/hello.yaml": yaml`
    ref: p.hello
    entry_point: hello.sh
    parameters:
      name: {type: string, required: true}
  `,
  "p/actions/hello.sh": "#!/bin/sh\necho \"hello $name\"\n",
}

const write = (root: string, rel: string, content: FileContent): void => {
  const abs = path.join(root, rel)
  if (content === null) {
    fs.rmSync(abs, { force: true })
    return
  }
  fs.mkdirSync(path.dirname(abs), { recursive: true })
  fs.writeFileSync(abs, content)
}

/** Builds the case's workspace in a fresh temporary directory and returns its root. */
export const materialize = (c: Pick<CorpusCase, "files" | "setup">): string => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-corpus-")))
  fs.cpSync(CORE_PACK, path.join(root, "core"), { recursive: true })
  for (const [rel, content] of Object.entries(BASE_FILES)) write(root, rel, content)
  for (const [rel, content] of Object.entries(c.files)) write(root, rel, typeof content === "function" ? content(root) : content)
  c.setup?.(root)
  return root
}

export const validateWorkspace = (paths: ReadonlyArray<string>) =>
  Effect.runPromise(Effect.flatMap(PackCompiler, (compiler) => compiler.validate(paths)).pipe(Effect.provide(PackCompiler.Default)))

/** A diagnostic with its file relative to the workspace root. */
export interface Found {
  readonly code: string
  readonly file: string
  readonly line: number
  readonly column: number
  readonly hint: string | undefined
  readonly message: string
}

export const found = (root: string, d: Diagnostic): Found => ({
  code: d.code, file: path.isAbsolute(d.file) ? path.relative(root, d.file) : d.file, line: d.line, column: d.column, hint: d.hint, message: d.message,
})

const matches = (e: Expected, f: Found): boolean =>
  e.code === f.code && e.file === f.file && e.line === f.line
  && (e.column === undefined || e.column === f.column)
  && (e.hint === undefined || (typeof e.hint === "string" ? e.hint === f.hint : f.hint !== undefined && e.hint.test(f.hint)))
  && (e.message === undefined || e.message.test(f.message))

/** Pairs expected with found diagnostics one to one; what is left on either side is a mismatch. */
export const compare = (expected: ReadonlyArray<Expected>, actual: ReadonlyArray<Found>) => {
  const unmatched = [...actual]
  const missing: Array<Expected> = []
  // The most specific expectations pick first, so a looser one cannot take the diagnostic they need.
  const specificity = (e: Expected) => (e.column === undefined ? 0 : 1) + (e.hint === undefined ? 0 : 1) + (e.message === undefined ? 0 : 1)
  for (const e of [...expected].sort((a, b) => specificity(b) - specificity(a))) {
    const at = unmatched.findIndex((f) => matches(e, f))
    if (at === -1) missing.push(e)
    else unmatched.splice(at, 1)
  }
  return { missing, unexpected: unmatched }
}

export const show = (f: Found | Expected): string =>
  `${f.code} ${f.file}:${f.line}${f.column === undefined ? "" : `:${f.column}`}${"message" in f && typeof f.message === "string" ? ` ${f.message}` : ""}${f.hint === undefined ? "" : ` (hint: ${String(f.hint)})`}`

/** Shorthand for an expected diagnostic: code, file, line, column, then hint/message when they matter. */
export const diag = (
  code: DiagnosticCodeId, file: string, line: number, column?: number, extra: Pick<Expected, "hint" | "message"> = {},
): Expected => ({ code, file, line, ...(column === undefined ? {} : { column }), ...extra })
