import * as fs from "node:fs"
import * as path from "node:path"
import { Worker } from "node:worker_threads"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { canonicalJson } from "../../src/domain/Bundle.js"
import { parseYaml } from "../../src/compiler/parse.js"
import { textOf } from "../../src/compiler/unit.js"
import { discover, readStamped } from "../../src/compiler/load.js"
import { currentHelper, newHelperWorker, speculationWith, yamlListWith, type ReadAhead } from "../../src/compiler/readAhead.js"
import { MINI_CORE, compileOk, tempDir, validate, writeFiles } from "./helpers.js"

/** Runs `body` with the compile's second thread turned off (PACKSMITH_COMPILE_THREADS=1). */
const singleThreaded = async <A>(body: () => Promise<A>): Promise<A> => {
  process.env["PACKSMITH_COMPILE_THREADS"] = "1"
  try {
    return await body()
  } finally {
    delete process.env["PACKSMITH_COMPILE_THREADS"]
  }
}

/** Enough packs that the compiler reads ahead (its threshold is 64 files), each action with a script. */
const manyPacks = (root: string, packs = 12): string => {
  writeFiles(root, MINI_CORE)
  for (let p = 0; p < packs; p++) {
    const pack = `pack${p}`
    const files: Record<string, string> = { [`${pack}/pack.yaml`]: `ref: ${pack}\nversion: "1.0.${p}"\n` }
    for (let a = 0; a < 6; a++) {
      files[`${pack}/actions/a${a}.yaml`] =
        `ref: ${pack}.a${a}\nentry_point: a${a}.sh\nmeta: {zeta: 1, alpha: [${a}]}\nparameters:\n  n: {type: integer, default: ${a}, required: true}\n  s: {type: string, default: "x${a}"}\n`
      files[`${pack}/actions/a${a}.sh`] = `#!/bin/sh\necho ${pack} ${a}\n`
    }
    writeFiles(root, files)
  }
  return root
}

/** What `yaml` makes of one file in both paths, as canonical text (JSON text cannot tell -0 from 0; nor can a bundle). */
const outcomeText = (outcome: ReturnType<typeof parseYaml> | undefined): string =>
  outcome === undefined ? "unread" : outcome.ok ? canonicalJson(outcome.value) : `${outcome.finding.code} ${outcome.finding.message}`

const workers: Array<Worker> = []
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()))
})

