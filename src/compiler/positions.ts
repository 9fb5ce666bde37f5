/**
 * JSON pointer -> line:column. Only files that have findings pay for this: they are parsed a second time
 * with `yaml` (parseDocument + LineCounter), once per file content.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml"
import { pointerSegments, type Position } from "./Finding.js"

export type Locate = (pointer: string, target: "key" | "value") => Position

const START: Position = { line: 1, column: 1 }

const parsePositions = (text: string): { doc: Document; lines: LineCounter } | undefined => {
  try {
    const lines = new LineCounter()
    const doc = parseDocument(text, { lineCounter: lines, version: "1.2", schema: "core", uniqueKeys: false, prettyErrors: false })
    return { doc, lines }
  } catch {
    // A document the position parser cannot handle still gets its findings, at the start of the file.
    return undefined
  }
}

const keyText = (key: unknown): string | undefined =>
  isScalar(key) ? String(key.value) : typeof key === "string" ? key : undefined

export const makeLocator = (text: string): Locate => {
  let parsed: ReturnType<typeof parsePositions> | null = null
  return (pointer, target) => {
    if (parsed === null) parsed = parsePositions(text)
    if (parsed === undefined) return START
    const { doc, lines } = parsed
    const at = (node: { range?: readonly [number, number, number] | null | undefined } | null | undefined): Position | undefined => {
      const offset = node?.range?.[0]
      if (offset === undefined) return undefined
      const pos = lines.linePos(offset)
      return { line: pos.line, column: pos.col }
    }
    let node: Node | null | undefined = doc.contents as Node | null
    let best: Position = at(node) ?? START
    const segments = pointerSegments(pointer)
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!
      const last = i === segments.length - 1
      let hops = 0
      while (isAlias(node) && hops++ < 64) node = node.resolve(doc) as Node | undefined
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === segment)
        if (pair === undefined) return best
        const keyPos = at(pair.key as Node | null)
        if (last && target === "key") return keyPos ?? best
        const valuePos = at(pair.value as Node | null)
        best = valuePos ?? keyPos ?? best
        node = pair.value as Node | null
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined
        if (item === undefined) return best
        best = at(item) ?? best
        node = item
      } else {
        return best
      }
    }
    return best
  }
}
