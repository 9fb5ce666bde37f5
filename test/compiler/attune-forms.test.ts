/**
 * The field forms Attune's own packs use (its models and loaders, read at commit 4dcd523 and nearby): each
 * compiles, and the bundle carries what it means. Packs are written here in our own words.
 */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { compileOk, errorsOf, render, tempDir, validate, writeFiles } from "./helpers.js"

const CORE = path.join(import.meta.dirname, "../../packs/core")

/** A pack `lab` written into a fresh directory, compiled with the shipped core pack. */
const compileLab = async (files: Record<string, string>) => {
  const root = writeFiles(tempDir(), { "lab/pack.yaml": 'ref: lab\nversion: "1.0.0"\n', ...files })
  const { bundle, diagnostics } = await compileOk([path.join(root, "lab"), CORE])
  return { lab: bundle.body.packs["lab"]!, diagnostics }
}

const validateLab = async (files: Record<string, string>) => {
  const root = writeFiles(tempDir(), { "lab/pack.yaml": 'ref: lab\nversion: "1.0.0"\n', ...files })
  return validate([path.join(root, "lab"), CORE])
}

const codesOf = (diagnostics: ReadonlyArray<{ readonly code: string; readonly pointer: string }>) => diagnostics.map((d) => `${d.code} ${d.pointer}`)

const SCRIPT = "#!/bin/sh\necho '{}'\n"

