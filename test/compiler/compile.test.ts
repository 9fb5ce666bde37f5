import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, TestClock } from "effect"
import { CompileFailed, PackCompiler } from "../../src/compiler/index.js"
import { canonicalJson, computeBundleDigest, sha256Hex, verifyBundle } from "../../src/domain/Bundle.js"
import { FIXTURES, MINI_CORE, compileEither, compileOk, errorsOf, render, tempDir, validate, writeFiles } from "./helpers.js"

const EVERY_KIND = path.join(FIXTURES, "every-kind")

describe("compiling a workspace with every kind of file", () => {
  it("has no errors and only the expected host-binary warnings", async () => {
    const report = await validate([EVERY_KIND])
    expect(errorsOf(report.diagnostics)).toEqual([])
    expect(report.diagnostics.map((d) => [d.code, path.basename(d.file)])).toEqual([
      ["PS4004", "ask.yaml"], ["PS4004", "timer_sensor.yaml"],
    ])
    expect(report.packs).toEqual(["core", "ops"])
  })

  it("emits a bundle whose digest is the sha256 of the canonical body and which verifies", async () => {
    const { bundle, canonicalBody, diagnostics } = await compileOk([EVERY_KIND])
    expect(diagnostics.every((d) => d.severity === "warning")).toBe(true)
    expect(canonicalBody).toBe(canonicalJson(bundle.body))
    expect(bundle.digest).toBe(`sha256:${sha256Hex(canonicalBody)}`)
    expect(bundle.digest).toBe(computeBundleDigest(bundle.body))
    const roundTrip = verifyBundle(JSON.parse(JSON.stringify(bundle)))
    expect(Either.isRight(roundTrip)).toBe(true)
  })

  it("normalizes refs, runners, defaults, parameters and workflows", async () => {
    const { bundle } = await compileOk([EVERY_KIND])
    const core = bundle.body.packs["core"]!
    const ops = bundle.body.packs["ops"]!
    const noop = core.actions["core.noop"]!
    expect(noop).toMatchObject({ runner_type: "sh", runtime: "core.shell", entry_point: { kind: "inline", value: "exit 0; true" }, parameter_delivery: "stdin", parameter_format: "json", output_format: "text", enabled: true })
    expect(core.actions["core.echo"]!.parameters).toEqual({
      type: "object", required: ["message"],
      properties: { message: { type: "string", description: "Message to echo", position: 0 }, uppercase: { type: "boolean", default: false, position: 1 } },
    })
    expect(core.actions["core.echo"]!.entry_point).toEqual({ kind: "file", value: "echo.sh", path: "actions/echo.sh" })
    expect(core.actions["core.http_request"]!.output).toEqual({ type: "object", properties: { status_code: { type: "integer" } } })
    expect(core.sensors["core.timer_sensor"]!.trigger_types).toEqual(["core.intervaltimer", "core.crontimer"])
    expect(ops.sensors["ops.disk_sensor"]!.trigger_types).toEqual(["ops.disk_alert"])
    expect(ops.rules["ops.every_minute"]).toMatchObject({ ref: "ops.every_minute", enabled: true, trigger_ref: "core.intervaltimer" })
    expect(ops.rules["ops.nightly_cron"]!.conditions).toEqual([])
    expect(ops.profiles["ops.codex_wrapper"]).toMatchObject({ runtime: "core.nodejs", command_name: "codex-wrapper", fixed_args: ["--model", "composer-2.5"], enabled: true })
    expect(ops.agents["ops.report-agent"]!.spec.runtime).toBe("rust")
    expect(ops.queues["ops.inbox"]!.dispatch_action).toBe("ops.deploy_region")
    const deploy = ops.workflows["ops.deploy"]!
    expect(ops.actions["ops.deploy"]).toMatchObject({ workflow: "ops.deploy" })
    expect(ops.actions["ops.deploy"]!.runtime).toBeUndefined()
    const roll = deploy.tasks.find((t) => t.name === "roll")!
    expect(roll.action).toBe("ops.deploy_region")
    expect(roll.next).toEqual([{ when: "{{ succeeded() }}", do: ["report"], publish: [{ done: "{{ parameters.regions }}" }] }])
    expect(deploy.cancellation_policy).toBe("allow_finish")
    expect(ops.workflows["ops.nightly"]!.tasks[0]!.next).toEqual([{ do: ["finish"] }])
    expect(ops.actions["ops.nightly"]).toMatchObject({ workflow: "ops.nightly", label: "Nightly" })
    expect(Object.keys(bundle.body.files).sort()).toEqual([
      "core/actions/echo.sh", "core/actions/http_request.py", "ops/actions/deploy_region.sh", "ops/sensors/disk_sensor.py",
    ])
    expect(bundle.body.files["core/actions/echo.sh"]!.mode).toBe(0o755)
    expect(bundle.body.files["core/actions/http_request.py"]!.mode).toBe(0o644)
    const echoBytes = fs.readFileSync(path.join(EVERY_KIND, "core/actions/echo.sh"))
    expect(Buffer.from(bundle.blobs[sha256Hex(echoBytes)]!, "base64").equals(echoBytes)).toBe(true)
  })

  it("never puts the absolute source path into the bundle", async () => {
    const { bundle } = await compileOk([EVERY_KIND])
    const text = JSON.stringify(bundle)
    expect(text).not.toContain(path.resolve(EVERY_KIND))
    expect(text).not.toContain("hunter2")
    expect(bundle.provenance.source_root).not.toMatch(/^\//)
  })

  it.effect("stamps created_at from the Clock and records the workspace", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2030, 0, 2, 3, 4, 5))
      const compiler = yield* PackCompiler
      const { bundle } = yield* compiler.compile([EVERY_KIND], { workspace: "team-a", sourceRoot: "packs" })
      expect(bundle.created_at).toBe("2030-01-02T03:04:05.000Z")
      expect(bundle.workspace).toBe("team-a")
      expect(bundle.provenance).toMatchObject({ compiler_version: expect.any(String), source_root: "packs" })
    }).pipe(Effect.provide(PackCompiler.Default)))
})

