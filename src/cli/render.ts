/** Shared output helpers: diagnostics for people (colored only on a terminal) and stable JSON for machines. */
import { Console, Effect } from "effect"
import type { CompileFailed } from "../compiler/PackCompiler.js"
import type { Diagnostic } from "../domain/Diagnostic.js"
import { type CliFailure, invalidInput } from "./CliFailure.js"

const useColor = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"

const paint = (code: string) => (text: string, on: boolean) => on ? `\u001b[${code}m${text}\u001b[0m` : text
const red = paint("31")
const yellow = paint("33")
const dim = paint("2")
const bold = paint("1")

/** `file:line:col  error PS1234  message` and, indented below, the hint. */
export const formatDiagnostic = (d: Diagnostic, color = useColor(process.stdout)): string => {
  const severity = d.severity === "error" ? red("error", color) : yellow("warning", color)
  const head = `${bold(`${d.file}:${d.line}:${d.column}`, color)}  ${severity} ${d.code}  ${d.message}`
  return d.hint === undefined ? head : `${head}\n    ${dim(`hint: ${d.hint}`, color)}`
}

export const countBySeverity = (diagnostics: ReadonlyArray<Diagnostic>) => ({
  errors: diagnostics.filter((d) => d.severity === "error").length,
  warnings: diagnostics.filter((d) => d.severity === "warning").length,
})

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** `2 errors, 1 warning` */
export const formatCounts = (diagnostics: ReadonlyArray<Diagnostic>): string => {
  const { errors, warnings } = countBySeverity(diagnostics)
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`
}

/** `2 packs (core from packsmith), 22 files: 0 errors, 0 warnings`: `shipped` are the packs the compiler added. */
export const formatSummary = (diagnostics: ReadonlyArray<Diagnostic>, packs: number, files: number, shipped: ReadonlyArray<string> = []): string =>
  `${plural(packs, "pack")}${shipped.length === 0 ? "" : ` (${shipped.join(", ")} from packsmith)`}, ${plural(files, "file")}: ${formatCounts(diagnostics)}`

/** The JSON form of a diagnostic: every field always present (hint null when absent). */
export const diagnosticJson = (d: Diagnostic) => ({
  code: d.code, severity: d.severity, message: d.message, file: d.file, line: d.line, column: d.column,
  pointer: d.pointer, hint: d.hint ?? null,
})

export const printJson = (value: unknown): string => JSON.stringify(value, null, 2)

/** Aligned columns, left-justified, two spaces apart. */
export const formatTable = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  if (rows.length === 0) return ""
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)))
  return rows.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n")
}

/**
 * Ends a command whose packs did not compile: the diagnostics as JSON on stdout, or one per line on stderr
 * followed by `headline` (the exit-1 message).
 */
export const reportCompileFailure = (
  failed: CompileFailed,
  options: { readonly json: boolean; readonly headline: string },
): Effect.Effect<never, CliFailure> =>
  Effect.zipRight(
    options.json
      ? Console.log(printJson({ ok: false, diagnostics: failed.diagnostics.map(diagnosticJson) }))
      : Effect.forEach(failed.diagnostics, (d) => Console.error(formatDiagnostic(d, useColor(process.stderr))), { discard: true }),
    Effect.fail(invalidInput(options.json ? "" : options.headline)),
  )
