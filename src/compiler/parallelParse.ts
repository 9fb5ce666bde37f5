/**
 * Reading and parsing YAML on the other cores. Worker threads (started on first use and kept for the life of
 * the process) read a file, parse it with js-yaml and hand back its text
 * and its value as JSON, which this thread turns back into a value several times faster than parsing YAML.
 * Files are claimed one at a time, this thread from the front and the workers from the back, so this thread
 * never waits for a worker that is still starting or short of CPU: it simply parses more files itself.
 * A worker hands back only plain cases (a mapping, within bounds, valid UTF-8); anything else it leaves to
 * this thread, which reports it exactly as it always does.
 */
import { createRequire } from "node:module"
import * as os from "node:os"
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads"
import { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS, MAX_YAML_BYTES } from "./limits.js"
import { stampOf, type Stamp } from "./load.js"

export interface ParsedFile {
  readonly text: string
  readonly value: unknown
  readonly stamp: Stamp
}

/** Below this many files a parallel pass does not pay for its messages. */
export const PARALLEL_MIN_FILES = 128

// The workers run plain JavaScript: they load only js-yaml (the same module this process uses).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads")
const fs = require("node:fs")
const { yamlPath, maxBytes, maxDepth, maxNodes, maxScalar } = workerData
const yaml = require(yamlPath)

// Conservative: whatever the compiler's own bounds check would reject is never handed back.
const withinBounds = (root) => {
  let nodes = 0
  const visit = (value, depth) => {
    if (++nodes > maxNodes) return false
    if (typeof value === "string") return value.length <= maxScalar
    if (typeof value === "number") return Number.isFinite(value)
    if (typeof value !== "object" || value === null) return typeof value === "boolean" || value === null
    if (depth >= maxDepth) return false
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (!visit(value[i], depth + 1)) return false
      return true
    }
    if (Object.getPrototypeOf(value) !== Object.prototype) return false
    for (const key of Object.keys(value)) if (!visit(value[key], depth + 1)) return false
    return true
  }
  return visit(root, 0)
}

const parseOne = (path) => {
  let fd
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0))
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || stat.size > maxBytes) return undefined
    const bytes = Buffer.allocUnsafe(stat.size)
    let read = 0
    while (read < stat.size) {
      const n = fs.readSync(fd, bytes, read, stat.size - read, read)
      if (n === 0) break
      read += n
    }
    const text = bytes.toString("utf8", 0, read)
    if (text.includes("\\uFFFD")) return undefined
    const value = yaml.load(text, { schema: yaml.CORE_SCHEMA, json: false })
    if (typeof value !== "object" || value === null || Array.isArray(value) || !withinBounds(value)) return undefined
    return { text, json: JSON.stringify(value), dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs }
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

