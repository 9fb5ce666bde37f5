/** RFC 6901 JSON pointers, as every issue about a bundle or a pack file names its place. */

const escapeSegment = (segment: string | number): string =>
  typeof segment === "number" ? String(segment)
    : segment.includes("~") || segment.includes("/") ? segment.replace(/~/g, "~0").replace(/\//g, "~1")
    : segment

/** Appends segments to a pointer (`""` is the whole document). */
export const pointerJoin = (base: string, ...segments: ReadonlyArray<string | number>): string => {
  let pointer = base
  for (const segment of segments) pointer += `/${escapeSegment(segment)}`
  return pointer
}

/** The pointer of a path of keys and indexes from the document's root. */
export const pointerOf = (segments: ReadonlyArray<PropertyKey>): string =>
  pointerJoin("", ...segments.map((segment) => typeof segment === "number" ? segment : String(segment)))