describe("reading ahead on a second thread", () => {
  it("compiles a large workspace to the same bundle as one thread does, using the second thread", async () => {
    const root = manyPacks(path.join(tempDir("packsmith-ra-"), "ws"))
    const alone = await singleThreaded(() => compileOk([root]))
    const shared = await compileOk([root])
    expect(currentHelper()).toBeDefined()
    expect(shared.canonicalBody).toBe(alone.canonicalBody)
    expect(shared.bundle.digest).toBe(alone.bundle.digest)
    expect(shared.bundle.blobs).toEqual(alone.bundle.blobs)
    expect(Object.keys(shared.bundle.body.files)).toHaveLength(72 + 1)
    expect(shared.stats).toEqual(alone.stats)
    // A new service while the helper runs: it reads YAML files during discovery too (see the speculation tests).
    const again = await compileOk([root])
    expect(again.canonicalBody).toBe(alone.canonicalBody)
    expect(again.bundle.blobs).toEqual(alone.bundle.blobs)
    expect(again.stats).toEqual(alone.stats)
  })

  it("reports the same diagnostics, at the same places, for files the second thread declines", async () => {
    const root = manyPacks(path.join(tempDir("packsmith-ra-"), "ws"))
    const bad = path.join(root, "pack3/actions")
    writeFiles(bad, {
      "syntax.yaml": "ref: pack3.syntax\nentry_point: [unclosed\n",
      "duplicate.yaml": "ref: pack3.dup\nref: pack3.dup2\nentry_point: a0.sh\n",
      "nan.yaml": "ref: pack3.nan\nentry_point: a0.sh\ntimeout: .nan\n",
      "bomb.yaml": `ref: pack3.bomb\nentry_point: a0.sh\nmeta:\n  a: &a ["${"x".repeat(50)}", "${"x".repeat(50)}"]\n${Array.from({ length: 8 }, (_, i) => `  l${i + 1}: &l${i + 1} [${Array.from({ length: 10 }, () => (i === 0 ? "*a" : `*l${i}`)).join(", ")}]`).join("\n")}\n`,
      "empty.yaml": "# nothing here\n",
      "tricky.yaml": 'ref: pack3.tricky\nentry_point: a0.sh\nmeta: {"__proto__": {polluted: true}, "10": a, "9": b, zero: -0, big: 1.0e+308, line: "\\u2028", lone: "\\ud800"}\n',
    })
    // Scripts the second thread reads too: symlinks are resolved and judged by the compiler.
    const scripts = path.join(root, "pack4/actions")
    writeFiles(scripts, { "out.yaml": "ref: pack4.out\nentry_point: out.sh\n", "in.yaml": "ref: pack4.in\nentry_point: in.sh\n" })
    fs.writeFileSync(path.join(root, "..", "outside.sh"), "#!/bin/sh\n")
    fs.symlinkSync(path.join(root, "..", "outside.sh"), path.join(scripts, "out.sh"))
    fs.symlinkSync("a0.sh", path.join(scripts, "in.sh"))
    fs.writeFileSync(path.join(bad, "latin1.yaml"), Buffer.from("ref: pack3.latin\ndescription: caf\xe9\nentry_point: a0.sh\n", "latin1"))
    // A task that does not decode beside one that names no action; a folder no kind reads.
    writeFiles(root, { "pack5/workflows/w.yaml": "ref: pack5.w\ntasks:\n  - {name: a, actoin: a0}\n  - {name: b, action: nowhere}\n" })
    fs.mkdirSync(path.join(root, "pack5/aliases"))
    fs.writeFileSync(path.join(bad, "huge.yaml"), `ref: pack3.huge\ndescription: "${"y".repeat(1024 * 1024)}"\n`)
    const alone = await singleThreaded(() => validate([root]))
    const shared = await validate([root])
    expect(shared.diagnostics.map((d) => ({ ...d }))).toEqual(alone.diagnostics.map((d) => ({ ...d })))
    const codes = new Set(shared.diagnostics.map((d) => d.code))
    for (const code of ["PS1002", "PS1003", "PS1006", "PS1008", "PS1010", "PS4002", "PS2002", "PS3003", "PS1012"]) expect(codes).toContain(code)
    expect(shared.diagnostics.filter((d) => d.code === "PS4002").map((d) => d.file)).toEqual([expect.stringMatching(/pack4\/actions\/out\.yaml$/)])
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("gives every file the same parse outcome whichever thread parsed it", async () => {
    const dir = tempDir("packsmith-ra-")
    const texts = [
      "a: 1\n", "a: [1, 2, {b: c}]\n", 'k: {"__proto__": 1, "10": a, "9": b}\n', "z: -0\nbig: 1.0e+308\n",
      "s: \"\\u2028 \\ud800 \\t\"\n", "a: b\na: c\n", "x: .inf\n", "[unclosed\n", "", "just a scalar\n",
      // Past each bound the compiler applies: a long scalar, deep nesting, many nodes through aliases.
      `s: "${"x".repeat(300_000)}"\n`, `${"[".repeat(70)}1${"]".repeat(70)}\n`,
      `a: &a [${Array.from({ length: 400 }, () => "1").join(", ")}]\nb: [${Array.from({ length: 400 }, () => "*a").join(", ")}]\n`,
    ]
    const files = texts.map((text, i) => {
      const file = path.join(dir, `f${i}.yaml`)
      fs.writeFileSync(file, text)
      return file
    })
    const worker = helperLike()
    const list = yamlListWith(worker, files, Date.now(), 5_000)
    // Give the helper time to claim and answer from the front; the rest are read here.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const got = files.map((_, i) => list.take(i))
    list.close()
    for (let i = 0; i < texts.length; i++) {
      const { read, parsed } = got[i]!
      expect(read.ok).toBe(true)
      // No outcome: the helper left the parsing to the compiler, which parses the bytes itself.
      const effective = parsed ?? (read.ok ? parseYaml(textOf(read.bytes)) : undefined)
      expect(outcomeText(effective)).toBe(outcomeText(parseYaml(texts[i]!)))
    }
  })

  it("reads a file here when the helper claimed it and never answers", () => {
    const dir = tempDir("packsmith-ra-")
    const files = ["a: 1\n", "b: 2\n", "c: 3\n"].map((text, i) => {
      const file = path.join(dir, `f${i}.yaml`)
      fs.writeFileSync(file, text)
      return file
    })
    // Claims the first file, says so, then hangs.
    const claimed = new Int32Array(new SharedArrayBuffer(4))
    const stuck = new Worker(`
      const { parentPort, workerData } = require("node:worker_threads")
      parentPort.on("message", ({ control }) => {
        Atomics.add(new BigInt64Array(control, 0, 1), 0, 1n)
        Atomics.store(workerData, 0, 1)
        Atomics.notify(workerData, 0)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
      })`, { eval: true, workerData: claimed })
    workers.push(stuck)
    const list = yamlListWith(stuck, files, Date.now(), 200)
    expect(Atomics.wait(claimed, 0, 0, 10_000)).not.toBe("timed-out")
    const first = list.take(0)
    expect(list.helperStalled).toBe(true)
    expect(first.parsed).toEqual({ ok: true, value: { a: 1 } })
    expect(list.take(1).parsed).toEqual({ ok: true, value: { b: 2 } })
    expect(list.take(2).parsed).toEqual({ ok: true, value: { c: 3 } })
    list.close()
  })

  it("reads everything here when the helper is gone", async () => {
    const dir = tempDir("packsmith-ra-")
    const files = ["a: 1\n", "b: [x]\n"].map((text, i) => {
      const file = path.join(dir, `f${i}.yaml`)
      fs.writeFileSync(file, text)
      return file
    })
    const gone = helperLike()
    await gone.terminate()
    const list = yamlListWith(gone, files, Date.now(), 200)
    expect(list.take(0).parsed).toEqual({ ok: true, value: { a: 1 } })
    expect(list.take(1).parsed).toEqual({ ok: true, value: { b: ["x"] } })
    expect(list.helperStalled).toBe(false)
    list.close()
  })
})

describe("reading YAML files while discovery runs (speculation)", () => {
  /** The YAML files as the compiler's discovery lists them for reading: each pack's manifest, then its files. */
  const listed = (root: string): Array<string> =>
    discover([root], root).packs.flatMap((pack) => [...(pack.manifest === undefined ? [] : [pack.manifest.readAt]), ...pack.files.map((file) => file.readAt)])

  const waitFor = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(done()).toBe(true)
  }

  const valueOf = (ahead: ReadAhead): unknown => {
    const parsed = ahead.parsed ?? (ahead.read.ok ? parseYaml(textOf(ahead.read.bytes)) : undefined)
    return parsed?.ok === true ? parsed.value : parsed
  }

  it("answers the listed files it read, by path, and leaves the rest to the job", async () => {
    const root = manyPacks(path.join(tempDir("packsmith-spec-"), "ws"), 4)
    // A symlinked YAML file (which the speculation does not follow) and a pack that is a symlink (ditto).
    writeFiles(root, { "pack1/extra/target.yaml": "ref: pack1.linked\nentry_point: a0.sh\n" })
    fs.symlinkSync("../extra/target.yaml", path.join(root, "pack1/actions/linked.yaml"))
    const elsewhere = path.join(root, "..", "elsewhere")
    writeFiles(elsewhere, { "pack.yaml": "ref: elsewhere\nversion: \"1.0.0\"\n", "triggers/t.yaml": "ref: elsewhere.t\n" })
    fs.symlinkSync(elsewhere, path.join(root, "zlinked"))
    const worker = helperLike()
    const speculation = speculationWith(worker, [root])
    await waitFor(() => speculation.walked)

    // Every file changes after the speculation read it, and one more file appears.
    const files = listed(root)
    for (const file of new Set(files.map((f) => fs.realpathSync(f)))) fs.writeFileSync(file, "changed: true\n")
    writeFiles(root, { "pack3/actions/late.yaml": "late: true\n" })
    const now = listed(root)
    expect(now).toHaveLength(files.length + 1)

    const list = yamlListWith(worker, now, Date.now(), 5_000, speculation)
    const got = now.map((_, i) => valueOf(list.take(i)))
    list.close()
    now.forEach((file, i) => {
      // The symlinked file is read at its target, which the speculation never visits.
      const plain = !file.includes(`${path.sep}zlinked${path.sep}`) && !file.endsWith("target.yaml") && !file.endsWith("late.yaml")
      // What the speculation read (before the change) for plain files; a fresh read for the rest.
      if (plain) expect(got[i], file).toHaveProperty("ref")
      else expect(got[i], file).toEqual(file.endsWith("late.yaml") ? { late: true } : { changed: true })
    })
    expect(now.filter((file) => file.includes(`${path.sep}zlinked${path.sep}`))).toHaveLength(2)
  })

  it("stopped at once, leaves every file to the job with the same outcome", async () => {
    const root = manyPacks(path.join(tempDir("packsmith-spec-"), "ws"))
    const files = listed(root)
    const worker = helperLike()
    const speculation = speculationWith(worker, [root])
    const list = yamlListWith(worker, files, Date.now(), 5_000, speculation)
    expect(speculation.walked).toBe(true)
    const got = files.map((_, i) => valueOf(list.take(i)))
    list.close()
    expect(got).toEqual(files.map((file) => valueOf({ read: readStamped(file, 1 << 20, Date.now()), parsed: undefined })))
  })

  it("gives up on a helper that does not end its walk, and reads every file here", () => {
    const root = manyPacks(path.join(tempDir("packsmith-spec-"), "ws"), 1)
    const files = listed(root)
    // Takes messages and never answers.
    const deaf = new Worker(`require("node:worker_threads").parentPort.on("message", () => {})`, { eval: true })
    workers.push(deaf)
    const speculation = speculationWith(deaf, [root])
    const list = yamlListWith(deaf, files, Date.now(), 200, speculation)
    expect(list.helperStalled).toBe(true)
    expect(valueOf(list.take(0))).toEqual({ ref: "core", version: "1.0.0" })
    list.close()
  })
})

/** A helper thread like the compiler's, stopped after the test. */
function helperLike(): Worker {
  const worker = newHelperWorker()
  workers.push(worker)
  return worker
}
