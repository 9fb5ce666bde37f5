/**
 * A diagnostic is one finding of the compiler (or of any check over user input): a stable code, where it
 * is (file, 1-based line and column, JSON pointer into the document) and what to do about it.
 */
import { Schema } from "effect"

export const Severity = Schema.Literal("error", "warning")
export type Severity = typeof Severity.Type

export const DiagnosticCode = Schema.String.pipe(
  Schema.pattern(/^PS\d{4}$/),
  Schema.annotations({ identifier: "DiagnosticCode", description: "Stable diagnostic code, e.g. PS2001" }),
)

export class Diagnostic extends Schema.Class<Diagnostic>("Diagnostic")({
  code: DiagnosticCode,
  severity: Severity,
  message: Schema.String,
  /** Path of the file as the user named it (relative to the working directory when possible). */
  file: Schema.String,
  line: Schema.Int,
  column: Schema.Int,
  /** RFC 6901 JSON pointer into the YAML document ("" = the whole document). */
  pointer: Schema.String,
  hint: Schema.optionalWith(Schema.String, { exact: true }),
}) {}

export const hasErrors = (diagnostics: ReadonlyArray<Diagnostic>): boolean =>
  diagnostics.some((d) => d.severity === "error")

/** Stable order for output: file, line, column, code. */
export const sortDiagnostics = (diagnostics: ReadonlyArray<Diagnostic>): Array<Diagnostic> =>
  [...diagnostics].sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1
      : a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
