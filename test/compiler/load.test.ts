import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { PackCompiler } from "../../src/compiler/index.js"
import { discover, realpathWithin } from "../../src/compiler/load.js"
import { UnitCache } from "../../src/compiler/sources.js"
import { tempDir, validate, writeFiles } from "./helpers.js"

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

describe("a pack.yaml that is a symlink", () => {
  const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"

  const packWithManifestLink = (target: (root: string) => string) => {
    const root = fs.realpathSync.native(tempDir("packsmith-manifest-link-"))
    writeFiles(root, {
      "elsewhere/passwd": PASSWD,
      "p/triggers/t.yaml": "ref: p.t\nparameters: {x: {type: strng}}\n",
      "elsewhere/pack.yaml": 'ref: p\nversion: "1.0.0"\n',
    })
    if (target(root) === "meta/pack.yaml") writeFiles(root, { "p/meta/pack.yaml": 'ref: p\nversion: "1.0.0"\n' })
    fs.symlinkSync(target(root), path.join(root, "p/pack.yaml"))
    return root
  }

  it("is refused with PS4002 when it leads outside the pack, and nothing of the file it names is printed", async () => {
    const root = packWithManifestLink((root) => path.join(root, "elsewhere/passwd"))
    const report = await validate([path.join(root, "p")])
    expect(report.diagnostics.map((d) => [path.relative(root, d.file), d.code])).toEqual([
      // The pack's other files are still compiled (with the directory's name as the pack's ref).
      ["p/pack.yaml", "PS4002"],
      ["p/triggers/t.yaml", "PS2006"],
    ])
    const printed = JSON.stringify(report.diagnostics)
    for (const fragment of ["root:x", "/bin/bash", "daemon", "nologin"]) expect(printed).not.toContain(fragment)
  })

  it("is refused when it leads to /etc/passwd itself", async () => {
    const root = packWithManifestLink(() => "/etc/passwd")
    const report = await validate([path.join(root, "p")])
    expect(report.diagnostics.find((d) => d.code === "PS4002")).toMatchObject({ file: path.join(root, "p/pack.yaml"), line: 1, column: 1 })
    expect(JSON.stringify(report.diagnostics)).not.toContain("root:")
  })

  it("is read where it leads when that is inside the pack", async () => {
    const root = packWithManifestLink(() => "meta/pack.yaml")
    const report = await validate([path.join(root, "p")])
    expect(report.packs).toEqual(["p"])
    // Only the trigger's own error: the folder the manifest is in is read.
    expect(report.diagnostics.map((d) => d.code)).toEqual(["PS2006"])
  })

  it("is refused when it leads to a pack.yaml of another pack", async () => {
    const root = packWithManifestLink((root) => path.join(root, "elsewhere/pack.yaml"))
    const report = await validate([path.join(root, "p")])
    expect(report.diagnostics.map((d) => d.code)).toEqual(["PS4002", "PS2006"])
  })

  it("is refused on a recompile after a regular pack.yaml was replaced by a link out of the pack", () =>
    Effect.runPromise(Effect.gen(function* () {
      const compiler = yield* PackCompiler
      const root = fs.realpathSync.native(tempDir("packsmith-manifest-swap-"))
      writeFiles(root, { "elsewhere/passwd": PASSWD, "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n' })
      const pack = path.join(root, "p")
      expect((yield* compiler.validate([pack])).diagnostics).toEqual([])
      fs.rmSync(path.join(pack, "pack.yaml"))
      fs.symlinkSync(path.join(root, "elsewhere/passwd"), path.join(pack, "pack.yaml"))
      const again = yield* compiler.validate([pack])
      expect(again.diagnostics.map((d) => d.code)).toEqual(["PS4002"])
      expect(again.packs).toEqual([])
    }).pipe(Effect.provide(PackCompiler.Default))))

  it("is not read through a symlink put in place of a YAML file after discovery listed it", () => {
    const root = fs.realpathSync.native(tempDir("packsmith-yaml-swap-"))
    writeFiles(root, { "elsewhere/passwd": PASSWD, "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n', "p/triggers/t.yaml": "ref: p.t\n" })
    const discovery = discover([path.join(root, "p")], root)
    for (const rel of ["p/pack.yaml", "p/triggers/t.yaml"]) {
      fs.rmSync(path.join(root, rel))
      fs.symlinkSync(path.join(root, "elsewhere/passwd"), path.join(root, rel))
    }
    const sources = new UnitCache().load(discovery, Date.now())
    expect(sources.units).toEqual([])
    expect(sources.findings.map((f) => [f.display, f.finding.code])).toEqual([["p/pack.yaml", "PS1004"], ["p/triggers/t.yaml", "PS1004"]])
    expect(JSON.stringify(sources.findings)).not.toContain("root:")
  })
})
