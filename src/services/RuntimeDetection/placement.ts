/**
 * Which CPUs the probes run on. A detection lasts as long as its slowest probe, usually a version-manager shim:
 * pyenv's runs some twenty short processes one after another. Left to the scheduler, each of them may start on
 * another CPU than the one before it (cold caches), beside the JVM and the other probes started at the same
 * moment. Measured on a 2-core host: the pyenv probe alone took 61 ms, or 57 ms kept on one CPU; with the other
 * families' probes beside it, 78 ms, or 65 ms when it had a CPU to itself and they shared the others.
 *
 * So on Linux, when this process may use two CPUs or more and util-linux `taskset` is installed, the first
 * probe (the slowest expected) is started through `taskset` on the last CPU this process may use, and the
 * probe launcher, whose probes inherit its affinity, on all the others. This process itself is not pinned.
 * What a probe starts inherits the probe's CPUs too; probes are version queries that end within milliseconds.
 * Anywhere else, or when `taskset` refuses, probes run where the scheduler puts them.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { Either } from "effect"

export interface ProbePlacement {
  /** The `taskset` executable. */
  readonly taskset: string
  /** The CPU list (taskset -c syntax) of the first probe: one CPU. */
  readonly first: string
  /** The CPU list of the launcher and every probe it starts: the other CPUs. */
  readonly rest: string
}

/** Where util-linux installs taskset; fixed paths, never the searched PATH. */
const TASKSET_PATHS = ["/usr/bin/taskset", "/bin/taskset"] as const

/**
 * util-linux's taskset: an executable whose real file is named taskset. BusyBox's is a link to busybox, whose
 * `-c` is a build option; it is not used.
 */
const isUtilLinuxTaskset = (path: string): boolean =>
  Either.isRight(Either.try(() => fs.accessSync(path, fs.constants.X_OK)))
  && Either.getOrUndefined(Either.try(() => nodePath.basename(fs.realpathSync(path)))) === "taskset"

/** Larger lists are not a CPU set a host has; parsing stops there rather than allocating without bound. */
const MAX_CPUS = 65536

/** "0-3,8,10-11" -> [0, 1, 2, 3, 8, 10, 11]; undefined when the text is not such a list. */
export const parseCpuList = (text: string): ReadonlyArray<number> | undefined => {
  const cpus = new Set<number>()
  for (const part of text.trim().split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (range === null) return undefined
    const low = Number(range[1])
    const high = range[2] === undefined ? low : Number(range[2])
    if (high < low || high >= MAX_CPUS) return undefined
    for (let cpu = low; cpu <= high; cpu++) cpus.add(cpu)
  }
  return [...cpus].sort((a, b) => a - b)
}

/** [0, 1, 2, 5, 7, 8] -> "0-2,5,7-8". */
export const formatCpuList = (cpus: ReadonlyArray<number>): string => {
  const parts: Array<string> = []
  let index = 0
  while (index < cpus.length) {
    const low = cpus[index]!
    let high = low
    while (index + 1 < cpus.length && cpus[index + 1] === high + 1) high = cpus[++index]!
    parts.push(high === low ? String(low) : `${low}-${high}`)
    index++
  }
  return parts.join(",")
}

/** The CPUs this process may run on, from the `Cpus_allowed_list` line of /proc/self/status. */
export const allowedCpus = (status: string): ReadonlyArray<number> | undefined => {
  const line = /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status)
  return line === null ? undefined : parseCpuList(line[1]!)
}

/** One CPU for the first probe, the rest for the others; undefined when there are fewer than two. */
export const splitCpus = (cpus: ReadonlyArray<number>): Pick<ProbePlacement, "first" | "rest"> | undefined =>
  cpus.length < 2 ? undefined : { first: String(cpus[cpus.length - 1]), rest: formatCpuList(cpus.slice(0, -1)) }

/** The placement for this host now, or undefined when probes should run where the scheduler puts them. */
export const probePlacement = (): ProbePlacement | undefined => {
  if (process.platform !== "linux") return undefined
  const taskset = TASKSET_PATHS.find(isUtilLinuxTaskset)
  if (taskset === undefined) return undefined
  // A few hundred bytes that the kernel writes; a file that cannot be read means no placement, not a failure.
  const status = Either.try(() => fs.readFileSync("/proc/self/status", "utf8"))
  if (Either.isLeft(status)) return undefined
  const cpus = allowedCpus(status.right)
  const split = cpus === undefined ? undefined : splitCpus(cpus)
  return split === undefined ? undefined : { taskset, ...split }
}

/**
 * The command that runs `file args` on the given CPUs. taskset stops reading options at its first operand (the
 * CPU list) and execs the file in its own process, so the probe keeps the pid, process group, argv and exit
 * status it would have had.
 */
export const placed = (
  taskset: string,
  cpus: string,
  file: string,
  args: ReadonlyArray<string>,
): { readonly file: string; readonly args: ReadonlyArray<string> } => ({
  file: taskset,
  args: ["-c", cpus, file, ...args],
})

/**
 * Whether an answer is taskset's own complaint (it could not set the affinity or could not exec the file)
 * rather than the probe's: then the probe is run again without a placement, and reports for itself.
 */
export const isPlacementFailure = (exitCode: number, stderr: string): boolean =>
  exitCode !== 0 && stderr.startsWith("taskset: ")
