import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { PackCompiler } from "../../src/compiler/index.js"
import { canonicalJson } from "../../src/domain/Bundle.js"
import { FIXTURES, compileOk, copyDir, tempDir } from "./helpers.js"

const fresh = () => copyDir(path.join(FIXTURES, "every-kind"), path.join(tempDir("packsmith-inc-"), "ws"))

/** Compiles twice with one service (warm cache) around `change`, and once cold after it. */
const warmThenCold = (root: string, change: () => void) =>
  Effect.runPromise(Effect.gen(function* () {
    const compiler = yield* PackCompiler
    const first = yield* compiler.compile([root])
    change()
    const warm = yield* compiler.compile([root])
    return { first, warm }
  }).pipe(Effect.provide(PackCompiler.Default)))

describe("incremental re-compile", () => {
  it("after editing one file equals a cold compile, byte for byte", async () => {
    const root = fresh()
    const file = path.join(root, "core/actions/echo.yaml")
    const { first, warm } = await warmThenCold(root, () => {
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("Echo a message", "Echo one message"))
    })
    const cold = await compileOk([root])
    expect(warm.bundle.digest).not.toBe(first.bundle.digest)
    expect(warm.bundle.digest).toBe(cold.bundle.digest)
    expect(warm.canonicalBody).toBe(cold.canonicalBody)
    expect(warm.canonicalBody).toBe(canonicalJson(warm.bundle.body))
    expect(warm.bundle.body.packs["core"]!.actions["core.echo"]!.description).toBe("Echo one message")
  })

  it("after adding a file equals a cold compile", async () => {
    const root = fresh()
    const { first, warm } = await warmThenCold(root, () => {
      fs.writeFileSync(path.join(root, "core/actions/later.yaml"), "ref: core.later\nentry_point: 'echo later'\n")
    })
    const cold = await compileOk([root])
    expect(warm.bundle.digest).not.toBe(first.bundle.digest)
    expect(warm.canonicalBody).toBe(cold.canonicalBody)
    expect(warm.bundle.body.packs["core"]!.actions["core.later"]!.entry_point).toEqual({ kind: "inline", value: "echo later" })
  })

  it("after deleting a file equals a cold compile", async () => {
    const root = fresh()
    const { first, warm } = await warmThenCold(root, () => {
      fs.rmSync(path.join(root, "ops/rules/every_minute.yaml"))
    })
    const cold = await compileOk([root])
    expect(warm.bundle.digest).not.toBe(first.bundle.digest)
    expect(warm.canonicalBody).toBe(cold.canonicalBody)
    expect(warm.bundle.body.packs["ops"]!.rules["ops.every_minute"]).toBeUndefined()
  })

  it("after changing a script's bytes updates the file table and blobs", async () => {
    const root = fresh()
    const script = path.join(root, "ops/actions/deploy_region.sh")
    const { first, warm } = await warmThenCold(root, () => {
      fs.writeFileSync(script, "#!/bin/bash\necho deploying faster\n")
    })
    const cold = await compileOk([root])
    expect(warm.bundle.digest).not.toBe(first.bundle.digest)
    expect(warm.canonicalBody).toBe(cold.canonicalBody)
    expect(Object.keys(warm.bundle.blobs).sort()).toEqual(Object.keys(cold.bundle.blobs).sort())
  })

  it("after changing the pack ref re-qualifies every file of the pack", async () => {
    const root = fresh()
    const { warm } = await warmThenCold(root, () => {
      fs.renameSync(path.join(root, "ops"), path.join(root, "opz"))
      const manifest = path.join(root, "opz/pack.yaml")
      fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace("ref: ops", "ref: opz"))
      for (const dir of ["actions", "actions/workflows", "rules", "profiles", "queues", "sensors", "triggers", "workflows"]) {
        for (const name of fs.readdirSync(path.join(root, "opz", dir))) {
          const file = path.join(root, "opz", dir, name)
          if (fs.statSync(file).isFile() && name.endsWith(".yaml")) fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/\bops\./g, "opz."))
        }
      }
    }).catch((e) => { throw e })
    const cold = await compileOk([root])
    expect(warm.canonicalBody).toBe(cold.canonicalBody)
    expect(Object.keys(warm.bundle.body.packs)).toEqual(["core", "opz"])
  })
})