describe("Attune's field forms", () => {
  it("reads a null in an Option field of a runtime as absent, and the bundle has no such key", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/runtimes/lua.yaml": [
        "ref: lab.lua",
        "name: Lua",
        "description: null",
        "aliases: [lua]",
        "installation: ~",
        "execution_config:",
        "  interpreter: {binary: lua, args: [], file_extension: null}",
        "  inline_execution: {strategy: temp_file, extension: null}",
        "  environment:",
        "    env_type: rocks",
        "    dir_name: rocks",
        "    create_command: [mkdir, -p, \"{env_dir}\"]",
        "    interpreter_path: null",
        "  dependencies: null",
        "versions:",
        "  - version: \"5.4\"",
        "    is_default: null",
        "    meta: null",
        "    execution_config:",
        "      interpreter: {binary: lua5.4}",
        "      environment: null",
        "",
      ].join("\n"),
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    const lua = lab.runtimes["lab.lua"]!
    expect(lua).not.toHaveProperty("description")
    expect(lua).not.toHaveProperty("installation")
    expect(lua.execution_config).toEqual({
      interpreter: { binary: "lua", args: [] },
      inline_execution: { strategy: "temp_file" },
      environment: { env_type: "rocks", dir_name: "rocks", create_command: ["mkdir", "-p", "{env_dir}"] },
    })
    expect(lua.versions).toEqual([{ version: "5.4", execution_config: { interpreter: { binary: "lua5.4" } } }])
  })

  it("keeps rejecting a null where Attune's serde models reject it", async () => {
    const report = await validateLab({
      "lab/runtimes/lua.yaml": "ref: lab.lua\nexecution_config:\n  interpreter: null\n  env_vars: null\n",
      "lab/actions/a.yaml": "ref: lab.a\nentry_point: a.sh\nlog_retention_policy: null\n",
      "lab/actions/a.sh": SCRIPT,
    })
    expect(codesOf(errorsOf(report.diagnostics)).sort()).toEqual([
      "PS2003 /execution_config/env_vars",
      "PS2003 /execution_config/interpreter",
      "PS2004 /log_retention_policy",
    ])
  })

  it("reads nulls in actions, triggers, sensors, rules and permission sets as absent", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/actions/a.yaml": [
        "ref: lab.a", "label: null", "description: null", "runner_type: null", "entry_point: a.sh",
        "parameters: null", "output: null", "parameter_format: null", "worker_selector: null", "tags: null", "",
      ].join("\n"),
      "lab/actions/a.sh": SCRIPT,
      "lab/triggers/t.yaml": "ref: lab.t\ndescription: null\ntype: null\nparameters: {}\noutput: null\n",
      "lab/sensors/s.yaml": "ref: lab.s\nrunner_type: null\nentry_point: lab-sensor\ntrigger_types: [t]\nconfig: null\npoll_interval: null\n",
      "lab/rules/r.yaml": "ref: lab.r\ntrigger_ref: t\naction_ref: a\nconditions: null\naction_params: null\ntrigger_params: null\npermission_set_refs: null\n",
      "lab/permission_sets/p.yaml": "ref: lab.p\nlabel: null\ndescription: null\ngrants: []\n",
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    const action = lab.actions["lab.a"]!
    expect(action).toMatchObject({ label: "A", runtime: "core.shell", parameter_format: "json", tags: [] })
    expect(action).not.toHaveProperty("description")
    expect(action).not.toHaveProperty("output")
    expect(action).not.toHaveProperty("worker_selector")
    expect(lab.triggers["lab.t"]).not.toHaveProperty("type")
    expect(lab.sensors["lab.s"]).toMatchObject({ runtime: "core.native" })
    expect(lab.sensors["lab.s"]).not.toHaveProperty("config")
    // A null `permission_set_refs` is Attune's "inherit the action's default", which is the key being absent.
    expect(lab.rules["lab.r"]).toMatchObject({ conditions: [], action_params: {}, trigger_params: {} })
    expect(lab.rules["lab.r"]).not.toHaveProperty("permission_set_refs")
    expect(lab.permission_sets["lab.p"]).toEqual({ ref: "lab.p", pack: "lab", label: "P", grants: [] })
  })

  it("keeps free-form distributions keys as written and still checks verification", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/runtimes/c.yaml": [
        "ref: lab.c", "name: C",
        "distributions:",
        "  verification: {always_available: true, check_required: false}",
        "  languages: [c, c++]",
        "  type: compiled",
        "",
      ].join("\n"),
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    expect(lab.runtimes["lab.c"]!.distributions).toEqual({
      verification: { always_available: true, check_required: false }, languages: ["c", "c++"], type: "compiled",
    })
    const report = await validateLab({ "lab/runtimes/c.yaml": "ref: lab.c\ndistributions:\n  verification: {commands: [{binray: cc}]}\n" })
    expect(errorsOf(report.diagnostics).map((d) => [d.code, d.pointer, d.hint])).toEqual([
      ["PS2002", "/distributions/verification/commands/0", undefined],
      ["PS2001", "/distributions/verification/commands/0/binray", 'did you mean "binary"?'],
    ])
  })

  it("reads is_standard as system, and reports the two disagreeing", async () => {
    const root = writeFiles(tempDir(), { "lab/pack.yaml": 'ref: lab\nversion: "1.0.0"\nis_standard: true\ndescription: null\n' })
    const { bundle } = await compileOk([path.join(root, "lab")])
    expect(bundle.body.packs["lab"]!.manifest).toMatchObject({ system: true })
    expect(bundle.body.packs["lab"]!.manifest).not.toHaveProperty("description")
    const report = await validateLab({ "lab/pack.yaml": 'ref: lab\nversion: "1.0.0"\nsystem: false\nis_standard: true\n' })
    expect(codesOf(errorsOf(report.diagnostics))).toEqual(["PS2012 /is_standard"])
  })

  it("takes out_schema, Attune's column name, as an output schema", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/actions/a.yaml": "ref: lab.a\nentry_point: a.sh\nout_schema:\n  count: {type: integer, required: true}\n",
      "lab/actions/a.sh": SCRIPT,
    })
    expect(diagnostics).toEqual([])
    expect(lab.actions["lab.a"]!.output).toEqual({ type: "object", properties: { count: { type: "integer" } }, required: ["count"] })
  })

  it("declares a standalone workflow's Orquesta-style input as parameters", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/workflows/w.yaml": [
        "ref: lab.w", "version: \"1.0.0\"",
        "input:", "  - who", "  - greeting: hello",
        "parameters:", "  who: {type: string, required: true}",
        "tasks:", "  - name: say", "    action: core.echo", "    input: {message: \"{{ parameters.greeting }} {{ parameters.who }}\"}",
        "",
      ].join("\n"),
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    expect(lab.actions["lab.w"]!.parameters).toEqual({
      type: "object",
      properties: { greeting: { default: "hello" }, who: { type: "string" } },
      required: ["who"],
    })
  })

  it("follows Attune's decision branches (`next`) and branches nested in a legacy transition", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/workflows/w.yaml": [
        "ref: lab.w",
        "tasks:",
        "  - name: check", "    action: core.noop",
        "    decision:",
        "      - {when: \"{{ result().ok }}\", next: build}",
        "      - {default: true, next: stop}",
        "  - name: build", "    action: core.noop",
        "    on_failure:",
        "      - when: \"{{ parameters.force }}\"",
        "        do:",
        "          - {when: \"{{ parameters.fast }}\", next: stop}",
        "          - {next: check}",
        "  - name: stop", "    action: core.noop",
        "",
      ].join("\n"),
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    const tasks = lab.workflows["lab.w"]!.tasks
    expect(tasks[0]!.next).toEqual([{ when: "{{ result().ok }}", do: ["build"] }, { do: ["stop"] }])
    expect(tasks[1]!.next).toEqual([
      { when: "{{ failed() and (parameters.force) and (parameters.fast) }}", do: ["stop"] },
      { when: "{{ failed() and (parameters.force) }}", do: ["check"] },
    ])
  })

  it("reads a permission set ref written alone, in rules and in tasks, as a list of one (and a task timeout template)", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/rules/r.yaml": "ref: lab.r\ntrigger_ref: core.intervaltimer\naction_ref: core.noop\ntrigger_params: {unit: seconds, interval: 5}\npermission_set_ref: core.viewer\n",
      "lab/workflows/w.yaml": "ref: lab.w\nparameters: {wait: {type: integer}}\ntasks:\n  - name: a\n    action: core.noop\n    permission_set_refs: core.viewer\n    timeout: \"{{ parameters.wait }}\"\n",
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    expect(lab.rules["lab.r"]!.permission_set_refs).toEqual(["core.viewer"])
    expect(lab.workflows["lab.w"]!.tasks[0]!).toMatchObject({ permission_set_refs: ["core.viewer"], timeout: "{{ parameters.wait }}" })
  })

  it("carries a queue's dispatch tunables and acknowledgement contract as Attune writes them", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/queues/q.yaml": [
        "ref: lab.q", "label: Q", "description: null", "dispatch_action: core.noop", "batch_mode: batch",
        "permission_set_refs: null",
        "config:",
        "  dispatch:",
        "    concurrency: {source: pack_config, path: workers}",
        "    batch_size: {source: literal, value: 10}",
        "    retry_limit: null",
        "    coalescing: {enabled: true, group_by_path: kind}",
        "  ack_contract: {version: 1}",
        "",
      ].join("\n"),
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    const queue = lab.queues["lab.q"]!
    expect(queue.config).toEqual({
      dispatch: {
        concurrency: { source: "pack_config", path: "workers" },
        batch_size: { source: "literal", value: 10 },
        coalescing: { enabled: true, group_by_path: "kind" },
      },
      ack_contract: { version: 1 },
    })
    expect(queue).not.toHaveProperty("description")
    expect(queue).not.toHaveProperty("permission_set_refs")
  })

  it("leaves an Orquesta-form workflow out with one warning, and compiles the rest of the pack", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/workflows/w.yaml": "version: 1.0\ninput: [who]\ntasks:\n  hello:\n    action: core.echo\n    on-success: [bye]\n  bye:\n    action: core.noop\n",
      "lab/actions/a.yaml": "ref: lab.a\nentry_point: a.sh\n",
      "lab/actions/a.sh": SCRIPT,
    })
    expect(codesOf(diagnostics)).toEqual(["PS2013 /tasks"])
    expect(Object.keys(lab.actions)).toEqual(["lab.a"])
    expect(lab.workflows).toEqual({})
  })

  it("accepts a `name` alone, which Attune's Python loader qualifies with the pack", async () => {
    const { lab, diagnostics } = await compileLab({
      "lab/actions/greet.yaml": "name: greet\nrunner_type: python\nentry_point: greet.py\nparameters: {}\n",
      "lab/actions/greet.py": "print('{}')\n",
    })
    expect(render(errorsOf(diagnostics))).toBe("")
    expect(lab.actions["lab.greet"]).toMatchObject({ ref: "lab.greet", name: "greet", runtime: "core.python" })
  })
})

