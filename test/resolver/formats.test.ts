import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { parse } from "yaml"
import { renderParameters } from "../../src/services/RuntimeResolver/parameters.js"
import { toDotenv as referenceDotenv, toJsonLine } from "../packs/support.js"

/** Parameter values as they come out of validation: JSON, top level an object. */
const params = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }).filter((key) => !key.includes(".")),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
) as fc.Arbitrary<Record<string, unknown>>

describe("parameter document formats", () => {
  it.prop("dotenv is byte for byte what the core pack's tests feed its scripts", [params], ([values]) => {
    expect(renderParameters(values, "dotenv")).toBe(referenceDotenv(values))
  })

  it.prop("json is one compact line that parses back to the values", [params], ([values]) => {
    const text = renderParameters(values, "json")
    expect(text).toBe(toJsonLine(values))
    expect(text.indexOf("\n")).toBe(text.length - 1)
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(values)))
  })

  it.prop("yaml parses back to the values", [params], ([values]) => {
    expect(parse(renderParameters(values, "yaml")) ?? {}).toEqual(values)
  })

  it("dotenv: sorted keys, dotted nesting, arrays as JSON, null empty, quotes escaped", () => {
    expect(renderParameters({ z: null, list: ["x", "y"], headers: { "X-Key": "v'1" }, message: "middle", a: 1, ok: true }, "dotenv"))
      .toBe("a='1'\nheaders.X-Key='v'\\''1'\nlist='[\"x\",\"y\"]'\nmessage='middle'\nok='true'\nz=''\n")
  })
})
