import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { realpathWithin } from "../../src/compiler/load.js"
import { tempDir } from "./helpers.js"

const realpathOrUndefined = (abs: string): string | undefined => {
  try {
    return fs.realpathSync.native(abs)
  } catch {
    return undefined
  }
}

describe("realpathWithin", () => {
  it("resolves every path below a real directory as realpath does", () => {
    const outside = fs.realpathSync.native(tempDir("packsmith-outside-"))
    fs.writeFileSync(path.join(outside, "secret.sh"), "x")
    const root = fs.realpathSync.native(tempDir("packsmith-realpath-"))
    const pack = path.join(root, "pack")
    fs.mkdirSync(path.join(pack, "actions/lib"), { recursive: true })
    fs.writeFileSync(path.join(pack, "actions/run.sh"), "x")
    fs.writeFileSync(path.join(pack, "actions/lib/helper.sh"), "x")
    fs.symlinkSync("run.sh", path.join(pack, "actions/alias.sh"))
    fs.symlinkSync(path.join(outside, "secret.sh"), path.join(pack, "actions/escape.sh"))
    fs.symlinkSync(outside, path.join(pack, "actions/elsewhere"))
    fs.symlinkSync("lib", path.join(pack, "actions/linked"))
    fs.symlinkSync("missing.sh", path.join(pack, "actions/dangling.sh"))
    fs.symlinkSync("loop.sh", path.join(pack, "actions/loop.sh"))
    const candidates = [
      "actions/run.sh", "actions/lib/helper.sh", "actions/alias.sh", "actions/escape.sh", "actions/elsewhere/secret.sh",
      "actions/linked/helper.sh", "actions/dangling.sh", "actions/loop.sh", "actions/missing.sh", "actions/run.sh/inside",
      "actions/lib", "actions", "nothing/here.sh",
    ]
    for (const rel of candidates) {
      const abs = path.join(pack, rel)
      expect([rel, realpathWithin(abs, pack)]).toEqual([rel, realpathOrUndefined(abs)])
    }
    // A path that is not below the directory is resolved in full.
    expect(realpathWithin(path.join(outside, "secret.sh"), pack)).toBe(path.join(outside, "secret.sh"))
  })
})
