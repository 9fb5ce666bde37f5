/**
 * A bundle is verified, never trusted: every bundle the compiler makes passes the verifier, and a hand-made
 * one that breaks one of the compiler's invariants is refused with the JSON pointer of each problem.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { generateWorkspace } from "../../bench/workspace.js"
import { INTERCEPTED_ACTIONS } from "../../src/compiler/link.js"
import { InvalidBundle, verifyBundle } from "../../src/domain/Bundle.js"
import { INTERCEPTED_ACTION_REFS, MAX_BUNDLE_DEPTH } from "../../src/domain/BundleInvariants.js"
import { MINI_CORE, tempDir, validate, writeFiles } from "../compiler/helpers.js"
import { CORE_PACK, compileBundle, defineMember, HOSTILE_CASES, plain, REPO, resealed, SHIPPED_PACKS, type BundleJson } from "./hostile.js"

const EVERY_KIND = path.join(REPO, "test/compiler/fixtures/every-kind")
const ATTUNE_COMPAT = path.join(REPO, "test/fixtures/attune-compat")

/** The issues of a refusal (a refusal that is not InvalidBundle shows as its message); [] when accepted. */
const problems = (input: unknown): ReadonlyArray<{ readonly path: string; readonly message: string }> => {
  const result = verifyBundle(input)
  if (Either.isRight(result)) return []
  const error = result.left
  return error instanceof InvalidBundle ? error.issues : [{ path: "", message: error.message }]
}

const refusal = (input: unknown): InvalidBundle => {
  const result = verifyBundle(input)
  if (Either.isRight(result) || !(result.left instanceof InvalidBundle)) throw new Error(`expected InvalidBundle, got ${JSON.stringify(result)}`)
  return result.left
}

/** The pointers of the problems, with each message, for readable failures. */
const pointers = (input: unknown): Record<string, string> =>
  Object.fromEntries(problems(input).map((issue) => [issue.path, issue.message]))

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-verify-"))

describe("every bundle the compiler makes verifies", () => {
  it("the shipped packs and the test fixture packs", async () => {
    for (const paths of [[SHIPPED_PACKS], [EVERY_KIND], [ATTUNE_COMPAT, CORE_PACK]]) {
      expect(problems(plain(await compileBundle(paths)))).toEqual([])
    }
  })

  it("generated bench workspaces of any shape (property)", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 }), async (packs, actionsPerPack) => {
      const dir = fs.mkdtempSync(path.join(scratch, "ws-"))
      generateWorkspace(dir, { packs, actionsPerPack })
      fs.cpSync(CORE_PACK, path.join(dir, "core"), { recursive: true })
      expect(problems(plain(await compileBundle([dir])))).toEqual([])
    }), { numRuns: 6 })
  })

  it("an entry point whose file name has a backslash is PS4002 rather than a bundle the verifier would refuse", async () => {
    const root = writeFiles(tempDir("packsmith-verify-"), {
      ...MINI_CORE, "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n', "p/actions/a\\b.sh": "#!/bin/sh\n", "p/actions/a.yaml": "ref: p.a\nentry_point: 'a\\b.sh'\n",
    })
    const report = await validate([root])
    expect(report.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)).toEqual(['PS4002 entry point "a\\\\b.sh" has a backslash'])
  })

  it("the benchmark's 2,000-action workspace", async () => {
    const dir = path.join(scratch, "bench")
    generateWorkspace(dir, { packs: 200, actionsPerPack: 10 })
    fs.cpSync(CORE_PACK, path.join(dir, "core"), { recursive: true })
    expect(problems(plain(await compileBundle([dir])))).toEqual([])
  }, 120_000)
})

