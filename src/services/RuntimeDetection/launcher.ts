/**
 * Probes started by a small shell instead of by this process. Node starts a child with fork(), which copies
 * this process's page tables: about 1 ms per 50 MB of resident memory, on the main thread, while the slowest
 * probe runs beside it on a host with few cores. A detection inside a worker that holds a database or a
 * large heap paid that for every probe. The launcher is one `/bin/sh` started once per detection (one fork of
 * this process); each probe after that is a fork of the shell, a process of a few hundred kilobytes.
 *
 * Protocol, all on pipes the launcher owns. This process writes a request per probe to the launcher's stdin:
 * its id, the number of words, then the file and each argument, one per line (a word holding a newline is
 * never sent: such a probe is spawned directly). The launcher reads the words into "$@" without `eval`, so no
 * word is ever parsed as shell code. For each request it starts a subshell that runs the probe with stdin
 * from /dev/null, stdout and stderr into two files of a private temporary directory (each capped by
 * `ulimit -f`), and writes `s <id> <pid>` when it started and `x <id> <status>` when it ended.
 *
 * What differs from a direct spawn, and why it does not matter to a version probe:
 * - A probe killed by a signal reports the shell's status for it, 128 + the signal number, as its exit code.
 * - A probe's own children share the launcher's process group rather than a group of their own. A probe
 *   that times out is killed at once; what it started is killed with the launcher's whole group when the
 *   detection ends.
 * - A probe that writes more than OUTPUT_CAP_BLOCKS x 512 bytes to a stream is stopped by SIGXFSZ.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { Duration, Either } from "effect"
import { MAX_OUTPUT_CHARS, ProbeOutcome } from "./probe.js"

/** Each output stream's file is capped at this many 512-byte blocks (1 MiB): banners are a few hundred bytes. */
const OUTPUT_CAP_BLOCKS = 2048

/**
 * The launcher's script. $1 is the output directory. Requests are read word by word into "$@"; `set --`
 * resets the list for each. The subshell is the one that waits for the probe, so the read loop never blocks
 * on a probe.
 */
const LAUNCHER_SCRIPT = `D=$1
while IFS= read -r id && IFS= read -r n; do
  set --
  while [ "$n" -gt 0 ]; do
    IFS= read -r word || exit 0
    set -- "$@" "$word"
    n=$((n - 1))
  done
  (
    ulimit -f ${OUTPUT_CAP_BLOCKS}
    "$@" </dev/null >"$D/$id.out" 2>"$D/$id.err" &
    echo "s $id $!"
    wait $!
    echo "x $id $?"
  ) &
done
`

interface Pending {
  readonly file: string
  readonly args: ReadonlyArray<string>
  readonly settle: (outcome: ProbeOutcome) => void
  pid: number | undefined
  timedOut: boolean
  readonly timer: ReturnType<typeof setTimeout>
}

/** The first MAX_OUTPUT_CHARS characters of a probe's output file, or why it could not be read. */
const readOutput = (file: string): Either.Either<string, string> =>
  Either.try({
    try: () => {
      const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0))
      try {
        // UTF-8 takes at most 4 bytes per character: this many bytes hold the characters kept.
        const buffer = Buffer.alloc(4 * MAX_OUTPUT_CHARS)
        const length = fs.readSync(fd, buffer, 0, buffer.length, 0)
        return buffer.subarray(0, length).toString("utf8").slice(0, MAX_OUTPUT_CHARS)
      } finally {
        fs.closeSync(fd)
      }
    },
    catch: (error) => `its output could not be read (${error instanceof Error ? error.message : String(error)})`,
  })

