import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { PackCompiler } from "../../src/compiler/index.js"
import { RACY_WINDOW_MS } from "../../src/compiler/load.js"
import { FIXTURES, compileOk, copyDir, tempDir } from "./helpers.js"

const fresh = () => copyDir(path.join(FIXTURES, "every-kind"), path.join(tempDir("packsmith-recompile-"), "ws"))

/** Files changed longer ago than the racy window are trusted by their stat stamp. */
const settle = () => new Promise((resolve) => setTimeout(resolve, RACY_WINDOW_MS * 3))

const yamlCount = (root: string): number =>
  (fs.readdirSync(root, { recursive: true }) as Array<string>).filter((f) => f.endsWith(".yaml")).length

describe("recompile with one service", () => {
  it("re-reads and re-parses only the file that changed, and the result equals a cold compile", async () => {
    const root = fresh()
    await settle()
    const edited = path.join(root, "core/actions/echo.yaml")
    const { first, second, unchanged, touched } = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      const first = yield* compiler.compile([root])
      yield* Effect.promise(settle)
      const second = yield* compiler.compile([root])
      const unchanged = yield* compiler.compile([root])
      fs.writeFileSync(edited, fs.readFileSync(edited, "utf8").replace("Echo a message", "Echo one message"))
      const touched = yield* compiler.compile([root])
      return { first, second, unchanged, touched }
    }).pipe(Effect.provide(PackCompiler.Default)))
    const files = yamlCount(root)
    expect(first.stats).toMatchObject({ files, read: files, parsed: files })
    // Nothing moved: no file is read or parsed again, and the bundle is the same.
    expect(second.stats).toMatchObject({ files, read: 0, parsed: 0 })
    expect(second.canonicalBody).toBe(first.canonicalBody)
    // From the second compile on the checks are remembered: only entry points that name no file (inline
    // commands, host binaries), which depend on what is absent, are checked every time.
    expect(unchanged.stats).toMatchObject({ files, read: 0, parsed: 0 })
    expect(unchanged.stats.checked).toBeLessThan(4)
    expect(touched.stats).toMatchObject({ files, read: 1, parsed: 1 })
    // Only what the edited file defines, and what looks it up, is checked again.
    expect(touched.stats.checked).toBeGreaterThan(unchanged.stats.checked)
    expect(touched.stats.checked).toBeLessThan(unchanged.stats.checked + 6)
    const cold = await compileOk([root])
    expect(touched.canonicalBody).toBe(cold.canonicalBody)
    expect(touched.bundle.digest).toBe(cold.bundle.digest)
  })

  it("does not parse a file that was saved again with the same bytes", async () => {
    const root = fresh()
    const file = path.join(root, "ops/rules/every_minute.yaml")
    const { again } = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      yield* compiler.compile([root])
      fs.writeFileSync(file, fs.readFileSync(file))
      const again = yield* compiler.compile([root])
      return { again }
    }).pipe(Effect.provide(PackCompiler.Default)))
    expect(again.stats.read).toBeGreaterThanOrEqual(1)
    expect(again.stats.parsed).toBe(0)
  })

  it("re-checks an action whose script changed, and nothing that does not depend on it", async () => {
    const root = fresh()
    await settle()
    const script = path.join(root, "ops/actions/deploy_region.sh")
    const { before, after } = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      yield* compiler.compile([root])
      yield* Effect.promise(settle)
      yield* compiler.compile([root])
      const before = yield* compiler.compile([root])
      fs.writeFileSync(script, "#!/bin/bash\necho deploying faster\n")
      const after = yield* compiler.compile([root])
      return { before, after }
    }).pipe(Effect.provide(PackCompiler.Default)))
    expect(after.stats).toMatchObject({ read: 0, parsed: 0, checked: before.stats.checked + 1 })
    expect(after.bundle.digest).not.toBe(before.bundle.digest)
    const cold = await compileOk([root])
    expect(after.canonicalBody).toBe(cold.canonicalBody)
  })

  it("sees a file added to a directory whose listing it kept", async () => {
    const root = fresh()
    await settle()
    const { after } = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      yield* compiler.compile([root])
      yield* Effect.promise(settle)
      yield* compiler.compile([root])
      fs.writeFileSync(path.join(root, "core/actions/later.yaml"), "ref: core.later\nentry_point: 'echo later'\n")
      const after = yield* compiler.compile([root])
      return { after }
    }).pipe(Effect.provide(PackCompiler.Default)))
    expect(after.bundle.body.packs["core"]!.actions["core.later"]).toBeDefined()
    expect(after.stats.parsed).toBe(1)
    const cold = await compileOk([root])
    expect(after.canonicalBody).toBe(cold.canonicalBody)
  })

  it("sees a directory put in place of one whose listing it kept, even with older times than the compile", async () => {
    const root = fresh()
    const actions = path.join(root, "core/actions")
    // Prepared beside it: the same files and one more, its times an hour old (as a copy that keeps times has).
    const prepared = path.join(root, "core/actions-next")
    fs.cpSync(actions, prepared, { recursive: true })
    fs.writeFileSync(path.join(prepared, "later.yaml"), "ref: core.later\nentry_point: 'echo later'\n")
    const anHourAgo = new Date(Date.now() - 3_600_000)
    fs.utimesSync(prepared, anHourAgo, anHourAgo)
    await settle()
    const { after, before } = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      const before = yield* compiler.compile([root])
      yield* Effect.promise(settle)
      fs.renameSync(actions, path.join(root, "old-actions"))
      fs.renameSync(prepared, actions)
      // The renamed directory keeps its old mtime; the rename gave it a new ctime.
      expect(Math.round(fs.statSync(actions).mtimeMs)).toBe(anHourAgo.getTime())
      const after = yield* compiler.compile([root])
      return { after, before }
    }).pipe(Effect.provide(PackCompiler.Default)))
    expect(before.bundle.body.packs["core"]!.actions["core.later"]).toBeUndefined()
    expect(after.bundle.body.packs["core"]!.actions["core.later"]).toBeDefined()
    expect(after.canonicalBody).toBe((await compileOk([root])).canonicalBody)
  })
})

describe("files a pack holds that are not read, on recompile", () => {
  it("are reported the same by every compile of one service, kept listings or not, and follow the disk", async () => {
    const root = fresh()
    const ops = path.join(root, "ops")
    fs.mkdirSync(path.join(ops, "aliases"))
    fs.mkdirSync(path.join(ops, "actions/lib"))
    fs.writeFileSync(path.join(ops, "actions/lib/common.sh"), "true\n")
    await settle()
    const unread = (report: { readonly diagnostics: ReadonlyArray<{ readonly code: string; readonly file: string }> }) =>
      report.diagnostics.filter((d) => d.code === "PS1012").map((d) => path.relative(root, d.file))
    const seen = await Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      const first = unread(yield* compiler.validate([root]))
      const second = unread(yield* compiler.validate([root]))
      fs.rmSync(path.join(ops, "aliases"), { recursive: true })
      fs.mkdirSync(path.join(ops, "sensors/helpers"))
      const changed = unread(yield* compiler.validate([root]))
      yield* Effect.promise(settle)
      const settled = unread(yield* compiler.validate([root]))
      return { first, second, changed, settled }
    }).pipe(Effect.provide(PackCompiler.Default)))
    expect(seen.first).toEqual(["ops/actions/lib", "ops/aliases"])
    expect(seen.second).toEqual(seen.first)
    expect(seen.changed).toEqual(["ops/actions/lib", "ops/sensors/helpers"])
    expect(seen.settled).toEqual(seen.changed)
  })
})