parentPort.on("message", (job) => {
  const claims = new Int32Array(job.claims)
  const back = new Int32Array(job.back)
  const posted = new Int32Array(job.posted)
  let batch = []
  const flush = () => {
    job.port.postMessage(batch)
    batch = []
    Atomics.add(posted, 0, 1)
    Atomics.notify(posted, 0)
  }
  for (;;) {
    const index = Atomics.sub(back, 0, 1) - 1
    if (index < 0 || Atomics.compareExchange(claims, index, 0, 2) !== 0) break
    batch.push([index, parseOne(job.paths[index])])
    if (batch.length >= 16) flush()
  }
  flush()
  job.port.close()
})
`

interface Pool {
  readonly workers: ReadonlyArray<Worker>
  broken: boolean
}

let pool: Pool | undefined

/**
 * One worker per core, up to two: this thread turns parsed files into units at about the rate two workers
 * parse them, so more would only wait. On two cores the third thread is this one, which mostly consumes.
 */
const MAX_WORKERS = 2

const workerCount = (): number => (os.availableParallelism() > 1 ? Math.min(os.availableParallelism(), MAX_WORKERS) : 0)

const startPool = (): Pool => {
  const workerData = {
    // The same js-yaml as this thread's (its CommonJS entry, which a plain worker script can require).
    yamlPath: createRequire(import.meta.url).resolve("js-yaml"),
    maxBytes: MAX_YAML_BYTES, maxDepth: MAX_DEPTH, maxNodes: MAX_NODES, maxScalar: MAX_SCALAR_CHARS,
  }
  const workers: Array<Worker> = []
  const made: Pool = { workers, broken: false }
  for (let i = 0; i < workerCount(); i++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData })
    // A worker that fails is not used again; this thread parses everything itself from then on.
    worker.on("error", () => {
      made.broken = true
    })
    worker.unref()
    workers.push(worker)
  }
  return made
}

const poolOf = (): Pool | undefined => {
  if (pool === undefined) {
    if (workerCount() === 0) return undefined
    try {
      pool = startPool()
    } catch {
      // No threads here (a restricted runtime): everything is parsed on this thread.
      pool = { workers: [], broken: true }
    }
  }
  return pool.broken ? undefined : pool
}

// How long this thread waits for a worker's outstanding files before parsing them itself.
const WORKER_PATIENCE_MS = 2_000

const OWN = 1

/**
 * Calls `own(i)` for the files this thread takes (it reads and parses them itself) and `parsed(i, file)` or
 * `own(i)` for the others, each index once, all before returning. Indices are into `paths`.
 */
export const parseAcrossCores = (
  paths: ReadonlyArray<string>, nowMs: number, own: (index: number) => void, parsed: (index: number, file: ParsedFile) => void,
): void => {
  const workers = paths.length >= PARALLEL_MIN_FILES ? poolOf() : undefined
  if (workers === undefined) {
    for (let i = 0; i < paths.length; i++) own(i)
    return
  }
  const claims = new Int32Array(new SharedArrayBuffer(4 * paths.length))
  const back = new Int32Array(new SharedArrayBuffer(4))
  const posted = new Int32Array(new SharedArrayBuffer(4))
  back[0] = paths.length
  const ports: Array<MessagePort> = []
  for (const worker of workers.workers) {
    const channel = new MessageChannel()
    ports.push(channel.port1)
    worker.postMessage({ paths, claims: claims.buffer, back: back.buffer, posted: posted.buffer, port: channel.port2 }, [channel.port2])
  }
  const done = new Uint8Array(paths.length)
  let remaining = paths.length
  const finish = (index: number, file: ParsedFile | undefined) => {
    if (done[index] === 1) return
    done[index] = 1
    remaining--
    if (file === undefined) own(index)
    else parsed(index, file)
  }
  const drain = () => {
    for (const port of ports) {
      for (let message = receiveMessageOnPort(port); message !== undefined; message = receiveMessageOnPort(port)) {
        for (const [index, result] of message.message as Array<[number, WorkerResult | undefined]>) {
          finish(index, result === undefined ? undefined : {
            text: result.text, value: JSON.parse(result.json), stamp: stampOf(result, nowMs),
          })
        }
      }
    }
  }
  for (let i = 0; i < paths.length; i++) {
    if (Atomics.compareExchange(claims, i, 0, OWN) !== 0) break
    finish(i, undefined)
    if ((i & 7) === 7) drain()
  }
  // The rest were claimed by workers: take their results as they come.
  let waitedMs = 0
  while (remaining > 0) {
    const seen = Atomics.load(posted, 0)
    drain()
    if (remaining === 0) break
    const started = performance.now()
    Atomics.wait(posted, 0, seen, 50)
    waitedMs += performance.now() - started
    if (waitedMs > WORKER_PATIENCE_MS || workers.broken) {
      // A worker that stopped answering is not trusted again: its files are parsed here.
      workers.broken = true
      for (const worker of workers.workers) void worker.terminate()
      for (let i = 0; i < paths.length; i++) finish(i, undefined)
    }
  }
  for (const port of ports) port.close()
}

interface WorkerResult {
  readonly text: string
  readonly json: string
  readonly dev: number
  readonly ino: number
  readonly size: number
  readonly mtimeMs: number
  readonly ctimeMs: number
}