describe("diagnostics", () => {
  const broken = () => writeFiles(tempDir(), {
    ...MINI_CORE,
    "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n',
    "p/actions/a.yaml": [
      "ref: p.a",
      "runner_typ: shell",
      "entry_point: missing.sh",
      "parameters:",
      "  x: {type: string, secret: true, default: hunter2}",
      "  y: {type: integer, default: abc}",
      "",
    ].join("\n"),
    "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: p.aa\n",
  })

  it("reports every problem with exact file, line, column and pointer", async () => {
    const root = broken()
    const report = await validate([root])
    const rows = report.diagnostics.map((d) => [path.relative(root, d.file), d.line, d.column, d.code, d.pointer])
    expect(rows).toEqual([
      ["p/actions/a.yaml", 2, 1, "PS2001", "/runner_typ"],
      ["p/actions/a.yaml", 3, 14, "PS4001", "/entry_point"],
      ["p/actions/a.yaml", 5, 44, "PS4008", "/parameters/x/default"],
      ["p/actions/a.yaml", 6, 31, "PS4007", "/parameters/y/default"],
      ["p/rules/r.yaml", 2, 14, "PS3002", "/trigger_ref"],
      ["p/rules/r.yaml", 3, 13, "PS3003", "/action_ref"],
    ])
    const unknown = report.diagnostics.find((d) => d.code === "PS2001")!
    expect(unknown.hint).toBe('did you mean "runner_type"?')
    expect(report.diagnostics.find((d) => d.code === "PS3003")!.hint).toBe('did you mean "p.a"?')
  })

  it("fails compile with CompileFailed carrying the diagnostics", async () => {
    const result = await compileEither([broken()])
    expect(Either.isLeft(result)).toBe(true)
    const failure = Either.getLeft(result).pipe((o) => o._tag === "Some" ? o.value : undefined)!
    expect(failure).toBeInstanceOf(CompileFailed)
    expect(failure.diagnostics.filter((d) => d.severity === "error")).toHaveLength(6)
  })

  it("shows paths relative to the working directory when under it", async () => {
    const report = await validate([path.relative(process.cwd(), path.join(FIXTURES, "every-kind"))])
    expect(report.diagnostics[0]!.file).toBe("test/compiler/fixtures/every-kind/core/actions/ask.yaml")
  })

  it("turns a path that is neither a pack nor a folder of packs into PS1001", async () => {
    const empty = tempDir()
    const report = await validate([empty, path.join(empty, "nope"), path.join(EVERY_KIND, "core/pack.yaml")])
    expect(report.diagnostics.map((d) => d.code)).toEqual(["PS1001", "PS1001", "PS1001"])
  })

  it("bounds file size and keeps going", async () => {
    const root = writeFiles(tempDir(), {
      ...MINI_CORE,
      "core/actions/huge.yaml": `ref: core.huge\ndescription: "${"x".repeat(1024 * 1024)}"\n`,
    })
    const report = await validate([root])
    expect(report.diagnostics.map((d) => d.code)).toEqual(["PS1002"])
  })

  it("rejects entry points that leave the pack, also through a symlink", async () => {
    const root = writeFiles(tempDir(), {
      ...MINI_CORE,
      "outside.sh": "echo outside\n",
      "core/actions/dots.yaml": "ref: core.dots\nentry_point: ../../outside.sh\n",
      "core/actions/abs.yaml": "ref: core.abs\nentry_point: /bin/sh\n",
      "core/actions/link.yaml": "ref: core.link\nentry_point: link.sh\n",
    })
    fs.symlinkSync(path.join(root, "outside.sh"), path.join(root, "core/actions/link.sh"))
    const report = await validate([path.join(root, "core")])
    expect(report.diagnostics.map((d) => [path.basename(d.file), d.code])).toEqual([
      ["abs.yaml", "PS4002"], ["dots.yaml", "PS4002"], ["link.yaml", "PS4002"],
    ])
  })

  it("checks workflows: duplicate names, unknown targets, unreachable tasks, templates", async () => {
    const root = writeFiles(tempDir(), {
      ...MINI_CORE,
      "core/workflows/w.yaml": [
        "ref: core.w",
        "tasks:",
        "  - name: a",
        "    action: echo",
        "    input: {message: '{{ parameters.x'}",
        "    next: [{do: [b, c]}]",
        "  - name: b",
        "    action: echoo",
        "    input: {message: hi}",
        "  - name: b",
        "    action: echo",
        "    input: {message: hi}",
        "  - name: lonely",
        "    action: core.ask",
        "    input: {}",
        "    next: [{do: [loop]}]",
        "  - name: loop",
        "    action: echo",
        "    input: {message: hi}",
        "    on_success: lonely",
        "",
      ].join("\n"),
    })
    const report = await validate([root])
    expect(report.diagnostics.map((d) => [d.code, d.line, d.pointer])).toEqual([
      ["PS4018", 5, "/tasks/0/input/message"],
      ["PS4016", 6, "/tasks/0/next/0/do/1"],
      ["PS3003", 8, "/tasks/1/action"],
      ["PS4015", 10, "/tasks/2/name"],
      ["PS4017", 13, "/tasks/3/name"],
      ["PS4017", 17, "/tasks/4/name"],
    ])
  })

  it("lets workflows use the intercepted core.ask whether or not a pack defines it", async () => {
    const root = writeFiles(tempDir(), {
      "p/pack.yaml": 'ref: p\nversion: "0.1.0"\n',
      "p/workflows/w.yaml": "ref: p.w\ntasks:\n  - name: ask\n    action: core.ask\n    input: {prompt: ok?}\n",
    })
    expect(errorsOf((await validate([root])).diagnostics)).toEqual([])
  })

  it("checks timer trigger parameters and pack dependencies", async () => {
    const root = writeFiles(tempDir(), {
      ...MINI_CORE,
      "core/triggers/crontimer.yaml": "ref: core.crontimer\nparameters:\n  expression: {type: string, required: true}\n",
      "core/triggers/datetimetimer.yaml": "ref: core.datetimetimer\n",
      "p/pack.yaml": 'ref: p\nversion: "0.1.0"\ndependencies: ["core@^2.0.0", missing]\n',
      "p/rules/cron.yaml": "ref: p.cron\ntrigger_ref: core.crontimer\naction_ref: core.echo\naction_params: {message: hi}\ntrigger_params: {expression: '61 * * * *', timezone: Mars/Olympus}\n",
      "p/rules/at.yaml": "ref: p.at\ntrigger_ref: core.datetimetimer\naction_ref: core.echo\naction_params: {}\ntrigger_params: {fire_at: tomorrow}\n",
    })
    const report = await validate([root])
    expect(report.diagnostics.map((d) => [path.basename(d.file), d.code, d.pointer])).toEqual([
      ["pack.yaml", "PS3007", "/dependencies/0"],
      ["pack.yaml", "PS3004", "/dependencies/1"],
      ["at.yaml", "PS4027", "/action_ref"],
      ["at.yaml", "PS4014", "/trigger_params/fire_at"],
      ["cron.yaml", "PS4013", "/trigger_params/expression"],
      ["cron.yaml", "PS4013", "/trigger_params/timezone"],
    ])
  })

  it("reports duplicate refs across files at the second definition", async () => {
    const root = writeFiles(tempDir(), { ...MINI_CORE, "core/actions/echo2.yaml": "ref: core.echo\nentry_point: echo.sh\n" })
    const report = await validate([root])
    expect(report.diagnostics.map((d) => [path.basename(d.file), d.code, d.line])).toEqual([["echo2.yaml", "PS4009", 1]])
    expect(report.diagnostics[0]!.message).toContain("echo.yaml")
  })

  it("never fails validate on garbage files", async () => {
    const root = writeFiles(tempDir(), {
      ...MINI_CORE,
      "core/actions/binary.yaml": Buffer.from([0, 159, 146, 150, 255, 0, 1]),
      "core/actions/list.yaml": "- a\n- b\n",
      "core/actions/tag.yaml": "!!js/function 'function(){}'\n",
      "core/rules/scalar.yaml": "just text\n",
    })
    const report = await validate([root])
    expect(errorsOf(report.diagnostics).length).toBeGreaterThanOrEqual(4)
    expect(render(report.diagnostics)).not.toContain("PS5003")
  })
})
