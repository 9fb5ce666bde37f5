/**
 * A finding is a diagnostic before it has a position: it names a JSON pointer into its file, and the
 * compiler maps pointers to line:column only for files that have findings (see positions.ts).
 */
import { closest, distance } from "fastest-levenshtein"
import type { Severity } from "../domain/Diagnostic.js"
import { CODES, type DiagnosticCodeId } from "./codes.js"

export interface Position {
  readonly line: number
  readonly column: number
}

export interface Finding {
  readonly code: DiagnosticCodeId
  readonly message: string
  /** RFC 6901 pointer into the file's document. */
  readonly pointer: string
  /** Point at the key of the last pointer segment instead of its value (unknown keys, duplicates). */
  readonly target?: "key" | "value"
  readonly hint?: string
  /** Overrides the code's default severity. */
  readonly severity?: Severity
  /** Known position (syntax errors carry one from the parser). */
  readonly position?: Position
  /**
   * Refs the hint could propose instead of what is written, best first, each with the hint that says so. Only
   * the whole compile knows which are free: the link stage gives the finding the first no component has and no
   * other finding proposes, and otherwise leaves `hint`, which must say how to choose one.
   */
  readonly proposals?: ReadonlyArray<{ readonly ref: string; readonly hint: string }>
}

export const severityOf = (finding: Finding): Severity => finding.severity ?? CODES[finding.code].severity

export const finding = (
  code: DiagnosticCodeId,
  message: string,
  pointer: string,
  extra: Partial<Pick<Finding, "target" | "hint" | "severity" | "position" | "proposals">> = {},
): Finding => ({ code, message, pointer, ...extra })

// Pointers are built for every key the compiler walks: a segment without `~` or `/` is used as it is.
const escapeSegment = (segment: string | number): string =>
  typeof segment === "number" ? String(segment)
    : segment.includes("~") || segment.includes("/") ? segment.replace(/~/g, "~0").replace(/\//g, "~1")
    : segment

/** Appends segments to a JSON pointer. */
export const pointerJoin = (base: string, ...segments: ReadonlyArray<string | number>): string => {
  let pointer = base
  for (let i = 0; i < segments.length; i++) pointer += `/${escapeSegment(segments[i]!)}`
  return pointer
}

export const pointerSegments = (pointer: string): Array<string> =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))

/** The closest candidate when it is plausibly a misspelling of `name`. */
export const nearest = (name: string, candidates: ReadonlyArray<string>): string | undefined => {
  if (candidates.length === 0) return undefined
  const best = closest(name, candidates as Array<string>)
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3))
  return distance(name, best) <= limit ? best : undefined
}

/** Up to `count` candidates ordered by edit distance (for "did you mean" lists of refs). */
export const nearestMany = (name: string, candidates: Iterable<string>, count = 3): Array<string> => {
  const scored: Array<[string, number]> = []
  for (const candidate of candidates) scored.push([candidate, distance(name, candidate)])
  scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
  // Only candidates about as close as the best one: a clear winner is named alone.
  const limit = Math.min(Math.max(3, Math.floor(name.length / 2)), (scored[0]?.[1] ?? 0) + 1)
  return scored.filter(([, d]) => d <= limit).slice(0, count).map(([c]) => c)
}

/** The `count` candidates nearest to `name`, however far (for "what there is" lists). */
export const nearestAll = (name: string, candidates: Iterable<string>, count: number): Array<string> =>
  [...candidates].map((c): [string, number] => [c, distance(name, c)]).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, count).map(([c]) => c)

export const didYouMean = (name: string, candidates: Iterable<string>): string | undefined => {
  const found = nearestMany(name, candidates)
  return found.length === 0 ? undefined : `did you mean ${found.map((c) => JSON.stringify(c)).join(" or ")}?`
}
