/**
 * JSON pointer -> line:column. Only files that have findings pay for this: they are parsed a second time
 * with `yaml` (parseDocument + LineCounter), once per file content.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node, type Pair, type YAMLMap } from "yaml"
import { pointerSegments, type Position } from "./Finding.js"

export type Locate = (pointer: string, target: "key" | "value") => Position

const START: Position = { line: 1, column: 1 }

const parsePositions = (text: string): { doc: Document; lines: LineCounter } | undefined => {
  try {
    const lines = new LineCounter()
    // A lone CR ends a line in YAML (and for js-yaml) but not for this parser; same length, same offsets.
    const doc = parseDocument(text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text, { lineCounter: lines, version: "1.2", schema: "core", uniqueKeys: false, prettyErrors: false })
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
  // Pairs by key per mapping, built on first use: a file with thousands of findings in one mapping stays linear.
  const pairsOf = new WeakMap<YAMLMap, Map<string, Pair>>()
  const pairIn = (map: YAMLMap, key: string): Pair | undefined => {
    let pairs = pairsOf.get(map)
    if (pairs === undefined) {
      pairs = new Map()
      for (const item of map.items) {
        const text = isPair(item) ? keyText(item.key) : undefined
        if (text !== undefined && !pairs.has(text)) pairs.set(text, item)
      }
      pairsOf.set(map, pairs)
    }
    return pairs.get(key)
  }
  // Anchored nodes by name in document order, built on first use: `Alias.resolve` walks the document from
  // its start on every call, so a file with thousands of aliases would take quadratic time.
  let anchors: Map<string, Array<Node>> | undefined
  const resolveAlias = (doc: Document, alias: Alias): Node | undefined => {
    if (anchors === undefined) {
      const index = new Map<string, Array<Node>>()
      visit(doc, {
        Node: (_key, node) => {
          const name = (node as { anchor?: string }).anchor
          if (name === undefined) return
          const named = index.get(name)
          if (named === undefined) index.set(name, [node])
          else named.push(node)
        },
      })
      anchors = index
    }
    // The alias means the last node anchored with its name before it (document order is offset order).
    const offset = alias.range?.[0] ?? Number.POSITIVE_INFINITY
    const named = anchors.get(alias.source) ?? []
    let low = 0
    let high = named.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if ((named[mid]!.range?.[0] ?? Number.POSITIVE_INFINITY) < offset) low = mid + 1
      else high = mid
    }
    return named[low - 1]
  }
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
      while (isAlias(node) && hops++ < 64) node = resolveAlias(doc, node)
      if (isMap(node)) {
        const pair = pairIn(node, segment)
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
