import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, type Schema } from "effect"
import { FILE_KIND_SCHEMAS, FILE_KINDS } from "../../src/domain/FileKinds.js"
import { pointerSegments } from "../../src/compiler/Finding.js"
import { decodeStrict } from "../../src/compiler/decode.js"
import { recoverDecodable } from "../../src/compiler/recover.js"
import { acceptsSchema } from "../../src/compiler/shape.js"

const schemaOf = (kind: (typeof FILE_KINDS)[number]): Schema.Schema.AnyNoContext => FILE_KIND_SCHEMAS[kind]

const recover = (kind: (typeof FILE_KINDS)[number], value: unknown) => {
  const schema = schemaOf(kind)
  return recoverDecodable(schema, acceptsSchema(schema), value, decodeStrict(schema, value))
}

const at = (value: unknown, pointer: string): unknown =>
  pointerSegments(pointer).reduce<unknown>((v, s) => (v as Record<string, unknown> | undefined)?.[s], value)

/** Every pointer to a scalar of a JSON value. */
const leaves = (value: unknown, pointer = ""): Array<string> =>
  typeof value !== "object" || value === null ? [pointer]
    : Object.keys(value).flatMap((k) => leaves((value as Record<string, unknown>)[k], `${pointer}/${k}`))

describe("recovering the decodable rest of a document", () => {
  it("leaves out only the faulty task and says where the others were", () => {
    const value = {
      tasks: [
        { name: "a", action: "x" },
        { name: "b", actoin: "y" },
        { name: "c", action: "z", delay: "soon" },
      ],
    }
    const rest = recover("workflow", value)!
    expect(rest.value).toEqual({ tasks: [{ name: "a", action: "x" }, { name: "c", action: "z" }] })
    expect([...rest.dropped].sort()).toEqual(["/tasks/1", "/tasks/2/delay"])
    expect(rest.original?.("/tasks/1/action")).toBe("/tasks/2/action")
    expect(rest.original?.("/tasks/0/name")).toBe("/tasks/0/name")
  })

  it("leaves nothing when the document lacks a required key or is no mapping", () => {
    expect(recover("rule", { ref: "p.r", action_ref: "p.a" })).toBeUndefined()
    expect(recover("action", ["ref", "p.a"])).toBeUndefined()
  })

  it("never changes the document, even where aliases share a node", () => {
    const shared = { name: "t", action: 5 }
    const value = { tasks: [shared, shared, { name: "u", action: "a" }] }
    const before = structuredClone(value)
    const rest = recover("workflow", value)!
    expect(value).toEqual(before)
    expect(rest.value).toEqual({ tasks: [{ name: "u", action: "a" }] })
  })

  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom("x", "p.a", "shell", 1, 0, true, null, "tasks", "name", "action"),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom("ref", "name", "action", "tasks", "next", "do", "input", "version", "timeout", "parameters", "dependencies", "conditions", "field", "operator", "x"), tie("value"), { maxKeys: 5 }),
    ),
  })).value

  it.prop("what is left always decodes, and every part of it is where the file has it", [fc.constantFrom(...FILE_KINDS), json], ([kind, value]) => {
    const rest = recover(kind, value)
    if (rest === undefined) return
    expect(decodeStrict(schemaOf(kind), rest.value)).toEqual([])
    for (const pointer of leaves(rest.value)) expect(at(value, rest.original?.(pointer) ?? pointer)).toEqual(at(rest.value, pointer))
    for (const pointer of rest.dropped) expect(at(value, pointer)).not.toBeUndefined()
  }, { fastCheck: { numRuns: 1000 } })
})
