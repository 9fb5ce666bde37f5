import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { BundleEnvelope } from "../../src/domain/Bundle.js"
import { ComponentSource, locatePackDirs, materializeBundle } from "../../src/services/ComponentSource.js"
import { CORE_PACK, MON_PACK, REPO_ROOT } from "../packs/support.js"
import { action, bundleOf, profile, runtime, SHELL, tempDir, writeFiles } from "./support.js"

describe("ComponentSource.fromBundle", () => {
  const bundle = bundleOf({ actions: [action("t.run"), action("u.other", { runtime: "u.rt" })], runtimes: [SHELL, runtime("u.rt")], profiles: [profile("t.p")] })

  it.effect("looks components up by ref and lists them in ref order", () =>
    Effect.gen(function* () {
      const source = ComponentSource.make(bundle, { packsRoot: "/srv/packs" })
      expect(Option.map(yield* source.getAction("t.run"), (a) => a.ref)).toEqual(Option.some("t.run"))
      expect(yield* source.getAction("t.nope")).toEqual(Option.none())
      expect((yield* source.listRuntimes()).map((r) => r.ref)).toEqual(["t.shell", "u.rt"])
      expect(yield* source.listActionRefs()).toEqual(["t.run", "u.other"])
      expect(Option.isSome(yield* source.getProfile("t.p"))).toBe(true)
      expect(yield* source.packDir("u")).toEqual(Option.some("/srv/packs/u"))
      expect(yield* source.packDir("absent")).toEqual(Option.none())
    }))

  it.effect("an exact directory per pack wins over the packs root", () =>
    Effect.gen(function* () {
      const source = ComponentSource.make(bundle, { packsRoot: "/srv/packs", packDirs: { t: "/work/t-pack" } })
      expect(yield* source.packDir("t")).toEqual(Option.some("/work/t-pack"))
      expect(yield* source.packDir("u")).toEqual(Option.some("/srv/packs/u"))
    }))
})

describe("locatePackDirs", () => {
  it.effect("finds packs the way the compiler does and keys them by the ref their manifest declares", () =>
    Effect.gen(function* () {
      const root = tempDir()
      writeFiles(root, { "pack-dir-named-otherwise/pack.yaml": "ref: renamed\nversion: 1.0.0\n", "not-a-pack/readme.txt": "x" })
      const found = yield* locatePackDirs([path.join(REPO_ROOT, "packs"), MON_PACK, root])
      expect(found).toEqual({ core: CORE_PACK, mon: MON_PACK, renamed: path.join(root, "pack-dir-named-otherwise") })
    }))
})

describe("materializeBundle", () => {
  it.effect("writes every file with its mode and refuses a file table entry that leaves the directory", () =>
    Effect.gen(function* () {
      const bytes = Buffer.from("#!/bin/sh\necho hi\n")
      const sha = "a".repeat(64)
      const good = {
        ...bundleOf({ actions: [action("t.run")] }),
        body: { format: "packsmith.bundle/v1", packs: { t: {} }, files: { "t/actions/run.sh": { sha256: sha, size: bytes.length, mode: 0o755 } } },
        blobs: { [sha]: bytes.toString("base64") },
      } as unknown as BundleEnvelope
      const root = tempDir()
      const written = yield* materializeBundle(good, root)
      expect(fs.readFileSync(path.join(written, "t/actions/run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n")
      expect(fs.statSync(path.join(written, "t/actions/run.sh")).mode & 0o777).toBe(0o755)
      for (const [key, reason] of [["t/../../escape.sh", "leaves its directory (..)"], ["/tmp/escape.sh", "is an absolute path"], ["other/run.sh", "is outside every pack of the bundle"]] as const) {
        // The bad entry comes last: nothing is written before every key is checked.
        const evil = { ...good, body: { ...good.body, files: { ...good.body.files, [key]: good.body.files["t/actions/run.sh"]! } } } as BundleEnvelope
        const target = tempDir()
        const error = yield* Effect.flip(materializeBundle(evil, target))
        expect(error).toMatchObject({ _tag: "ComponentSourceUnavailable" })
        expect(error.message).toContain(`file table entry ${JSON.stringify(key)} ${reason}`)
        expect(fs.readdirSync(target)).toEqual([])
      }
    }))
})
