import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { CORE_SCHEMA, dump, load } from "js-yaml"
import { FIXTURES, compileOk, tempDir } from "./helpers.js"

const SOURCE = path.join(FIXTURES, "every-kind")

const listFiles = (root: string, rel = ""): Array<string> =>
  fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel === "" ? entry.name : `${rel}/${entry.name}`
    return entry.isDirectory() ? listFiles(root, child) : [child]
  })

const FILES = listFiles(SOURCE).sort()
const YAML_FILES = FILES.filter((f) => f.endsWith(".yaml"))

/** Reorders the keys of every mapping with a seeded permutation. */
const permuteKeys = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return value.map((item) => permuteKeys(item, seed))
  if (typeof value !== "object" || value === null) return value
  const keys = Object.keys(value)
  const rotated = keys.map((_, i) => keys[(i + seed) % keys.length]!)
  const ordered = seed % 2 === 0 ? rotated : rotated.reverse()
  return Object.fromEntries(ordered.map((k) => [k, permuteKeys((value as Record<string, unknown>)[k], seed + 1)]))
}

interface Variant {
  readonly order: ReadonlyArray<string>
  readonly seed: number
  readonly quote: "'" | '"'
  readonly forceQuotes: boolean
  readonly flowLevel: number
  readonly crlf: boolean
  readonly rewrite: boolean
}

const writeVariant = (variant: Variant): string => {
  const root = tempDir("packsmith-det-")
  const target = path.join(root, `ws-${variant.seed}`)
  for (const rel of variant.order) {
    const from = path.join(SOURCE, rel)
    const to = path.join(target, rel)
    fs.mkdirSync(path.dirname(to), { recursive: true })
    if (!rel.endsWith(".yaml")) {
      fs.copyFileSync(from, to)
      fs.chmodSync(to, fs.statSync(from).mode)
      continue
    }
    let text = fs.readFileSync(from, "utf8")
    if (variant.rewrite) {
      const value = permuteKeys(load(text, { schema: CORE_SCHEMA }), variant.seed)
      text = dump(value, { schema: CORE_SCHEMA, quotingType: variant.quote, forceQuotes: variant.forceQuotes, flowLevel: variant.flowLevel, lineWidth: -1 })
    }
    if (variant.crlf) text = text.replace(/\r?\n/g, "\r\n")
    fs.writeFileSync(to, text)
  }
  return target
}

const variants = fc.record({
  order: fc.shuffledSubarray(FILES, { minLength: FILES.length, maxLength: FILES.length }),
  seed: fc.integer({ min: 0, max: 50 }),
  quote: fc.constantFrom("'" as const, '"' as const),
  forceQuotes: fc.boolean(),
  flowLevel: fc.integer({ min: -1, max: 3 }),
  crlf: fc.boolean(),
  rewrite: fc.boolean(),
})

describe("bundle digest determinism", () => {
  let baseline: string | undefined
  const baselineDigest = async () => (baseline ??= (await compileOk([SOURCE])).bundle.digest)

  it("same sources give the same digest whatever the file order, key order, quoting, line endings and directory", async () => {
    const expected = await baselineDigest()
    await fc.assert(fc.asyncProperty(variants, async (variant) => {
      const { bundle } = await compileOk([writeVariant(variant)])
      expect(bundle.digest).toBe(expected)
    }), { numRuns: 12 })
  })

  const semanticEdits: ReadonlyArray<readonly [string, (text: string) => string]> = [
    ["core/actions/echo.yaml", (t) => t.replace('description: "Echo a message"', 'description: "Echo a message!"')],
    ["core/actions/echo.yaml", (t) => t.replace("default: false", "default: true")],
    ["ops/rules/every_minute.yaml", (t) => t.replace("interval: 1}", "interval: 2}")],
    ["ops/actions/workflows/deploy.workflow.yaml", (t) => t.replace("concurrency: 2", "concurrency: 3")],
    ["core/actions/echo.sh", (t) => `${t}# changed\n`],
  ]

  it("any semantic change changes the digest", async () => {
    const expected = await baselineDigest()
    await fc.assert(fc.asyncProperty(fc.constantFrom(...semanticEdits), fc.boolean(), async ([file, edit], crlf) => {
    const root = writeVariant({ order: FILES, seed: 0, quote: "'", forceQuotes: false, flowLevel: -1, crlf, rewrite: false })
    const target = path.join(root, file)
    const before = fs.readFileSync(target, "utf8")
    const after = edit(before)
    expect(after).not.toBe(before)
    fs.writeFileSync(target, after)
    const { bundle } = await compileOk([root])
    expect(bundle.digest).not.toBe(expected)
    }), { numRuns: 10 })
  })

  it("the YAML files were really rewritten by the variants", () => {
    const root = writeVariant({ order: FILES, seed: 3, quote: '"', forceQuotes: true, flowLevel: 1, crlf: true, rewrite: true })
    const file = YAML_FILES[0]!
    expect(fs.readFileSync(path.join(root, file), "utf8")).not.toBe(fs.readFileSync(path.join(SOURCE, file), "utf8"))
  })
})
