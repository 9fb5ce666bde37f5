import { describe, expect, it } from "@effect/vitest"
import {
  aliasesOf,
  CORE_RUNTIME_REFS,
  normalizeRuntimeName,
  RUNTIME_ALIASES,
  RUNTIME_FAMILIES,
  runtimeFamilyOf,
  runtimeNamesMatch,
} from "../../src/domain/RuntimeFamily.js"
import { FAMILY_SPECS } from "../../src/services/RuntimeDetection/families.js"

/** Attune's normalize_runtime_name table plus the families packsmith adds, written out independently. */
const EXPECTED: ReadonlyArray<readonly [alias: string, family: string]> = [
  ["shell", "shell"], ["bash", "shell"], ["sh", "shell"],
  ["python", "python"], ["python3", "python"],
  ["node", "node"], ["nodejs", "node"], ["node.js", "node"],
  ["ruby", "ruby"], ["rb", "ruby"],
  ["go", "go"], ["golang", "go"],
  ["java", "java"], ["jdk", "java"], ["openjdk", "java"],
  ["perl", "perl"], ["perl5", "perl"],
  ["r", "r"], ["rscript", "r"],
  ["native", "native"], ["builtin", "native"], ["standalone", "native"],
  ["deno", "deno"], ["bun", "bun"], ["php", "php"], ["lua", "lua"],
]

describe("runtime name normalization", () => {
  it.each(EXPECTED)("%s -> %s", (alias, family) => {
    expect(normalizeRuntimeName(alias)).toBe(family)
    expect(runtimeFamilyOf(alias)).toBe(family)
  })

  it("has exactly these aliases, no more", () => {
    expect(Object.keys(RUNTIME_ALIASES).sort()).toEqual(EXPECTED.map(([alias]) => alias).sort())
  })

  it("ignores case and surrounding blanks", () => {
    expect(normalizeRuntimeName("  Python3 ")).toBe("python")
    expect(normalizeRuntimeName("Node.JS")).toBe("node")
    expect(normalizeRuntimeName("OpenJDK")).toBe("java")
    expect(normalizeRuntimeName("Rscript")).toBe("r")
  })

  it("maps an unknown name to itself, lowercased, and knows no family for it", () => {
    expect(normalizeRuntimeName("Elixir")).toBe("elixir")
    expect(normalizeRuntimeName("python2")).toBe("python2")
    expect(runtimeFamilyOf("elixir")).toBeUndefined()
  })

  it("lists every alias of a family, the family first", () => {
    expect(aliasesOf("node")).toEqual(["node", "nodejs", "node.js"])
    expect(aliasesOf("shell")).toEqual(["shell", "bash", "sh"])
    expect(aliasesOf("native")).toEqual(["native", "builtin", "standalone"])
    expect(aliasesOf("deno")).toEqual(["deno"])
  })

  it("matches names through their aliases", () => {
    expect(runtimeNamesMatch(["nodejs", "python3"], "node.js")).toBe(true)
    expect(runtimeNamesMatch(["golang"], "go")).toBe(true)
    expect(runtimeNamesMatch(["bash"], "python")).toBe(false)
  })

  it("names Attune's core template for each family (node's is core.nodejs)", () => {
    expect(Object.keys(CORE_RUNTIME_REFS).sort()).toEqual([...RUNTIME_FAMILIES].sort())
    expect(CORE_RUNTIME_REFS.node).toBe("core.nodejs")
    expect(CORE_RUNTIME_REFS.python).toBe("core.python")
  })
})

describe("detection's binary names", () => {
  it("belong to the family they are probed for whenever the alias table knows them", () => {
    for (const spec of FAMILY_SPECS) {
      for (const name of spec.names) {
        const known = runtimeFamilyOf(name)
        if (known !== undefined) expect([name, known]).toEqual([name, spec.family])
      }
      expect(runtimeFamilyOf(spec.family)).toBe(spec.family)
    }
  })

  it("cover every family except native, which has no interpreter", () => {
    expect(FAMILY_SPECS.map((spec) => spec.family)).toEqual(RUNTIME_FAMILIES.filter((family) => family !== "native"))
  })
})