export class ProbeLauncher {
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private buffered = ""
  private broken = false

  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    /** Where a request goes when the launcher cannot take it (it failed to start, or died). */
    private readonly direct: (file: string, args: ReadonlyArray<string>, settle: (outcome: ProbeOutcome) => void) => void,
  ) {
    child.stdout?.setEncoding("utf8").on("data", (text: string) => this.receive(text))
    // "exit", not "close": the subshells of running probes hold its stdout open after it is gone.
    child.once("error", () => this.fail())
    child.once("exit", () => this.fail())
    // A write to a launcher that just died fails with EPIPE; `close` hands its requests over.
    child.stdin?.on("error", () => this.fail())
  }

  /**
   * A launcher, or undefined when none can run here (no /bin/sh, no temporary directory): probes are then
   * spawned directly, as they always can be.
   */
  static start(
    env: NodeJS.ProcessEnv,
    direct: (file: string, args: ReadonlyArray<string>, settle: (outcome: ProbeOutcome) => void) => void,
    /**
     * The CPUs it and its probes run on (placement.ts). A taskset that refuses makes the launcher exit at once,
     * and its probes are then spawned directly, like those of any launcher that died.
     */
    placement?: { readonly taskset: string; readonly cpus: string },
  ): ProbeLauncher | undefined {
    if (process.platform === "win32" || !fs.existsSync("/bin/sh")) return undefined
    const directory = Either.try(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "packsmith-probe-")))
    if (Either.isLeft(directory)) return undefined
    const script = ["-c", LAUNCHER_SCRIPT, "packsmith-probe-launcher", directory.right]
    const [file, args] = placement === undefined
      ? ["/bin/sh", script]
      : [placement.taskset, ["-c", placement.cpus, "/bin/sh", ...script]]
    const child = Either.try(() =>
      spawn(file, args, {
        stdio: ["pipe", "pipe", "ignore"],
        // Its own process group: ending the detection kills every probe and whatever they started.
        detached: true,
        env,
      }))
    if (Either.isLeft(child)) {
      removeDirectory(directory.right)
      return undefined
    }
    return new ProbeLauncher(child.right, directory.right, direct)
  }

  /** Runs one probe; `settle` is called once with its outcome. */
  run(file: string, args: ReadonlyArray<string>, timeout: Duration.Duration, settle: (outcome: ProbeOutcome) => void): void {
    const words = [file, ...args]
    if (this.broken || words.some((word) => word.includes("\n"))) return this.direct(file, args, settle)
    const id = this.nextId++
    const entry: Pending = {
      file,
      args,
      settle,
      pid: undefined,
      timedOut: false,
      timer: setTimeout(() => {
        entry.timedOut = true
        if (entry.pid !== undefined) killProcess(entry.pid)
        this.finish(id, ProbeOutcome.TimedOut({ after: timeout }))
      }, Duration.toMillis(timeout)),
    }
    this.pending.set(id, entry)
    this.child.stdin?.write(`${id}\n${words.length}\n${words.join("\n")}\n`)
  }

  /** Stops the launcher and every process it started, and removes its files. */
  close(): void {
    this.broken = true
    for (const entry of this.pending.values()) clearTimeout(entry.timer)
    this.pending.clear()
    this.child.stdin?.end()
    if (this.child.pid !== undefined) {
      const group = this.child.pid
      // Even when the launcher itself has died: what it started is still in its group. ESRCH: the group is
      // gone already, which is what was wanted.
      Either.try(() => process.kill(-group, "SIGKILL"))
    }
    removeDirectory(this.directory)
  }

  private receive(text: string): void {
    this.buffered += text
    let newline = this.buffered.indexOf("\n")
    while (newline !== -1) {
      const [kind, id, value] = this.buffered.slice(0, newline).split(" ")
      this.buffered = this.buffered.slice(newline + 1)
      newline = this.buffered.indexOf("\n")
      const entry = this.pending.get(Number(id))
      if (entry === undefined) continue
      if (kind === "s") {
        entry.pid = Number(value)
        // Timed out before the launcher said which process it is.
        if (entry.timedOut) killProcess(entry.pid)
      } else if (kind === "x") {
        const base = nodePath.join(this.directory, String(id))
        const output = Either.all([readOutput(`${base}.out`), readOutput(`${base}.err`)])
        // A file that cannot be removed here goes with the directory when the detection ends.
        for (const file of [`${base}.out`, `${base}.err`]) Either.try(() => fs.rmSync(file, { force: true }))
        this.finish(Number(id), Either.match(output, {
          onLeft: (reason) => ProbeOutcome.Failed({ reason }),
          onRight: ([stdout, stderr]) => ProbeOutcome.Exited({ exitCode: Number(value), stdout, stderr }),
        }))
      }
    }
  }

  private finish(id: number, outcome: ProbeOutcome): void {
    const entry = this.pending.get(id)
    if (entry === undefined) return
    this.pending.delete(id)
    clearTimeout(entry.timer)
    entry.settle(outcome)
  }

  /** The launcher is gone: what it had not answered is spawned directly, and so is everything after. */
  private fail(): void {
    if (this.broken) return
    this.broken = true
    const unanswered = [...this.pending.values()]
    this.pending.clear()
    for (const entry of unanswered) {
      clearTimeout(entry.timer)
      if (entry.pid !== undefined) killProcess(entry.pid)
      this.direct(entry.file, entry.args, entry.settle)
    }
  }
}

/**
 * Removes the launcher's directory. It is this process's own, mode 0700: failing to remove it leaves only an
 * empty directory behind, so that is a warning with the path, never a failed detection.
 */
const removeDirectory = (directory: string): void => {
  const removed = Either.try(() => fs.rmSync(directory, { recursive: true, force: true }))
  if (Either.isLeft(removed)) {
    const why = removed.left instanceof Error ? removed.left.message : String(removed.left)
    process.emitWarning(`packsmith: cannot remove the probe directory ${directory} (${why}); remove it by hand`)
  }
}

/** SIGKILL to one probe; ESRCH (it ended meanwhile) means done. */
const killProcess = (pid: number): void => {
  Either.try(() => process.kill(pid, "SIGKILL"))
}
