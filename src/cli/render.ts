/** Shared output helpers: diagnostics for people (colored only on a terminal) and stable JSON for machines. */
import type { Diagnostic } from "../domain/Diagnostic.js"

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

export const formatSummary = (diagnostics: ReadonlyArray<Diagnostic>, packs: number, files: number): string => {
  const { errors, warnings } = countBySeverity(diagnostics)
  return `${plural(packs, "pack")}, ${plural(files, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`
}

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
