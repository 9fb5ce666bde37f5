import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { CORE_SCHEMA, load } from "js-yaml"
import { decodeStrict } from "../../src/compiler/decode.js"
import { acceptsSchema } from "../../src/compiler/shape.js"
import { FILE_KIND_DIRECTORIES, FILE_KIND_SCHEMAS, type FileKind } from "../../src/domain/FileKinds.js"
import { CASES } from "../corpus/cases/index.js"
import { FIXTURES } from "./helpers.js"

const REPO = path.join(import.meta.dirname, "../..")

/** The kind a file at `rel` (inside a pack) is decoded as, if any. */
const kindOf = (rel: string): FileKind | undefined => {
  const parts = rel.split("/")
  if (parts.length === 1) return /^pack\.ya?ml$/.test(rel) ? "pack" : undefined
  const directory = parts.slice(0, -1).join("/")
  const kind = FILE_KIND_DIRECTORIES.find(([d]) => d === directory)?.[1]
  return kind === "action" && /\.workflow\.ya?ml$/.test(rel) ? "workflow" : kind
}

const parsed = (text: string): unknown => {
  try {
    return load(text, { schema: CORE_SCHEMA })
  } catch {
    return undefined
  }
}

/** Every YAML document the tests know of (valid packs, fixtures, the invalid corpus), with its kind. */
const documents = (): Array<{ readonly kind: FileKind; readonly value: unknown; readonly name: string }> => {
  const out: Array<{ kind: FileKind; value: unknown; name: string }> = []
  const walkPack = (packDir: string) => {
    for (const rel of fs.readdirSync(packDir, { recursive: true }) as Array<string>) {
      const kind = /\.ya?ml$/.test(rel) ? kindOf(rel.split(path.sep).join("/")) : undefined
      if (kind !== undefined) out.push({ kind, value: parsed(fs.readFileSync(path.join(packDir, rel), "utf8")), name: path.join(packDir, rel) })
    }
  }
  for (const root of [path.join(REPO, "packs"), path.join(FIXTURES, "every-kind"), path.join(REPO, "test/fixtures/attune-compat")]) {
    for (const pack of fs.readdirSync(root)) if (fs.statSync(path.join(root, pack)).isDirectory()) walkPack(path.join(root, pack))
  }
  for (const c of CASES) {
    for (const [file, content] of Object.entries(c.files)) {
      if (typeof content !== "string") continue
      const kind = kindOf(file.split("/").slice(1).join("/"))
      if (kind !== undefined) out.push({ kind, value: parsed(content), name: `${c.name}: ${file}` })
    }
  }
  return out
}

const agrees = (kind: FileKind, value: unknown): boolean => {
  const schema = FILE_KIND_SCHEMAS[kind]
  return acceptsSchema(schema)(value) === (decodeStrict(schema, value).length === 0)
}

const scalar = fc.oneof(fc.string({ maxLength: 5 }), fc.integer({ min: -2, max: 300 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), tie("value"), { maxKeys: 3 })),
})).value

/** Replaces the node at a path chosen by `steps` (each picks a child) with `replacement`, or deletes it. */
const mutate = (value: unknown, steps: ReadonlyArray<number>, replacement: unknown, remove: boolean): unknown => {
  if (steps.length === 0 || typeof value !== "object" || value === null) return replacement
  const [step, ...rest] = steps
  if (Array.isArray(value)) {
    if (value.length === 0) return [replacement]
    const at = step! % value.length
    const copy = [...value]
    if (remove && rest.length === 0) copy.splice(at, 1)
    else copy[at] = mutate(copy[at], rest, replacement, remove)
    return copy
  }
  const keys = Object.keys(value)
  if (keys.length === 0) return { extra: replacement }
  const key = keys[step! % keys.length]!
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  if (remove && rest.length === 0) delete copy[key]
  else copy[key] = mutate(copy[key], rest, replacement, remove)
  return copy
}

describe("compiled shape check", () => {
  const docs = documents()

  it("accepts exactly what decodeStrict accepts, on every known document", () => {
    expect(docs.length).toBeGreaterThan(100)
    const disagreements = docs.filter((d) => !agrees(d.kind, d.value)).map((d) => d.name)
    expect(disagreements).toEqual([])
  })

  it("accepts exactly what decodeStrict accepts, on documents with one part changed or removed", () => {
    const doc = fc.constantFrom(...docs.filter((d) => typeof d.value === "object" && d.value !== null))
    fc.assert(fc.property(doc, fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), json, fc.boolean(), (d, steps, replacement, remove) => {
      expect(agrees(d.kind, mutate(d.value, steps, replacement, remove))).toBe(true)
    }), { numRuns: 3000 })
  })

  it("accepts exactly what decodeStrict accepts, on arbitrary values of any kind", () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(FILE_KIND_SCHEMAS) as Array<FileKind>), json, (kind, value) => {
      expect(agrees(kind, value)).toBe(true)
    }), { numRuns: 1000 })
  })
})
