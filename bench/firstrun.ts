/**
 * The first command on a new embedded data directory: `packsmith start` (compile ./packs, register the
 * bundle) in a directory that does not exist yet, against floors measured in the same run: the same command
 * on that directory once it exists, and `packsmith validate` (the compile alone, no database). Rounds
 * interleave the three; figures are medians of wall time, CPU time (user + system, which a busy host inflates
 * less than wall time) and peak RSS (VmHWM), the last two sampled from /proc every 10 ms while the process
 * runs. "beyond the compile" is each round's time minus that round's validate.
 * Needs `npm run build` first (the CLI runs from dist/, the snapshot is dist/pglite-snapshot-*.tar.gz).
 *
 *   node --import tsx bench/firstrun.ts [rounds]
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const rounds = Number(process.argv[2] ?? 5)
const packageRoot = fileURLToPath(new URL("../", import.meta.url))
const cli = path.join(packageRoot, "bin", "packsmith.js")
const packs = path.join(packageRoot, "packs")

interface Run {
  readonly ms: number
  readonly cpuMs: number
  readonly peakMb: number
}

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** utime + stime of a running process in ms, or undefined once it has gone. */
const cpuTime = (pid: number): number | undefined => {
  try {
    // Fields after the command name (which may hold spaces) start at index 0 = state; utime, stime are 11, 12.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    // The process ended between two samples; the last sample stands.
    return undefined
  }
}

/** VmHWM of a running process in MB, or undefined once it has gone. */
const highWaterMark = (pid: number): number | undefined => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024
  } catch {
    // The process ended between two samples; the last sample stands.
    return undefined
  }
}

const run = (args: ReadonlyArray<string>, env: Record<string, string>, cwd: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let peakMb = 0
    let cpuMs = 0
    let stderr = ""
    const sampler = setInterval(() => {
      if (child.pid === undefined) return
      peakMb = Math.max(peakMb, highWaterMark(child.pid) ?? 0)
      cpuMs = Math.max(cpuMs, cpuTime(child.pid) ?? 0)
    }, 10)
    child.stdout.resume()
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    child.on("error", reject)
    child.on("exit", (code) => {
      clearInterval(sampler)
      const ms = performance.now() - started
      if (code !== 0) reject(new Error(`packsmith ${args.join(" ")} exited ${code}: ${stderr}`))
      else resolve({ ms, cpuMs, peakMb })
    })
  })

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

if (!fs.readdirSync(path.join(packageRoot, "dist")).some((name) => name.startsWith("pglite-snapshot-"))) {
  console.warn("no dist/pglite-snapshot-*.tar.gz: the first run will make the cluster itself (run npm run build)")
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "packsmith-firstrun-"))
const results = { first: [] as Array<Run>, existing: [] as Array<Run>, compile: [] as Array<Run> }
try {
  for (let round = 0; round < rounds; round++) {
    const env = { PACKSMITH_DATA_DIR: path.join(root, `data-${round}`), DATABASE_URL: "" }
    const start = ["start", "--packs", packs, "--bundle-out", path.join(root, `bundle-${round}.json`)]
    results.first.push(await run(start, env, root))
    results.existing.push(await run(start, env, root))
    results.compile.push(await run(["validate", packs], env, root))
    fs.rmSync(env.PACKSMITH_DATA_DIR, { recursive: true, force: true })
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true })
}

const beyond = (runs: ReadonlyArray<Run>, field: "ms" | "cpuMs") =>
  median(runs.map((entry, round) => entry[field] - results.compile[round]![field])).toFixed(0)
const row = (label: string, runs: ReadonlyArray<Run>, extra: string) =>
  console.log(
    `${label.padEnd(34)} ${median(runs.map((entry) => entry.ms)).toFixed(0).padStart(6)} ms wall ` +
      `${median(runs.map((entry) => entry.cpuMs)).toFixed(0).padStart(6)} ms CPU ` +
      `${median(runs.map((entry) => entry.peakMb)).toFixed(0).padStart(5)} MB peak RSS${extra}`,
  )

console.log(`packsmith start on the core pack, ${rounds} rounds, medians (${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)})`)
const beyondText = (runs: ReadonlyArray<Run>) => `  beyond the compile: ${beyond(runs, "ms")} ms wall, ${beyond(runs, "cpuMs")} ms CPU`
row("first run (new data directory)", results.first, beyondText(results.first))
row("same command, existing directory", results.existing, beyondText(results.existing))
row("compile alone (validate)", results.compile, "")
const minusExisting = (field: "ms" | "cpuMs") =>
  median(results.first.map((entry, round) => entry[field] - results.existing[round]![field])).toFixed(0)
console.log(`first run minus existing directory: ${minusExisting("ms")} ms wall, ${minusExisting("cpuMs")} ms CPU`)