describe("the Attune-format fixture pack (mon)", () => {
  const MON = path.join(import.meta.dirname, "../fixtures/attune-compat/mon")

  it("compiles without errors and its bundle carries each Attune form it is written in", async () => {
    const { bundle, diagnostics } = await compileOk([MON, CORE])
    // Its tests/ folder (shell tests of its scripts, as Attune's packs have) is the one thing not read.
    expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["PS1012 tests/ is not read"])
    const mon = bundle.body.packs["mon"]!
    expect(mon.manifest).toMatchObject({ label: "Disk Monitoring", system: false })
    const ruby = mon.runtimes["mon.ruby33"]!
    expect(ruby.distributions["languages"]).toEqual(["ruby"])
    expect(ruby.execution_config.environment).toEqual({ env_type: "gem_home", dir_name: "gems", create_command: ["sh", "-c", "mkdir -p {env_dir}/gems"] })
    expect(mon.actions["mon.sign_alert"]!.output?.["properties"]).toHaveProperty("signature")
    expect(mon.rules["mon.sign_every_alert"]!.permission_set_refs).toEqual(["mon.operator"])
    expect(mon.rules["mon.log_prod_alert"]).not.toHaveProperty("permission_set_refs")
    expect(mon.queues["mon.measure_queue"]!.config).toMatchObject({
      dispatch: { concurrency: { source: "pack_config", path: "measure_concurrency", fallback: 2 }, batch_size: { source: "literal", value: 1 } },
      ack_contract: { version: 1 },
    })
    expect(mon.actions["mon.sweep"]!.parameters).toEqual({
      type: "object", properties: { note: { default: "scheduled sweep" }, path: { type: "string" } }, required: ["path"],
    })
    const measure = mon.workflows["mon.sweep"]!.tasks[0]!
    expect(measure).not.toHaveProperty("timeout")
    expect(measure.next.map((t) => t.do)).toEqual([["fine"], ["attention"], ["attention"], ["fine"], undefined])
  })
})
