import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as fc from "fast-check"
import { currentCaller } from "../../src/services/RuntimeDetection/locate.js"
import {
  allowedCpus,
  formatCpuList,
  isPlacementFailure,
  parseCpuList,
  type ProbePlacement,
  probePlacement,
  splitCpus,
} from "../../src/services/RuntimeDetection/placement.js"
import { makeRun } from "../../src/services/RuntimeDetection/run.js"
import { fakeHost } from "./stubs.js"

/** A probe that prints the CPUs it may run on, as the kernel reports them for its own process. */
const showCpus = (label: string) => [
  "-c",
  `while IFS= read -r line; do case $line in Cpus_allowed_list*) echo "${label} \${line#*:}";; esac; done < /proc/self/status`,
]

const cpusOf = (stdout: string): string => stdout.trim().split(/\s+/).slice(1).join("")

const runWith = (placement: (() => ProbePlacement | undefined) | undefined) =>
  Effect.acquireRelease(
    Effect.flatMap(currentCaller, (caller) =>
      makeRun({
        caller,
        directories: [],
        timeout: Duration.seconds(5),
        cached: new Map(),
        ...(placement === undefined ? {} : { placement }),
      })),
    (run) => run.release,
  )

const hostPlacement = probePlacement()
const thisProcessCpus = (): string => {
  const cpus = allowedCpus(fs.readFileSync("/proc/self/status", "utf8"))
  return cpus === undefined ? "" : formatCpuList(cpus)
}

describe("CPU lists", () => {
  it("reads the kernel's list syntax and refuses anything else", () => {
    expect(parseCpuList("0-3,8,10-11")).toEqual([0, 1, 2, 3, 8, 10, 11])
    expect(parseCpuList("5\n")).toEqual([5])
    expect(parseCpuList("3-1")).toBeUndefined()
    expect(parseCpuList("0-")).toBeUndefined()
    expect(parseCpuList("")).toBeUndefined()
    expect(parseCpuList("0-99999999")).toBeUndefined()
    expect(allowedCpus("Name:\tnode\nCpus_allowed:\tf\nCpus_allowed_list:\t0-2,4\nMems_allowed:\t1\n")).toEqual([0, 1, 2, 4])
    expect(allowedCpus("Name:\tnode\n")).toBeUndefined()
  })

  it("writes a list back as ranges that read as the same CPUs", () => {
    expect(formatCpuList([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8")
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1 }), (cpus) => {
      const sorted = [...cpus].sort((a, b) => a - b)
      expect(parseCpuList(formatCpuList(sorted))).toEqual(sorted)
    }))
  })

  it("gives the first probe the last CPU and the others the rest, and places nothing with one CPU", () => {
    expect(splitCpus([0, 1])).toEqual({ first: "1", rest: "0" })
    expect(splitCpus([2, 3, 4, 6])).toEqual({ first: "6", rest: "2-4" })
    expect(splitCpus([0])).toBeUndefined()
  })

  it("tells taskset's own complaint from a probe's failure", () => {
    expect(isPlacementFailure(1, "taskset: failed to set pid 8043's affinity: Invalid argument\n")).toBe(true)
    expect(isPlacementFailure(127, "taskset: failed to execute /x: No such file or directory\n")).toBe(true)
    expect(isPlacementFailure(0, "taskset: anything\n")).toBe(false)
    expect(isPlacementFailure(2, "python3: can't open file\n")).toBe(false)
  })
})

describe("where probes run", () => {
  it.scoped.runIf(hostPlacement !== undefined)("the first probe on one CPU of its own, the later ones on all the others", () =>
    Effect.gen(function* () {
      const placement = hostPlacement!
      const run = yield* runWith(undefined)

      const first = yield* run.probe("/bin/sh", showCpus("first"))
      const later = yield* run.probe("/bin/sh", showCpus("later"))
      const unplaced = yield* runWith(() => undefined)
      const alone = yield* unplaced.probe("/bin/sh", showCpus("first"))
      const besideIt = yield* unplaced.probe("/bin/sh", showCpus("later"))

      expect(first).toMatchObject({ _tag: "Exited", exitCode: 0 })
      expect(cpusOf((first as { stdout: string }).stdout)).toBe(placement.first)
      expect(cpusOf((later as { stdout: string }).stdout)).toBe(placement.rest)
      expect(cpusOf((alone as { stdout: string }).stdout)).toBe(thisProcessCpus())
      expect(cpusOf((besideIt as { stdout: string }).stdout)).toBe(thisProcessCpus())
    }))

  it.scoped("runs every probe without a placement when taskset refuses, each once, with its own answer", () =>
    Effect.gen(function* () {
      const host = fakeHost()
      const refusing = host.stub("bin/taskset", `echo "taskset: failed to set pid $$'s affinity: Invalid argument" >&2; exit 1`)
      const run = yield* runWith(() => ({ taskset: refusing, first: "0", rest: "0" }))

      const first = yield* run.probe("/bin/sh", ["-c", "echo first; echo said >&2"])
      const later = yield* run.probe("/bin/sh", ["-c", "echo later"])
      const missing = yield* run.probe("/nonexistent/python3", ["--version"])

      expect(first).toMatchObject({ _tag: "Exited", exitCode: 0, stdout: "first\n", stderr: "said\n" })
      expect(later).toMatchObject({ _tag: "Exited", exitCode: 0, stdout: "later\n" })
      // What a direct spawn of a missing file says, not what taskset said about it.
      expect(missing._tag).toBe("Failed")
      // Once for the first probe and once for the launcher, which exited at once and handed its probes over.
      expect(host.spawns().filter((s) => s.startsWith("bin/taskset"))).toHaveLength(2)
    }))

  it.scoped("reports a probe's own failure as it is, without running it again", () =>
    Effect.gen(function* () {
      const host = fakeHost()
      const counter = path.join(host.root, "runs")
      // A taskset that only passes the command on: `taskset -c LIST file args...`.
      const passing = host.stub("bin/taskset", `shift 2; exec "$@"`)
      const run = yield* runWith(() => ({ taskset: passing, first: "0", rest: "0" }))

      const failed = yield* run.probe("/bin/sh", ["-c", `echo x >> '${counter}'; echo 'no such option' >&2; exit 3`])

      expect(failed).toMatchObject({ _tag: "Exited", exitCode: 3, stderr: "no such option\n" })
      expect(fs.readFileSync(counter, "utf8")).toBe("x\n")
    }))

  it.scoped.runIf(hostPlacement !== undefined)("still answers when the real taskset is given a CPU this host does not have", () =>
    Effect.gen(function* () {
      const run = yield* runWith(() => ({ taskset: hostPlacement!.taskset, first: "4095", rest: "4094" }))

      const first = yield* run.probe("/bin/sh", showCpus("first"))
      const later = yield* run.probe("/bin/sh", showCpus("later"))

      expect(cpusOf((first as { stdout: string }).stdout)).toBe(thisProcessCpus())
      expect(cpusOf((later as { stdout: string }).stdout)).toBe(thisProcessCpus())
    }))
})
