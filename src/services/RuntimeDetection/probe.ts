/**
 * Running one probe directly: spawn the binary in its own process group with stdin closed, collect stdout and
 * stderr as they come, wait for it to close, and kill the whole group when the timeout passes. Never fails:
 * every way a probe can end is an outcome that the caller turns into a runtime or a problem. A detection
 * spawns its first probe (the slowest expected) this way; the rest go through a launcher (launcher.ts).
 *
 * node:child_process is used directly. Through @effect/platform's Command each probe costs about 2 ms more
 * of main-thread CPU (stream and scope machinery); on a 2-core host that CPU is taken from the slowest probe
 * running beside it: cold detection measured about 15% slower.
 * The timeout is a timer inside the same callback rather than Effect.timeoutOption: that races two forked
 * fibers, and a forked fiber starts only after the fibers already scheduled, so the slowest probe, started
 * first, was spawned after the other families' lookups.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { Data, Duration, Either } from "effect"

export type ProbeOutcome = Data.TaggedEnum<{
  Exited: { readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  TimedOut: { readonly after: Duration.Duration }
  Failed: { readonly reason: string }
}>
export const ProbeOutcome = Data.taggedEnum<ProbeOutcome>()

/** Version banners are short; anything past this is noise that would only bloat the cache. */
export const MAX_OUTPUT_CHARS = 4096

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * SIGKILL to the process group: a shim's children go with it, and a probe that ignores SIGTERM cannot
 * outlive its timeout. ESRCH (the group already exited) is the only expected failure and means done.
 */
const killGroup = (child: ChildProcess): void => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const pid = child.pid
  Either.try(() => process.kill(-pid, "SIGKILL"))
}

/**
 * The environment every probe runs with: this process's, with banners and error messages in one language
 * whatever the host's locale. Made once per detection: copying `process.env` reads each variable through the
 * C environment, which costs more than the rest of a spawn's JavaScript.
 */
export const probeEnvironment = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: "C" })

/**
 * Spawns one probe directly; `settle` is called once with its outcome. Returns what stops it early (its whole
 * process group is killed).
 */
export const spawnProbe = (
  file: string,
  args: ReadonlyArray<string>,
  timeout: Duration.Duration,
  env: NodeJS.ProcessEnv,
  settle: (outcome: ProbeOutcome) => void,
): () => void => {
  const started = Either.try({
    try: () => spawn(file, [...args], { stdio: ["ignore", "pipe", "pipe"], detached: true, env }),
    catch: describe,
  })
  if (Either.isLeft(started)) {
    settle(ProbeOutcome.Failed({ reason: started.left }))
    return () => undefined
  }
  const child = started.right
  const output = { stdout: "", stderr: "" }
  // A child that fails to start emits "error" and then "close"; the first one (or the timer) decides.
  let settled = false
  const timer = setTimeout(() => {
    killGroup(child)
    once(ProbeOutcome.TimedOut({ after: timeout }))
  }, Duration.toMillis(timeout))
  const once = (outcome: ProbeOutcome) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    settle(outcome)
  }
  // Keep reading past the limit so that a chatty child never blocks on a full pipe.
  const collect = (into: "stdout" | "stderr") => (text: string) => {
    const room = MAX_OUTPUT_CHARS - output[into].length
    if (room > 0) output[into] += text.slice(0, room)
  }
  child.stdout?.setEncoding("utf8").on("data", collect("stdout"))
  child.stderr?.setEncoding("utf8").on("data", collect("stderr"))
  child.once("error", (error) => once(ProbeOutcome.Failed({ reason: describe(error) })))
  // "close": the process exited and both pipes are drained.
  child.once("close", (exitCode, signal) =>
    once(
      exitCode === null
        ? ProbeOutcome.Failed({ reason: `it was killed by ${signal ?? "a signal"}` })
        : ProbeOutcome.Exited({ exitCode, stdout: output.stdout, stderr: output.stderr }),
    ))
  return () => {
    clearTimeout(timer)
    killGroup(child)
  }
}
