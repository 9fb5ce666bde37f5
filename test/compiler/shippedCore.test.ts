import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { makePackCompiler } from "../../src/compiler/PackCompiler.js"
import { CORE_PACK_DIR } from "../../src/compiler/shippedPacks.js"
import { MINI_CORE, compileOk, errorsOf, render, tempDir, validate, writeFiles } from "./helpers.js"

/** A user's own pack, as a new user writes one: a shell action, a rule on a core timer, a workflow using core.echo. */
const USER_PACK: Record<string, string> = {
  "mine/pack.yaml": 'ref: mine\nversion: "0.1.0"\n',
  "mine/actions/hello.yaml": "ref: mine.hello\nrunner_type: shell\nentry_point: hello.sh\nparameters:\n  who: {type: string, required: true}\n",
  "mine/actions/hello.sh": "#!/bin/sh\necho hello\n",
  "mine/rules/often.yaml": "ref: mine.often\ntrigger_ref: core.intervaltimer\ntrigger_params: {unit: minutes, interval: 5}\naction_ref: hello\naction_params: {who: world}\n",
  "mine/workflows/greet.yaml": "ref: mine.greet\ntasks:\n  - name: say\n    action: core.echo\n    input: {message: hi}\n",
}

const userPack = (files: Record<string, string> = USER_PACK): string => path.join(writeFiles(tempDir("packsmith-user-"), files), "mine")

describe("a user's pack that uses core, compiled alone", () => {
  it("validates without being pointed at the core pack, which the compile adds and says so", async () => {
    const report = await validate([userPack()])
    expect(render(report.diagnostics)).toBe("")
    expect(report.packs).toEqual(["core", "mine"])
    expect(report.shippedPacks).toEqual(["core"])
  })

  it("gives a bundle that holds core, byte for byte the bundle of the same pack compiled with packs/core", async () => {
    const pack = userPack()
    const alone = await compileOk([pack])
    const together = await compileOk([pack, CORE_PACK_DIR])
    expect(together.shippedPacks).toEqual([])
    expect(alone.canonicalBody).toBe(together.canonicalBody)
    expect(alone.bundle.digest).toBe(together.bundle.digest)
    const core = alone.bundle.body.packs["core"]!
    expect(Object.keys(core.runtimes)).toContain("core.shell")
    expect(alone.bundle.body.packs["mine"]!.actions["mine.hello"]!.runtime).toBe("core.shell")
    expect(Object.keys(alone.bundle.body.files)).toContain("core/actions/echo.sh")
  })

  it("records nothing of where packsmith is installed: no host path, and provenance of the given pack only", async () => {
    const pack = userPack()
    const { bundle } = await compileOk([pack])
    const text = JSON.stringify(bundle)
    expect(text).not.toContain(CORE_PACK_DIR)
    expect(text).not.toContain(path.dirname(path.dirname(CORE_PACK_DIR)))
    expect(bundle.provenance.source_root).toBe(path.basename(pack))
    // The given pack is in no git repository (packsmith's own directory may well be).
    expect(bundle.provenance.vcs_commit).toBeUndefined()
  })

  it("adds core for `dependencies: [core]` alone, and not for a pack that uses nothing of it", async () => {
    const depends = await validate([userPack({ "mine/pack.yaml": 'ref: mine\nversion: "0.1.0"\ndependencies: ["core@^1"]\n' })])
    expect(depends.diagnostics).toEqual([])
    expect(depends.shippedPacks).toEqual(["core"])
    const plain = await validate([userPack({ "mine/pack.yaml": 'ref: mine\nversion: "0.1.0"\n', "mine/triggers/t.yaml": "ref: mine.t\n" })])
    expect(plain.diagnostics).toEqual([])
    expect(plain.packs).toEqual(["mine"])
    expect(plain.shippedPacks).toEqual([])
  })

  it("adds core even when a runtime of the pack has a name close to the one written", async () => {
    const report = await validate([userPack({
      "mine/pack.yaml": USER_PACK["mine/pack.yaml"]!, "mine/actions/hello.yaml": USER_PACK["mine/actions/hello.yaml"]!,
      "mine/actions/hello.sh": USER_PACK["mine/actions/hello.sh"]!, "mine/runtimes/shelly.yaml": "ref: mine.shelly\nname: shelly\naliases: [shelly]\n",
    })])
    expect(render(report.diagnostics)).toBe("")
    expect(report.shippedPacks).toEqual(["core"])
  })

  it("uses a core pack given in the paths instead, and says where to add what it lacks", async () => {
    const root = writeFiles(tempDir("packsmith-own-core-"), { ...MINI_CORE, ...USER_PACK, "mine/actions/rb.yaml": "ref: mine.rb\nrunner_type: ruby\nentry_point: hello.sh\n" })
    const report = await validate([path.join(root, "mine"), path.join(root, "core")])
    expect(report.shippedPacks).toEqual([])
    const ruby = report.diagnostics.find((d) => d.code === "PS3001")!
    expect(ruby.hint).toBe(`the core pack compiled (${path.join(root, "core")}) has no runtime "core.ruby"; its runtimes include core.shell, core.native, core.python: define it in ${path.join(root, "core")}/runtimes, or leave that pack out to use packsmith's own (${path.relative(process.cwd(), CORE_PACK_DIR)})`)
  })

  it("names the path it looked in when this installation has no core pack", () =>
    Effect.runPromise(Effect.gen(function* () {
      const missing = path.join(tempDir("packsmith-no-core-"), "packs/core")
      const compiler = makePackCompiler(missing)
      const report = yield* compiler.validate([userPack()])
      expect(report.shippedPacks).toEqual([])
      const codes = errorsOf(report.diagnostics).map((d) => [d.code, d.hint])
      const hint = `packsmith's own core pack is not in this installation (${missing}): add the directory of a core pack to the paths`
      expect(codes).toEqual([["PS3001", hint], ["PS3002", hint], ["PS3003", hint]])
      expect(Either.isLeft(yield* Effect.either(compiler.compile([userPack()])))).toBe(true)
    })))

  it("reports the same on a recompile, and the added core's files are kept, not parsed again", () =>
    Effect.runPromise(Effect.gen(function* () {
      const compiler = makePackCompiler()
      const pack = userPack({ ...USER_PACK, "mine/actions/bad.yaml": "ref: mine.bad\nrunner_type: core.pyton\nentry_point: hello.sh\n" })
      const first = yield* compiler.validate([pack])
      const again = yield* compiler.validate([pack])
      expect(again.diagnostics).toEqual(first.diagnostics)
      expect(again.packs).toEqual(first.packs)
      expect(first.diagnostics.map((d) => [d.code, d.hint])).toEqual([["PS3001", 'did you mean "core.python"?']])
      expect(again.stats.parsed).toBe(0)
      expect(again.stats.files).toBe(first.stats.files)
      expect(first.stats.files).toBeGreaterThan(fs.readdirSync(pack, { recursive: true }).filter((f) => String(f).endsWith(".yaml")).length)
    })))
})
