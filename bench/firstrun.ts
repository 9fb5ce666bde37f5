/**
 * The first command on a new embedded data directory: `packsmith start` (compile ./packs, register the
 * bundle) in a directory that does not exist yet, against floors measured in the same run: the same command
 * on that directory once it exists, and `packsmith validate` (the compile alone, no database). Rounds
 * interleave the three; figures are medians of wall time and of peak RSS (VmHWM, sampled from /proc while the
 * process runs). "beyond the compile" is each round's time minus that round's validate.
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
  readonly peakMb: number
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
    let stderr = ""
    const sampler = setInterval(() => {
      if (child.pid !== undefined) peakMb = Math.max(peakMb, highWaterMark(child.pid) ?? 0)
    }, 10)
    child.stdout.resume()
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString() })
    child.on("error", reject)
    child.on("exit", (code) => {
      clearInterval(sampler)
      const ms = performance.now() - started
      if (code !== 0) reject(new Error(`packsmith ${args.join(" ")} exited ${code}: ${stderr}`))
      else resolve({ ms, peakMb })
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

const beyond = (runs: ReadonlyArray<Run>) => median(runs.map((entry, round) => entry.ms - results.compile[round]!.ms))
const row = (label: string, runs: ReadonlyArray<Run>, extra: string) =>
  console.log(
    `${label.padEnd(34)} ${median(runs.map((entry) => entry.ms)).toFixed(0).padStart(6)} ms  ` +
      `${median(runs.map((entry) => entry.peakMb)).toFixed(0).padStart(5)} MB peak RSS${extra}`,
  )

console.log(`packsmith start on the core pack, ${rounds} rounds, medians (${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(1)})`)
row("first run (new data directory)", results.first, `  ${beyond(results.first).toFixed(0)} ms beyond the compile`)
row("same command, existing directory", results.existing, `  ${beyond(results.existing).toFixed(0)} ms beyond the compile`)
row("compile alone (validate)", results.compile, "")
console.log(`first run minus existing directory: ${median(results.first.map((entry, round) => entry.ms - results.existing[round]!.ms)).toFixed(0)} ms`)
