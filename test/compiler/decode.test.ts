import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { decodeStrict } from "../../src/compiler/decode.js"
import { ActionSource } from "../../src/domain/Action.js"
import { AgentManifestSource } from "../../src/domain/AgentManifest.js"
import { RuleSource } from "../../src/domain/Rule.js"
import { WorkflowSource } from "../../src/domain/Workflow.js"

describe("decodeStrict", () => {
  it("reports every unknown key with its pointer and a did-you-mean over that object's keys", () => {
    const issues = decodeStrict(ActionSource, { ref: "a.b", runner_typ: "shell", entry_point: "x.sh", tgas: [] })
    expect(issues.map((i) => [i.code, i.pointer, i.target, i.hint])).toEqual([
      ["PS2001", "/runner_typ", "key", 'did you mean "runner_type"?'],
      ["PS2001", "/tgas", "key", 'did you mean "tags"?'],
    ])
  })

  it("collects nested issues instead of stopping at the first", () => {
    const issues = decodeStrict(WorkflowSource, {
      tasks: [{ name: "a", action: "x", retry: { count: 500, backof: "linear" } }, { name: 3, action: "y" }],
    })
    expect(issues.map((i) => [i.code, i.pointer])).toEqual([
      ["PS2004", "/tasks/0/retry/count"],
      ["PS2001", "/tasks/0/retry/backof"],
      ["PS2003", "/tasks/1/name"],
    ])
  })

  it("names the allowed literals and suggests the closest", () => {
    const [issue] = decodeStrict(ActionSource, { ref: "a.b", parameter_format: "jsn" })
    expect(issue?.code).toBe("PS2004")
    expect(issue?.message).toContain('"dotenv", "json", "yaml"')
    expect(issue?.hint).toBe('did you mean "json"?')
  })

  it("reports missing required keys at the parent object", () => {
    const issues = decodeStrict(RuleSource, { ref: "p.r", trigger_ref: "t" })
    expect(issues).toEqual([expect.objectContaining({ code: "PS2002", pointer: "", message: 'missing required key "action_ref"' })])
  })

  it("picks the union member that matches the value's kind", () => {
    expect(decodeStrict(RuleSource, { trigger_ref: "t", action_ref: "a", conditions: { expression: "x" } })).toEqual([])
    expect(decodeStrict(RuleSource, { trigger_ref: "t", action_ref: "a", conditions: [{ field: "f", operator: "equals", value: 1 }] })).toEqual([])
    const issues = decodeStrict(RuleSource, { trigger_ref: "t", action_ref: "a", conditions: [{ field: "f", operatr: "equals" }] })
    expect(issues.map((i) => i.pointer)).toContain("/conditions/0/operatr")
  })

  it("checks refinements such as the capability grammar", () => {
    const manifest = {
      apiVersion: "scarab/v1", kind: "AgentManifest", metadata: { name: "a", version: "1.0.0" },
      spec: { trust_level: "untrusted", capabilities: ["tool.invoke:echo", "not a capability"] },
    }
    expect(decodeStrict(AgentManifestSource, manifest).map((i) => [i.code, i.pointer])).toEqual([["PS2004", "/spec/capabilities/1"]])
  })

  it("rejects a document that is not a mapping", () => {
    expect(decodeStrict(ActionSource, ["a"]).map((i) => i.code)).toEqual(["PS2005"])
  })

  // The interpreter must accept exactly what Effect's decoder accepts (strict about excess properties).
  const agreesWithEffect = (schema: Schema.Schema.AnyNoContext, value: unknown) => {
    const effect = Either.isRight(Schema.decodeUnknownEither(schema)(value, { onExcessProperty: "error", errors: "all" }))
    expect(decodeStrict(schema, value).length === 0).toBe(effect)
  }

  const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 200 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
  const actionLike = fc.record({
    ref: fc.oneof(fc.string(), scalar),
    runner_type: fc.constantFrom("shell", "python", 3),
    parameter_delivery: fc.constantFrom("stdin", "file", "env"),
    timeout: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(1.5)),
    tags: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.array(scalar, { maxLength: 2 })),
    required_worker_runtimes: fc.dictionary(fc.string({ maxLength: 4 }), scalar, { maxKeys: 2 }),
    bogus: scalar,
  }, { requiredKeys: [] })
  const workflowLike = fc.record({
    tasks: fc.array(fc.record({
      name: fc.oneof(fc.string(), scalar),
      action: fc.string(),
      retry: fc.record({ count: fc.integer({ min: 0, max: 120 }), backoff: fc.constantFrom("linear", "cubic") }, { requiredKeys: [] }),
      on_success: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.record({ do: fc.string(), when: fc.string() })), { maxLength: 2 })),
      join: fc.oneof(fc.constant("all"), fc.integer({ min: -1, max: 3 })),
    }, { requiredKeys: ["name"] }), { maxLength: 3 }),
    vars: fc.oneof(fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 2 }), fc.array(fc.dictionary(fc.string({ maxLength: 3 }), scalar, { maxKeys: 1 }), { maxLength: 2 })),
  }, { requiredKeys: [] })

  it("agrees with Schema.decodeUnknownEither on actions", () => {
    fc.assert(fc.property(actionLike, (value) => agreesWithEffect(ActionSource, value)), { numRuns: 300 })
  })
  it("agrees with Schema.decodeUnknownEither on workflows", () => {
    fc.assert(fc.property(workflowLike, (value) => agreesWithEffect(WorkflowSource, value)), { numRuns: 300 })
  })
  it("never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      expect(Array.isArray(decodeStrict(ActionSource, value))).toBe(true)
    }))
  })
})
