import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { decodeStrict } from "../../src/compiler/decode.js"
import { ActionSource } from "../../src/domain/Action.js"
import { AgentManifestSource } from "../../src/domain/AgentManifest.js"
import { withoutAbsentNulls } from "../../src/compiler/absentNulls.js"
import { PackManifestSource } from "../../src/domain/Pack.js"
import { RuleSource } from "../../src/domain/Rule.js"
import { RuntimeSource } from "../../src/domain/Runtime.js"
import { WorkQueueSource } from "../../src/domain/WorkQueue.js"
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

  const orNull = <A>(arb: fc.Arbitrary<A>) => fc.oneof(arb, fc.constant(null))
  const runtimeLike = fc.record({
    ref: fc.constant("p.r"),
    description: orNull(fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
    aliases: orNull(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })),
    distributions: orNull(fc.record({
      verification: orNull(fc.record({
        commands: orNull(fc.array(fc.record({ binary: fc.constantFrom("sh", ""), args: orNull(fc.constant(["-v"])), priority: orNull(fc.integer()) }, { requiredKeys: [] }), { maxLength: 2 })),
        always_available: orNull(fc.boolean()),
        verifcation: fc.boolean(),
      }, { requiredKeys: [] })),
      languages: orNull(fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 })),
    }, { requiredKeys: [] })),
    execution_config: orNull(fc.record({
      interpreter: orNull(fc.record({ binary: orNull(fc.constant("lua")), file_extension: orNull(fc.constant(".lua")) }, { requiredKeys: [] })),
      environment: orNull(fc.record({ env_type: fc.constant("x"), interpreter_path: orNull(fc.constant("{env_dir}/bin/x")) }, { requiredKeys: [] })),
      env_vars: orNull(fc.dictionary(fc.string({ maxLength: 3 }), orNull(fc.string({ maxLength: 3 })), { maxKeys: 2 })),
    }, { requiredKeys: [] })),
    versions: orNull(fc.array(fc.record({ version: fc.constant("1"), is_default: orNull(fc.boolean()), meta: orNull(fc.constant({ a: null })) }, { requiredKeys: ["version"] }), { maxLength: 2 })),
  }, { requiredKeys: ["ref"] })
  const packLike = fc.record({
    ref: fc.constant("p"),
    version: orNull(fc.constant("1.0.0")),
    description: orNull(fc.string({ maxLength: 3 })),
    system: orNull(fc.boolean()),
    is_standard: orNull(fc.oneof(fc.boolean(), fc.string({ maxLength: 2 }))),
    tags: orNull(fc.array(orNull(fc.string({ maxLength: 2 })), { maxLength: 2 })),
  }, { requiredKeys: ["ref"] })
  const queueLike = fc.record({
    ref: fc.constant("p.q"),
    description: orNull(fc.string({ maxLength: 3 })),
    enabled: orNull(fc.boolean()),
    config: orNull(fc.record({
      dispatch: orNull(fc.record({
        concurrency: orNull(fc.oneof(fc.integer({ min: -1, max: 3 }), fc.record({ source: fc.constantFrom("literal", "env"), value: orNull(scalar) }, { requiredKeys: [] }))),
        retry_limit: orNull(fc.integer({ min: -1, max: 2 })),
      }, { requiredKeys: [] })),
    }, { requiredKeys: [] })),
  }, { requiredKeys: ["ref"] })

  it("agrees with Schema.decodeUnknownEither where null may mean absent (runtimes, packs, queues)", () => {
    fc.assert(fc.property(runtimeLike, (value) => agreesWithEffect(RuntimeSource, value)), { numRuns: 300 })
    fc.assert(fc.property(packLike, (value) => agreesWithEffect(PackManifestSource, value)), { numRuns: 200 })
    fc.assert(fc.property(queueLike, (value) => agreesWithEffect(WorkQueueSource, value)), { numRuns: 200 })
  })

  // Dropping the nulls that mean absent is what Effect's own decoder does with `optionalWith(..., {nullable})`.
  it("drops exactly the nulls Effect's decoder drops, and nothing else", () => {
    const sameAsEffect = (schema: Schema.Schema.AnyNoContext, value: unknown) => {
      if (decodeStrict(schema, value).length > 0) return
      expect(withoutAbsentNulls(schema.ast, value)).toEqual(Schema.decodeUnknownSync(schema)(value))
    }
    fc.assert(fc.property(runtimeLike, (value) => sameAsEffect(RuntimeSource, value)), { numRuns: 300 })
    fc.assert(fc.property(packLike, (value) => sameAsEffect(PackManifestSource, value)), { numRuns: 200 })
    fc.assert(fc.property(queueLike, (value) => sameAsEffect(WorkQueueSource, value)), { numRuns: 200 })
    fc.assert(fc.property(actionLike, (value) => sameAsEffect(ActionSource, value)), { numRuns: 200 })
  })

  it("leaves a document without such nulls as it is (the same object)", () => {
    const value = { ref: "p.r", distributions: { languages: [null] }, versions: [{ version: "1", meta: { a: null } }] }
    expect(withoutAbsentNulls(RuntimeSource.ast, value)).toBe(value)
  })

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
