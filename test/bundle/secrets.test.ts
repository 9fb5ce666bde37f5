/**
 * A secret parameter's value never reaches a bundle, at any depth: the compiler reports each literal one
 * (PS4008 at its pointer), and the verifier refuses a hand-made bundle that carries one.
 */
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { InvalidBundle, verifyBundle } from "../../src/domain/Bundle.js"
import { describeSecretLeak, scanSchemaForSecrets, scanValueForSecrets, secretScan } from "../../src/domain/SecretValues.js"
import { MINI_CORE, tempDir, validate, writeFiles } from "../compiler/helpers.js"
import { compileBundle, plain, resealed, type BundleJson } from "./hostile.js"

/** One pack `p` (beside a minimal core) with the given files; the PS4008 findings as `file pointer`, sorted. */
const secretFindings = async (files: Record<string, string>): Promise<Array<string>> => {
  const root = writeFiles(tempDir("packsmith-secrets-"), { ...MINI_CORE, "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n', "p/actions/a.sh": "#!/bin/sh\n", ...files })
  const report = await validate([root])
  return report.diagnostics.filter((d) => d.code === "PS4008").map((d) => `${path.relative(root, d.file)} ${d.pointer}`).sort()
}

const action = (parameters: string, extra = ""): Record<string, string> =>
  ({ "p/actions/a.yaml": `ref: p.a\nentry_point: a.sh\nparameters:\n${parameters}${extra}` })

describe("the compiler reports a literal secret value wherever it is written (PS4008)", () => {
  it("in nested properties, array items, enum, examples, const, and maps of any key", async () => {
    expect(await secretFindings(action([
      "  db:",
      "    type: object",
      "    properties:",
      "      password: {type: string, secret: true, default: hunter2}",
      "  hosts:",
      "    type: array",
      "    items: {type: object, properties: {token: {type: string, secret: true, default: t0k}}}",
      "  pin: {type: string, secret: true, enum: [\"1234\", \"secret:pin\"]}",
      "  key: {type: string, secret: true, examples: [abc], const: xyz}",
      "  headers: {type: object, additionalProperties: {type: string, secret: true, default: Bearer-1}}",
      "  tagged: {type: object, patternProperties: {\"^x-\": {type: string, secret: true, default: v}}}",
      "  either: {oneOf: [{type: string, secret: true, default: one}, {type: integer}]}",
      "",
    ].join("\n")))).toEqual([
      "p/actions/a.yaml /parameters/db/properties/password/default",
      "p/actions/a.yaml /parameters/either/oneOf/0/default",
      "p/actions/a.yaml /parameters/headers/additionalProperties/default",
      "p/actions/a.yaml /parameters/hosts/items/properties/token/default",
      "p/actions/a.yaml /parameters/key/const",
      "p/actions/a.yaml /parameters/key/examples/0",
      "p/actions/a.yaml /parameters/pin/enum/0",
      "p/actions/a.yaml /parameters/tagged/patternProperties/^x-/default",
    ])
  })

  it("in a default object of a parent, and in the parameters of the action's examples", async () => {
    expect(await secretFindings(action([
      "  db:",
      "    type: object",
      "    default: {user: app, password: hunter2}",
      "    properties:",
      "      user: {type: string}",
      "      password: {type: string, secret: true}",
      "  token: {type: string, secret: true}",
      "",
    ].join("\n"), "examples:\n  - description: with a token\n    parameters: {token: hunter2, db: {password: \"secret:db\"}}\n  - parameters: {token: \"{{ secrets.token }}\", db: {password: hunter2}}\n"))).toEqual([
      "p/actions/a.yaml /examples/0/parameters/token",
      "p/actions/a.yaml /examples/1/parameters/db/password",
      "p/actions/a.yaml /parameters/db/default/password",
    ])
  })

  it("in a JSON Schema parameter document, at the pointer of its own shape", async () => {
    expect(await secretFindings(action([
      "  type: object",
      "  properties:",
      "    db: {type: object, properties: {password: {type: string, secret: true, default: hunter2}}}",
      "",
    ].join("\n")))).toEqual(["p/actions/a.yaml /parameters/properties/db/properties/password/default"])
  })

  it("in a pack's config (nested) and in rule and workflow parameters given to a nested secret", async () => {
    const db = "  db:\n    type: object\n    properties:\n      password: {type: string, secret: true}\n"
    expect(await secretFindings({
      "p/pack.yaml": `ref: p\nversion: "1.0.0"\nconf_schema:\n${db}config:\n  db: {password: hunter2}\n`,
      ...action(db),
      "p/triggers/t.yaml": "ref: p.t\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: p.t\naction_ref: p.a\naction_params: {db: {password: hunter2}}\n",
      "p/actions/w.yaml": "ref: p.w\nworkflow_file: workflows/w.yaml\n",
      "p/actions/workflows/w.yaml": "tasks:\n  - name: one\n    action: p.a\n    input: {db: {password: hunter2}}\n",
    })).toEqual([
      "p/actions/workflows/w.yaml /tasks/0/input/db/password",
      "p/pack.yaml /config/db/password",
      "p/rules/r.yaml /action_params/db/password",
    ])
  })

  it("never for a secret:<name> ref or a template, nor for values of properties that are not secret", async () => {
    expect(await secretFindings(action([
      "  db:",
      "    type: object",
      "    default: {user: app, password: \"secret:db_password\"}",
      "    properties:",
      "      user: {type: string, default: app}",
      "      password: {type: string, secret: true, default: \"{{ secrets.db }}\"}",
      "  plain: {type: string, enum: [a, b], default: a}",
      "",
    ].join("\n"), "examples:\n  - parameters: {plain: b, db: {user: x, password: \"secret:other\"}}\n"))).toEqual([])
  })
})

describe("SecretValues", () => {
  it("follows local $refs, and stops where its budget ends instead of walking on", () => {
    const schema = {
      type: "object",
      $defs: { credential: { type: "string", secret: true } },
      properties: { login: { type: "object", properties: { password: { $ref: "#/$defs/credential" } }, default: { password: "hunter2" } } },
    }
    const scan = secretScan()
    scanSchemaForSecrets(scan, schema, "/parameters")
    expect(scan.leaks.map((leak) => [leak.pointer, describeSecretLeak(leak)])).toEqual([
      ["/parameters/properties/login/default/password", "the default of \"login\" gives secret parameter \"login.password\" a literal value"],
    ])
    const looping = { $ref: "#", properties: { a: { $ref: "#" } } }
    const bounded = secretScan(50)
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 100; i++) deep = { a: deep }
    scanValueForSecrets(bounded, looping, deep, "")
    expect(bounded.exhausted).toBe(true)
  })
})

describe("the verifier refuses a bundle that carries a literal secret value", () => {
  let bundle: BundleJson
  beforeAll(async () => {
    const root = writeFiles(tempDir("packsmith-secrets-"), {
      ...MINI_CORE,
      "p/pack.yaml": 'ref: p\nversion: "1.0.0"\nconf_schema:\n  db: {type: object, properties: {password: {type: string, secret: true}}}\nconfig:\n  db: {password: "secret:db"}\n',
      "p/actions/a.sh": "#!/bin/sh\n",
      "p/actions/a.yaml": [
        "ref: p.a", "entry_point: a.sh", "parameters:",
        "  db:", "    type: object", "    default: {password: \"secret:db\"}",
        "    properties:", "      password: {type: string, secret: true}",
        "  hosts: {type: array, items: {type: object, properties: {token: {type: string, secret: true}}}}",
        "examples:", "  - parameters: {db: {password: \"secret:db\"}}", "",
      ].join("\n"),
      "p/triggers/t.yaml": "ref: p.t\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: p.t\naction_ref: p.a\naction_params: {db: {password: \"secret:db\"}}\n",
      "p/profiles/pr.yaml": "ref: p.pr\nruntime: shell\ncommand_name: sh\nenv: {API_TOKEN: \"secret:api\"}\n",
    })
    bundle = plain(await compileBundle([root]))
    expect(Either.isRight(verifyBundle(bundle))).toBe(true)
  })

  const refusedAt = (edit: (body: BundleJson) => void): Array<string> => {
    const result = verifyBundle(resealed(bundle, edit))
    if (Either.isRight(result) || !(result.left instanceof InvalidBundle)) throw new Error("expected InvalidBundle")
    return result.left.issues.map((issue) => issue.path)
  }
  const a = "/body/packs/p/actions/p.a"

  it.each([
    ["a nested default", (body: BundleJson) => { body.packs.p.actions["p.a"].parameters.properties.db.properties.password.default = "hunter2" }, `${a}/parameters/properties/db/properties/password/default`],
    ["an array item's enum", (body: BundleJson) => { body.packs.p.actions["p.a"].parameters.properties.hosts.items.properties.token.enum = ["t0k"] }, `${a}/parameters/properties/hosts/items/properties/token/enum/0`],
    ["examples of the schema", (body: BundleJson) => { body.packs.p.actions["p.a"].parameters.properties.db.properties.password.examples = ["hunter2"] }, `${a}/parameters/properties/db/properties/password/examples/0`],
    ["a parent's default object", (body: BundleJson) => { body.packs.p.actions["p.a"].parameters.properties.db.default = { password: "hunter2" } }, `${a}/parameters/properties/db/default/password`],
    ["the action's examples[].parameters", (body: BundleJson) => { body.packs.p.actions["p.a"].examples[0].parameters.db.password = "hunter2" }, `${a}/examples/0/parameters/db/password`],
    ["a rule's action_params", (body: BundleJson) => { body.packs.p.rules["p.r"].action_params.db.password = "hunter2" }, "/body/packs/p/rules/p.r/action_params/db/password"],
    ["the pack's config", (body: BundleJson) => { body.packs.p.manifest.config.db.password = "hunter2" }, "/body/packs/p/manifest/config/db/password"],
    ["a profile's credential variable", (body: BundleJson) => { body.packs.p.profiles["p.pr"].env.API_TOKEN = "hunter2" }, "/body/packs/p/profiles/p.pr/env/API_TOKEN"],
  ])("in %s", (_name, edit, pointer) => {
    expect(refusedAt(edit)).toEqual([pointer])
  })
})