describe("a hand-made bundle with its digest recomputed is refused", () => {
  let shipped: BundleJson
  let everyKind: BundleJson
  beforeAll(async () => {
    shipped = plain(await compileBundle([SHIPPED_PACKS]))
    everyKind = plain(await compileBundle([EVERY_KIND]))
  })

  for (const hostile of HOSTILE_CASES) {
    it(`${hostile.name}: InvalidBundle naming ${hostile.pointer}`, () => {
      const error = refusal(resealed(shipped, hostile.edit))
      expect(error.issues.map((issue) => issue.path)).toContain(hostile.pointer)
      expect(error.message).toContain(hostile.pointer)
    })
  }

  it("entry points: absolute, outside their directory, missing from the file table, host and inline where the runtime cannot run them", () => {
    const found = pointers(resealed(everyKind, (body) => {
      const actions = body.packs.core.actions
      actions["core.echo"].entry_point = { kind: "file", value: "/etc/passwd", path: "/etc/passwd" }
      actions["core.http_request"].entry_point = { kind: "file", value: "x.py", path: "sensors/x.py" }
      actions["core.noop"].entry_point = { kind: "host", value: "/bin/sh" }
      body.packs.ops.actions["ops.deploy_region"].entry_point = { kind: "inline", value: "rm -rf /" }
      body.packs.ops.actions["ops.deploy_region"].runtime = "core.python"
      body.packs.ops.sensors["ops.disk_sensor"].entry_point = { kind: "file", value: "gone.py", path: "sensors/gone.py" }
    }))
    expect(found).toMatchObject({
      "/body/packs/core/actions/core.echo/entry_point/path": expect.stringContaining("is an absolute path"),
      "/body/packs/core/actions/core.http_request/entry_point/path": expect.stringContaining("is not inside the pack's actions/ directory"),
      "/body/packs/core/actions/core.noop/entry_point/kind": "a host binary runs only on a native runtime, and core.shell is not one",
      "/body/packs/core/actions/core.noop/entry_point/value": expect.stringContaining("is not a bare binary name"),
      "/body/packs/ops/actions/ops.deploy_region/entry_point/kind": "inline code runs only on a shell runtime, and core.python is not one",
      "/body/packs/ops/sensors/ops.disk_sensor/entry_point/path": "\"ops/sensors/gone.py\" is not in the file table",
    })
  })

  it("file-table keys: outside every pack, with a backslash or a NUL, or named by no entry point", () => {
    const found = pointers(resealed(everyKind, (body) => {
      const entry = body.files["core/actions/echo.sh"]
      body.files["evil/actions/x.sh"] = entry
      body.files["core/actions\\..\\..\\x.sh"] = entry
      body.files["core/actions/x\u0000.sh"] = entry
      body.files["core/actions/requirements.txt"] = entry
      body.files["core/./actions/echo.sh"] = entry
      body.files["core"] = entry
    }))
    expect(found).toMatchObject({
      "/body/files/evil~1actions~1x.sh": expect.stringContaining("under pack \"evil\", which is not in the bundle"),
      "/body/files/core~1actions\\..\\..\\x.sh": expect.stringContaining("contains a backslash"),
      "/body/files/core~1actions~1x\u0000.sh": expect.stringContaining("contains a NUL character"),
      "/body/files/core~1actions~1requirements.txt": expect.stringContaining("is not the entry point of any action or sensor"),
      "/body/files/core~1.~1actions~1echo.sh": expect.stringContaining("is not a normalized path"),
      "/body/files/core": expect.stringContaining("is not <pack>/<path>"),
    })
  })

  it("refs that do not resolve inside the bundle: sensor, rule, workflow task, profile, queue, dependency", () => {
    const found = pointers(resealed(everyKind, (body) => {
      const ops = body.packs.ops
      ops.sensors["ops.disk_sensor"].trigger_types = ["ops.disk_alert", "ops.ghost"]
      ops.rules["ops.page_on_disk"].trigger_ref = "elsewhere.alert"
      ops.rules["ops.every_minute"].action_ref = "ops.ghost"
      ops.workflows["ops.deploy"].tasks[1].action = "ops.ghost"
      ops.profiles["ops.codex_wrapper"].runtime = "core.ghost"
      ops.queues["ops.inbox"].dispatch_action = "ops.ghost"
      ops.manifest.dependencies = [{ ref: "core", version: "^2.0.0" }, { ref: "ghost" }]
    }))
    expect(found).toMatchObject({
      "/body/packs/ops/sensors/ops.disk_sensor/trigger_types/1": "trigger \"ops.ghost\" is not in the bundle",
      "/body/packs/ops/rules/ops.page_on_disk/trigger_ref": "trigger \"elsewhere.alert\" is in pack \"elsewhere\", which is not in the bundle",
      "/body/packs/ops/rules/ops.every_minute/action_ref": "action \"ops.ghost\" is not in the bundle",
      "/body/packs/ops/workflows/ops.deploy/tasks/1/action": "action \"ops.ghost\" is not in the bundle",
      "/body/packs/ops/profiles/ops.codex_wrapper/runtime": "runtime \"core.ghost\" is not in the bundle",
      "/body/packs/ops/queues/ops.inbox/dispatch_action": "action \"ops.ghost\" is not in the bundle",
      "/body/packs/ops/manifest/dependencies/0/version": "core 1.0.0 does not satisfy ^2.0.0",
      "/body/packs/ops/manifest/dependencies/1/ref": "dependency \"ghost\" is not a pack of the bundle",
    })
  })

  it("a workflow task may use core.ask, which the scheduler intercepts (the compiler's list)", () => {
    expect([...INTERCEPTED_ACTION_REFS]).toEqual([...INTERCEPTED_ACTIONS])
    const withoutAsk = resealed(everyKind, (body) => {
      delete body.packs.core.actions["core.ask"]
    })
    expect(everyKind.body.packs.ops.workflows["ops.deploy"].tasks[0].action).toBe("core.ask")
    expect(problems(withoutAsk)).toEqual([])
  })

  it("a workflow and its action belong together", () => {
    const found = pointers(resealed(everyKind, (body) => {
      const ops = body.packs.ops
      delete ops.workflows["ops.nightly"]
      ops.actions["ops.deploy"].workflow = "ops.other"
      ops.actions["ops.deploy"].runtime = "core.shell"
      ops.workflows["ops.stray"] = { ...ops.workflows["ops.deploy"], ref: "ops.stray" }
    }))
    expect(found).toMatchObject({
      "/body/packs/ops/actions/ops.nightly/workflow": "workflow \"ops.nightly\" is not in the pack",
      "/body/packs/ops/actions/ops.deploy/workflow": expect.stringContaining("runs the workflow of its own ref"),
      "/body/packs/ops/actions/ops.deploy/runtime": "a workflow action has no runtime",
      "/body/packs/ops/workflows/ops.stray": "no action \"ops.stray\" of the pack runs this workflow",
    })
  })

  it("identity: key and ref, ref prefix and pack, pack field, names, manifest ref, pack keys", () => {
    const found = pointers(resealed(everyKind, (body) => {
      const core = body.packs.core
      core.runtimes["core.shell"].pack_ref = "ops"
      core.triggers["core.crontimer"].ref = "core.cron"
      core.actions["core.noop"].name = "nop"
      core.actions["Core.Bad"] = { ...core.actions["core.noop"], ref: "Core.Bad" }
      body.packs.ops.agents["ops.report-agent"].metadata.name = "other-agent"
      body.packs.ops.manifest.ref = "opz"
    }))
    expect(found).toMatchObject({
      "/body/packs/core/runtimes/core.shell/pack_ref": "pack_ref \"ops\" is not the pack \"core\" it is in",
      "/body/packs/core/triggers/core.crontimer/ref": "ref \"core.cron\" differs from its key \"core.crontimer\"",
      "/body/packs/core/actions/core.noop/name": "name \"nop\" differs from the ref's name \"noop\"",
      "/body/packs/core/actions/Core.Bad": expect.stringContaining("is not a ref of the form <pack>.<name>"),
      "/body/packs/ops/agents/ops.report-agent/metadata/name": expect.stringContaining("differs from the ref's name"),
      "/body/packs/ops/manifest/ref": "ref \"opz\" differs from its key \"ops\"",
    })
  })

  it("an agent command that climbs with .., and a source root that is an absolute host path", () => {
    const found = pointers(resealed(everyKind, (body, envelope) => {
      body.packs.ops.agents["ops.report-agent"].spec.command = "../../bin/agent"
      envelope["provenance"].source_root = "/home/someone/packs"
    }))
    expect(found).toMatchObject({
      "/body/packs/ops/agents/ops.report-agent/spec/command": "command must not contain \"..\"",
      "/provenance/source_root": expect.stringContaining("is an absolute path"),
    })
  })

  it("reports every problem at once, each at its pointer, and lists them in the message", () => {
    // Each edits a different part (the __proto__ key is refused before anything else is looked at).
    const together = HOSTILE_CASES.filter((h) => !h.name.includes("__proto__") && !h.name.includes("wrong pack"))
    const error = refusal(resealed(shipped, (body) => {
      for (const hostile of together) hostile.edit(body)
    }))
    const paths = error.issues.map((issue) => issue.path)
    for (const hostile of together) expect(paths).toContain(hostile.pointer)
    expect(error.reason).toBe("the bundle breaks the compiler's invariants")
    expect(error.message).toMatch(/^invalid bundle: the bundle breaks the compiler's invariants \(\d+ problems\):\n {2}\/body\//)
    for (const issue of error.issues.slice(0, 20)) expect(error.message).toContain(`${issue.path}: ${issue.message}`)
  })

  it("schema problems name their pointer, excess properties at any depth included", () => {
    const found = pointers(resealed(everyKind, (body) => {
      body.packs.core.runtimes["core.shell"].execution_config.interpreter = { binary: "sh", evil: true }
      body.packs.core.actions["core.echo"].entry_point.extra = 1
      body.packs.ops.queues["ops.inbox"].config.dispatch.coalescing.group = "x"
      body.packs.ops.agents["ops.report-agent"].spec.lifecycle = { restart_policy: "never", shell: "/bin/sh" }
    }))
    expect(Object.keys(found).sort()).toEqual([
      "/body/packs/core/actions/core.echo/entry_point/extra",
      "/body/packs/core/runtimes/core.shell/execution_config/interpreter/evil",
      "/body/packs/ops/agents/ops.report-agent/spec/lifecycle/shell",
      "/body/packs/ops/queues/ops.inbox/config/dispatch/coalescing/group",
    ])
  })

  it("__proto__ keys anywhere, even in free-form values, and values nested past the bound", () => {
    let deep: unknown = "bottom"
    for (let i = 0; i < MAX_BUNDLE_DEPTH + 10; i++) deep = { d: deep }
    const found = pointers(resealed(everyKind, (body) => {
      defineMember(body.packs.core.actions["core.echo"], "meta", {})
      defineMember(body.packs.core.actions["core.echo"].meta, "__proto__", { polluted: true })
      defineMember(body.files, "__proto__", body.files["core/actions/echo.sh"])
      body.packs.core.actions["core.noop"].meta = { deep }
    }))
    expect(found["/body/packs/core/actions/core.echo/meta/__proto__"]).toContain("a \"__proto__\" key is refused")
    expect(found["/body/files/__proto__"]).toContain("a \"__proto__\" key is refused")
    const deepPointer = Object.keys(found).find((pointer) => pointer.startsWith("/body/packs/core/actions/core.noop/meta/deep/d/d"))
    expect(deepPointer && found[deepPointer]).toContain(`nested deeper than ${MAX_BUNDLE_DEPTH} levels`)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })
})
