import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { parseAcrossCores, PARALLEL_MIN_FILES, type ParsedFile } from "../../src/compiler/parallelParse.js"
import { parseYaml } from "../../src/compiler/parse.js"
import { textOf } from "../../src/compiler/unit.js"
import { compileOk, tempDir, writeFiles } from "./helpers.js"

/** Documents a worker must hand back exactly as this thread would parse them, or leave to this thread. */
const TRICKY: ReadonlyArray<string> = [
  "a: -0\nb: 0x10\nc: 1e400\n",
  "big: 12345678901234567890\nsmall: 1.0e-320\n",
  'lone: "\\ud800"\nemoji: "\\U0001F600"\n',
  "__proto__: {polluted: true}\nok: 1\n",
  "base: &b {x: 1}\nuse: *b\nlist: [*b, *b]\n",
  "n: .nan\n",
  "- just\n- a list\n",
  "plain scalar\n",
  "",
  "a: 1\n---\nb: 2\n",
  "\uFEFFbom: true\n",
  "bad: [1, 2\n",
  "k: \u00e9t\u00e9\nmulti: |\n  line one\n  line two\n",
]

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

describe("parsing across cores", () => {
  it("hands back the same text and value this thread would parse, and leaves every other file to it", () => {
    const root = tempDir("packsmith-parallel-")
    const paths: Array<string> = []
    const count = Math.max(PARALLEL_MIN_FILES, 200)
    for (let i = 0; i < count; i++) {
      const file = path.join(root, `f${i}.yaml`)
      fs.writeFileSync(file, i < TRICKY.length ? TRICKY[i]! : `ref: p.a${i}\nlist: [${i}, "${i}"]\nnested: {deep: {deeper: [${i}]}}\n`)
      paths.push(file)
    }
    fs.writeFileSync(paths[count - 1]!, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]))
    const own = new Set<number>()
    const parsed = new Map<number, ParsedFile>()
    parseAcrossCores(paths, Date.now(), (i) => {
      // Slow here, so that a worker takes part even while it is still starting.
      if (own.size < 100) sleep(20)
      own.add(i)
    }, (i, file) => parsed.set(i, file))

    expect(own.size + parsed.size).toBe(count)
    for (const i of own) expect(parsed.has(i)).toBe(false)
    expect(parsed.size).toBeGreaterThan(0)
    for (const [i, file] of parsed) {
      const bytes = fs.readFileSync(paths[i]!)
      expect(file.text).toBe(textOf(bytes))
      const here = parseYaml(file.text)
      expect(here.ok).toBe(true)
      if (here.ok) expect(file.value).toEqual(here.value)
      expect(file.stamp.size).toBe(bytes.length)
    }
    // Whatever is not a plain mapping (or not UTF-8) is never handed back by a worker.
    expect(parsed.has(count - 1)).toBe(false)
  })

  it("compiles a workspace large enough to be parsed across cores to the same bundle every time", async () => {
    const root = tempDir("packsmith-parallel-ws-")
    const files: Record<string, string> = {
      "core/pack.yaml": 'ref: core\nversion: "1.0.0"\n',
      "core/runtimes/shell.yaml": "ref: core.shell\nname: Shell\naliases: [shell, bash, sh]\n",
      "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core]\n',
    }
    for (let i = 0; i < PARALLEL_MIN_FILES + 40; i++) {
      files[`p/actions/a${i}.yaml`] = `ref: p.a${i}\nentry_point: 'echo ${i}'\nparameters:\n  n: {type: integer, default: ${i}}\nmeta: {__proto__: {x: ${i}}, k: -0}\n`
    }
    writeFiles(root, files)
    const first = await compileOk([root])
    const second = await compileOk([root])
    expect(second.canonicalBody).toBe(first.canonicalBody)
    expect(first.bundle.body.packs["p"]!.actions["p.a7"]!.meta).toEqual(JSON.parse('{"__proto__": {"x": 7}, "k": 0}'))
  })
})
