/**
 * Reading and parsing YAML files (and reading and hashing scripts) on a second thread while the compiler
 * works through them in order. The helper thread claims files from the front of the list; when the file the
 * compiler needs next is not ready, the compiler takes one from the back and parses it itself, so both cores
 * stay busy and neither waits on the other for long. The helper only does what cannot go wrong quietly: it
 * reads a regular file, parses it with the same js-yaml settings, and sends the value as JSON text
 * (JSON.parse is several times faster than parsing YAML). Anything else (an unreadable file, a syntax error, a value JSON cannot carry exactly, a
 * file that would expand past the bounds) is sent back as "do it yourself": the compiler's own path reports
 * it, so every diagnostic still comes from one place.
 *
 * A compiler with nothing cached reads every file: when the helper is already running, it starts on the YAML
 * files under the given paths while the compiler's discovery is still listing them (see Speculation).
 */
import { createRequire } from "node:module"
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads"
import { sha256Hex } from "../domain/Bundle.js"
import { FILE_KIND_DIRECTORIES } from "../domain/FileKinds.js"
import { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS, MAX_SCRIPT_BYTES, MAX_YAML_BYTES } from "./limits.js"
import { parseJsonOfYaml, parseYaml, type ParseOutcome } from "./parse.js"
import { MANIFEST_NAMES, readStamped, stampOf, YAML_FILE, type StampedRead } from "./load.js"
import { textOf } from "./unit.js"

/** A file read (and, when it parsed cleanly, parsed) ahead of its turn. */
export interface ReadAhead {
  readonly read: StampedRead
  /** Undefined: parse the bytes in place (they could not be read, or the helper left that to the compiler). */
  readonly parsed: ParseOutcome | undefined
}

/** Fewer files than this are read in place: the helper pays off only on a larger workspace. */
const MIN_FILES = 64
/** How long the compiler waits for a file the helper has claimed before reading it itself. */
const STALL_MS = 2_000
/** Stop the idle helper after this long; the next large compile starts another. */
const IDLE_MS = 10_000
/**
 * The most characters the helper turns into JSON text for one file. A file within the size limit holds far
 * fewer; only aliases repeated many times come near it, and those are the compiler's to report.
 */
const MAX_JSON_CHARS = 8 * MAX_YAML_BYTES

/**
 * The helper's code, plain JavaScript in a string: evaluated as the worker's entry, it needs no module
 * file beside the compiled or bundled compiler. Messages stay inside this process and this file, so they are
 * plain structured-clone data rather than Schema-encoded values.
 */
const HELPER_SOURCE = String.raw`"use strict"
const { parentPort, workerData } = require("node:worker_threads")
const fs = require("node:fs")
const path = require("node:path")
const { createHash } = require("node:crypto")
const { load, CORE_SCHEMA } = require(workerData.jsYaml)
const { maxNodes, maxDepth, maxChars, maxScalar } = workerData

// True when JSON text carries the value exactly and stays small: finite numbers only (JSON writes NaN as
// null), within the compiler's node, depth and scalar bounds (so it need not walk the value again), and with
// at most maxChars of strings once aliases are expanded.
const fits = (root) => {
  let nodes = 0
  let chars = 0
  const visit = (value, depth) => {
    if (++nodes > maxNodes) return false
    if (typeof value === "string") return value.length <= maxScalar && (chars += value.length) <= maxChars
    if (typeof value === "number") return Number.isFinite(value)
    if (typeof value === "boolean" || value === null) return true
    if (typeof value !== "object" || depth >= maxDepth) return false
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) if (!visit(value[i], depth + 1)) return false
      return true
    }
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue
      if ((chars += key.length) > maxChars || !visit(value[key], depth + 1)) return false
    }
    return true
  }
  return visit(root, 0)
}

// A YAML file's value as JSON text when it parsed cleanly; else null: the compiler parses it itself and
// reports what is wrong.
const yamlJson = (bytes) => {
  try {
    const value = load(bytes.toString("utf8"), { schema: CORE_SCHEMA, json: false })
    return value !== null && value !== undefined && fits(value) ? JSON.stringify(value) : null
  } catch (error) {
    // The compiler parses this file itself and reports the syntax error with its position.
    return null
  }
}

// The file's stat and bytes, and what the job makes of them (JSON text of a YAML file, sha256 of a script).
// Undefined when it is not a readable regular file within maxBytes: the compiler reads it itself and says why.
// listedPlain: the file was listed as a regular file, and must still be one (a symlink put in its place is
// not followed).
const readFile = (file, kind, maxBytes, listedPlain) => {
  let fd
  try {
    const noFollow = listedPlain ? fs.constants.O_NOFOLLOW ?? 0 : 0
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | noFollow)
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || stat.size > maxBytes) return undefined
    const bytes = Buffer.allocUnsafe(stat.size)
    let read = 0
    while (read < stat.size) {
      const n = fs.readSync(fd, bytes, read, stat.size - read, read)
      if (n === 0) break
      read += n
    }
    const got = read === stat.size ? bytes : bytes.subarray(0, read)
    // A script's hash, and its bytes as the bundle's blob stores them.
    return kind === "yaml" ? { stat, bytes: got, made: yamlJson(got) }
      : { stat, bytes: got, made: createHash("sha256").update(got).digest("hex"), base64: got.toString("base64") }
  } catch (error) {
    // Gone, unreadable, a FIFO: the compiler reads it itself and reports why.
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

// Batches of answers on one port: meta rows, and the bytes of the files answered in one transferred buffer.
const batcher = (port, signal) => {
  let meta = []
  let chunks = []
  let size = 0
  const flush = () => {
    if (meta.length === 0) return
    const buffer = new Uint8Array(size)
    let at = 0
    for (const chunk of chunks) {
      buffer.set(chunk, at)
      at += chunk.length
    }
    port.postMessage({ meta, buffer: buffer.buffer }, [buffer.buffer])
    meta = []
    chunks = []
    size = 0
    Atomics.add(signal, 0, 1)
    Atomics.notify(signal, 0)
  }
  const add = (id, got) => {
    if (got === undefined) meta.push([id])
    else {
      const s = got.stat
      meta.push([id, s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs, s.mode, got.bytes.length, got.made, got.base64])
      chunks.push(got.bytes)
      size += got.bytes.length
    }
    // Send at once when the compiler is waiting; otherwise in batches (one message costs more than a file).
    if (meta.length >= 32 || size >= 1048576 || Atomics.load(signal, 1) !== 0) flush()
  }
  return { add, flush }
}

// Paths of the YAML files the last speculation answered: the job that follows it skips them.
let speculated = null

// A directory's entries by name; none when it cannot be listed.
const listing = (dir) => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (error) {
    // The compiler lists it itself and reports what is wrong.
    return []
  }
}

// The compiler's own spelling of paths below a pack directory (so that its paths and these are equal strings).
const under = (dir, rel) => (dir.endsWith(path.sep) ? dir : dir + path.sep) + rel.split("/").join(path.sep)

// YAML files of the packs under the given paths, read and parsed while the compiler is still finding them,
// in the order it will most likely ask for them. Only plain directories and regular files are followed: a
// guess the compiler's own discovery does not confirm is never used, and anything unusual is its to judge.
const speculate = ({ roots, directories, manifestNames, yamlFile, maxBytes, port, control }) => {
  const flags = new Int32Array(control, 0, 2)
  const batch = batcher(port, new Int32Array(control, 8, 2))
  const sent = new Set()
  const isYaml = new RegExp(yamlFile)
  const manifestOf = (entries) => manifestNames.find((name) => entries.some((e) => e.name === name && e.isFile()))
  const stopped = () => Atomics.load(flags, 0) !== 0
  const take = (file) => {
    const got = readFile(file, "yaml", maxBytes, true)
    if (got === undefined) return
    sent.add(file)
    batch.add(file, got)
  }
  const pack = (dir, entries) => {
    const manifest = manifestOf(entries)
    if (manifest === undefined) return
    take(path.join(dir, manifest))
    const known = new Map([["", entries]])
    const list = (directory) => {
      let found = known.get(directory)
      if (found !== undefined) return found
      const slash = directory.lastIndexOf("/")
      const parent = list(slash === -1 ? "" : directory.slice(0, slash))
      const name = directory.slice(slash + 1)
      found = parent.some((e) => e.name === name && e.isDirectory()) ? listing(under(dir, directory)) : []
      known.set(directory, found)
      return found
    }
    for (const directory of directories) {
      for (const entry of list(directory)) {
        if (stopped()) return
        if (entry.isFile() && isYaml.test(entry.name)) take(under(dir, directory) + path.sep + entry.name)
      }
    }
  }
  try {
    for (const root of roots) {
      const entries = listing(root)
      if (manifestOf(entries) !== undefined) pack(root, entries)
      else {
        for (const child of entries) {
          if (stopped()) break
          if (child.isDirectory()) pack(path.join(root, child.name), listing(path.join(root, child.name)))
        }
      }
      if (stopped()) break
    }
  } finally {
    batch.flush()
    port.close()
    speculated = sent
    Atomics.store(flags, 1, 1)
    Atomics.notify(flags, 1)
  }
}

parentPort.on("message", (job) => {
  if (job.kind === "speculate") return speculate(job)
  const { kind, maxBytes, files, port, control, afterSpeculation } = job
  // Files a speculation just answered are the compiler's already.
  const skip = afterSpeculation === true ? speculated : null
  speculated = null
  const claim = new BigInt64Array(control, 0, 1)
  const batch = batcher(port, new Int32Array(control, 8, 2))
  for (;;) {
    const current = Atomics.load(claim, 0)
    const next = Number(current & 0xffffffffn)
    if (next >= Number(current >> 32n)) break
    if (Atomics.compareExchange(claim, 0, current, current + 1n) !== current) continue
    if (skip !== null && skip.has(files[next])) continue
    // A script must be the regular file its directory listed; a YAML file is named where discovery found
    // it (a symlink's checked target): neither is read through a symlink put in its place.
    batch.add(next, readFile(files[next], kind, maxBytes, true))
  }
  batch.flush()
  port.close()
})
`

type HelperMeta =
  | readonly [index: number]
  | readonly [
    index: number, dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, mode: number, length: number,
    made: string | null, base64: string | undefined,
  ]

/** A speculation's answers name files by path; it sends only files it read. */
interface SpeculationBatch {
  readonly meta: ReadonlyArray<readonly [
    file: string, dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, mode: number, length: number, made: string | null,
  ]>
  readonly buffer: ArrayBuffer
}

interface HelperBatch {
  readonly meta: ReadonlyArray<HelperMeta>
  readonly buffer: ArrayBuffer
}

export interface Helper {
  readonly worker: Worker
  idle: ReturnType<typeof setTimeout> | undefined
  /** Set when the helper failed to answer in time: later compiles do not use it. */
  stalled: boolean
}

let helper: Helper | undefined

/** The helper left this file to the compiler (see the module doc). */
const DECLINED = Symbol("declined")

const jsYamlPath = (): string => createRequire(import.meta.url).resolve("js-yaml")

/** A new helper thread (the compiler keeps one per process; tests make their own). */
export const newHelperWorker = (): Worker =>
  new Worker(HELPER_SOURCE, {
    eval: true,
    workerData: { jsYaml: jsYamlPath(), maxNodes: MAX_NODES, maxDepth: MAX_DEPTH, maxChars: MAX_JSON_CHARS, maxScalar: MAX_SCALAR_CHARS },
    // The helper reads files and parses YAML; it has no use for the parent's flags (loaders, inspector).
    execArgv: [],
    stdout: false,
    stderr: false,
  })

const startHelper = (): Helper => {
  const worker = newHelperWorker()
  // Never what keeps the process alive.
  worker.unref()
  const started: Helper = { worker, idle: undefined, stalled: false }
  // A helper that dies is replaced on the next compile; files it had claimed are read in place (see `take`).
  worker.on("error", (error) => {
    forget(started)
    process.emitWarning(`packsmith: the compiler's second thread failed (${error.message}); the next compile starts another`)
  })
  worker.on("exit", () => forget(started))
  return started
}

const forget = (which: Helper): void => {
  if (helper === which) helper = undefined
}

/** The helper for one compile, or undefined when read-ahead is turned off or cannot start here. */
const acquireHelper = (): Helper | undefined => {
  if (process.env["PACKSMITH_COMPILE_THREADS"] === "1") return undefined
  if (helper === undefined || helper.stalled) {
    if (helper?.stalled === true) void helper.worker.terminate()
    try {
      helper = startHelper()
    } catch (error) {
      // Worker threads can be unavailable (resource limits, a restricted embedder): everything is read in place.
      process.emitWarning(`packsmith: compiling on one thread (${error instanceof Error ? error.message : String(error)})`)
      return undefined
    }
  }
  if (helper.idle !== undefined) clearTimeout(helper.idle)
  return helper
}

const releaseHelper = (which: Helper): void => {
  if (which !== helper) return
  which.idle = setTimeout(() => {
    forget(which)
    void which.worker.terminate()
  }, IDLE_MS)
  which.idle.unref()
}

/** The helper's answer for one file as it arrived (a YAML file's JSON text is parsed only when asked for). */
class HelperAnswer {
  constructor(readonly read: StampedRead & { readonly ok: true }, readonly made: string | null, readonly base64: string | undefined) {}
}

/** What one kind of file needs: how the compiler reads one itself, and what it makes of the helper's answer. */
interface Job<T> {
  readonly kind: "yaml" | "script"
  readonly maxBytes: number
  readonly here: (abs: string, nowMs: number) => T
  readonly fromHelper: (read: StampedRead & { readonly ok: true }, made: string | null, base64: string | undefined) => T
}

/** A script read ahead (never through a symlink in its last component): its bytes and their sha256. */
export interface ScriptAhead {
  readonly read: StampedRead
  /** Undefined when the bytes could not be read. */
  readonly sha256: string | undefined
  /** The bytes in base64, when the helper made it. */
  readonly base64?: string
}

const YAML_JOB: Job<ReadAhead> = {
  kind: "yaml",
  maxBytes: MAX_YAML_BYTES,
  here: (abs, nowMs) => {
    const read = readStamped(abs, MAX_YAML_BYTES, nowMs, true)
    return { read, parsed: read.ok ? parseYaml(textOf(read.bytes)) : undefined }
  },
  fromHelper: (read, json) => ({ read, parsed: json === null ? undefined : parseJsonOfYaml(json) }),
}

const SCRIPT_JOB: Job<ScriptAhead> = {
  kind: "script",
  maxBytes: MAX_SCRIPT_BYTES,
  here: (abs, nowMs) => {
    const read = readStamped(abs, MAX_SCRIPT_BYTES, nowMs, true)
    return { read, sha256: read.ok ? sha256Hex(read.bytes) : undefined }
  },
  fromHelper: (read, sha256, base64) => ({ read, sha256: sha256 ?? sha256Hex(read.bytes), ...(base64 === undefined ? {} : { base64 }) }),
}

/**
 * YAML files the helper reads and parses while the compiler is still discovering them (`speculate` in the
 * helper): it lists the given paths itself, plain directories and regular files only, in the order discovery
 * will find them. The compiler uses an answer only for a path its own discovery then lists for reading; the
 * rest are dropped. Started only when a helper is already running (an earlier large compile started it):
 * a small compile never starts a thread for it.
 */
export class Speculation {
  private ended = false
  /** [0] stop (set here), [1] done (set by the helper once it has sent what it read). */
  private readonly flags: Int32Array

  constructor(readonly owner: Helper, readonly port: MessagePort, control: SharedArrayBuffer) {
    this.flags = new Int32Array(control, 0, 2)
  }

  /**
   * Stops the helper's walk and waits (at most `stallMs`) until it has sent what it read; false when it did
   * not say so in time. Ends the speculation either way.
   */
  stop(stallMs: number): boolean {
    this.halt()
    const done = Atomics.wait(this.flags, 1, 0, stallMs) !== "timed-out"
    this.ended = true
    return done
  }

  /** True once the helper has ended its walk (it found no more files, or was told to stop) and sent what it read. */
  get walked(): boolean {
    return Atomics.load(this.flags, 1) !== 0
  }

  /** Tells the helper to end its walk after the file it is reading. */
  halt(): void {
    Atomics.store(this.flags, 0, 1)
  }

  /** Drops the speculation (nothing it read is used); does nothing once it ended. */
  cancel(): void {
    if (this.ended) return
    this.ended = true
    this.halt()
    this.port.close()
    releaseHelper(this.owner)
  }
}

/** Starts reading the YAML files under `roots` (absolute paths) ahead of discovery; see Speculation. */
export const speculateYaml = (roots: ReadonlyArray<string>): Speculation | undefined => {
  if (process.env["PACKSMITH_COMPILE_THREADS"] === "1" || helper === undefined || helper.stalled) return undefined
  if (helper.idle !== undefined) clearTimeout(helper.idle)
  return startSpeculation(helper, roots)
}

const startSpeculation = (owner: Helper, roots: ReadonlyArray<string>): Speculation => {
  // [0] stop, [1] done; then the batch counter and waiting flag every job has.
  const control = new SharedArrayBuffer(16)
  const { port1, port2 } = new MessageChannel()
  const directories = FILE_KIND_DIRECTORIES.map(([directory]) => directory)
  owner.worker.postMessage({
    kind: "speculate", roots, directories, manifestNames: MANIFEST_NAMES, yamlFile: YAML_FILE.source, maxBytes: MAX_YAML_BYTES,
    port: port2, control,
  }, [port2])
  return new Speculation(owner, port1, control)
}

/**
 * The files of one compile stage, in the order the compiler will most likely ask for them (asking in that
 * order is what lets the two threads share the work; any order is answered). `close()` ends the helper's part.
 */
export class ReadAheadList<T> {
  /** Answers not yet asked for; the helper's are kept as it sent them, and decoded when asked for. */
  private readonly results = new Map<number, T | typeof DECLINED | HelperAnswer>()
  /** Indexes answered already: a late or duplicate answer for one of them is dropped. */
  private readonly taken = new Set<number>()
  private readonly claim: BigInt64Array
  private readonly signal: Int32Array
  private readonly port: MessagePort
  private seenSignal = 0
  private stalled = false

  constructor(
    private readonly job: Job<T>,
    private readonly files: ReadonlyArray<string>,
    private readonly nowMs: number,
    worker: Worker,
    /** How long to wait for a file the helper has claimed before reading it here. */
    private readonly stallMs: number = STALL_MS,
    /**
     * Other work the compiler can do while a file it asks for is still with the helper, one piece per call;
     * false when there is none. Only when there is none does it take a file from the back itself.
     */
    private readonly whileWaiting?: () => boolean,
    /** A speculation the same helper ran for these files (YAML only): what it read is taken as answers. */
    speculation?: Speculation,
  ) {
    const control = new SharedArrayBuffer(16)
    this.claim = new BigInt64Array(control, 0, 1)
    this.signal = new Int32Array(control, 8, 2)
    // next = 0, end = files.length: the helper claims upward from `next`, the compiler downward from `end`.
    this.claim[0] = BigInt(files.length) << 32n
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    // Stopped before the job is posted: the helper ends the walk, then skips in the job what the walk sent.
    speculation?.halt()
    worker.postMessage({ kind: job.kind, maxBytes: job.maxBytes, files, port: port2, control, afterSpeculation: speculation !== undefined }, [port2])
    if (speculation !== undefined) this.absorb(speculation)
  }

  /** Takes what a speculation sent for files of this list (by path); it has ended once this returns. */
  private absorb(speculation: Speculation): void {
    if (!speculation.stop(this.stallMs)) {
      // The helper did not finish one file in all that time: it is stuck.
      this.stalled = true
      speculation.port.close()
      return
    }
    let indexOf: Map<string, number> | undefined
    for (let message = receiveMessageOnPort(speculation.port); message !== undefined; message = receiveMessageOnPort(speculation.port)) {
      const batch = message.message as SpeculationBatch
      indexOf ??= new Map(this.files.map((file, index) => [file, index]))
      let at = 0
      for (const meta of batch.meta) {
        const [file, dev, ino, size, mtimeMs, ctimeMs, mode, length, made] = meta
        const view = Buffer.from(batch.buffer, at, length)
        at += length
        const index = indexOf.get(file)
        if (index === undefined) continue
        const stamp = stampOf({ dev, ino, size, mtimeMs, ctimeMs }, this.nowMs)
        this.results.set(index, new HelperAnswer({ ok: true, bytes: view, mode, stamp }, made, undefined))
      }
    }
    speculation.port.close()
  }

  /** File `index`, read (and parsed or hashed) by whichever thread got to it first. */
  take(index: number): T {
    const startedAt = performance.now()
    for (;;) {
      const done = this.results.get(index)
      if (done !== undefined) return this.answer(index, done)
      if (this.taken.has(index)) return this.answer(index, DECLINED)
      const current = Atomics.load(this.claim, 0)
      const next = Number(current & 0xffffffffn)
      // Not claimed by the helper: read here (claiming it when it is next, else the helper's copy is dropped).
      if (index >= next) {
        if (index === next) this.claimFront(index)
        return this.answer(index, DECLINED)
      }
      if (this.drain()) continue
      if (this.stalled) return this.answer(index, DECLINED)
      // Claimed by the helper and not back yet: other work meanwhile, else read one from the back, else wait.
      if (this.whileWaiting?.() === true) continue
      const stolen = this.claimBack()
      if (stolen !== undefined) {
        this.results.set(stolen, this.job.here(this.files[stolen]!, this.nowMs))
        continue
      }
      const waited = performance.now() - startedAt
      if (waited >= this.stallMs) {
        // The helper has not answered for a file it claimed: it is stuck or gone. Read it here.
        this.stalled = true
        return this.answer(index, DECLINED)
      }
      Atomics.store(this.signal, 1, 1)
      Atomics.wait(this.signal, 0, this.seenSignal, this.stallMs - waited)
      Atomics.store(this.signal, 1, 0)
    }
  }

  /** True when the helper stopped answering during this list (later compiles start another). */
  get helperStalled(): boolean {
    return this.stalled
  }

  /** Ends the helper's part: it claims nothing more, and any answer still on its way is dropped. */
  close(): void {
    for (;;) {
      const current = Atomics.load(this.claim, 0)
      const next = current & 0xffffffffn
      if (Atomics.compareExchange(this.claim, 0, current, (next << 32n) | next) === current) break
    }
    this.port.close()
  }

  private answer(index: number, result: T | typeof DECLINED | HelperAnswer): T {
    this.results.delete(index)
    this.taken.add(index)
    if (result === DECLINED) return this.job.here(this.files[index]!, this.nowMs)
    return result instanceof HelperAnswer ? this.job.fromHelper(result.read, result.made, result.base64) : result
  }

  private claimFront(index: number): boolean {
    for (;;) {
      const current = Atomics.load(this.claim, 0)
      const next = Number(current & 0xffffffffn)
      if (next !== index || next >= Number(current >> 32n)) return false
      if (Atomics.compareExchange(this.claim, 0, current, current + 1n) === current) return true
    }
  }

  private claimBack(): number | undefined {
    for (;;) {
      const current = Atomics.load(this.claim, 0)
      const next = current & 0xffffffffn
      const end = current >> 32n
      if (next >= end) return undefined
      const last = Number(end - 1n)
      if (Atomics.compareExchange(this.claim, 0, current, ((end - 1n) << 32n) | next) === current) {
        // One answered already (by a speculation) is skipped: the next one down is taken instead.
        if (!this.taken.has(last) && !this.results.has(last)) return last
      }
    }
  }

  /** Takes the helper's batches that have arrived; true when there was one. */
  private drain(): boolean {
    this.seenSignal = Atomics.load(this.signal, 0)
    let any = false
    for (let message = receiveMessageOnPort(this.port); message !== undefined; message = receiveMessageOnPort(this.port)) {
      any = true
      const batch = message.message as HelperBatch
      let at = 0
      for (const meta of batch.meta) {
        const index = meta[0]
        if (meta.length === 1) {
          if (!this.taken.has(index)) this.results.set(index, DECLINED)
          continue
        }
        const [, dev, ino, size, mtimeMs, ctimeMs, mode, length, made, base64] = meta
        const view = Buffer.from(batch.buffer, at, length)
        at += length
        if (this.taken.has(index)) continue
        const stamp = stampOf({ dev, ino, size, mtimeMs, ctimeMs }, this.nowMs)
        this.results.set(index, new HelperAnswer({ ok: true, bytes: view, mode, stamp }, made, base64))
      }
    }
    return any
  }
}

/** Runs a stage with the helper reading `files` ahead, when they are many; `read` is undefined otherwise. */
const withHelper = <T, A>(
  job: Job<T>, files: ReadonlyArray<string>, nowMs: number, use: (read: ((index: number) => T) | undefined) => A,
  whileWaiting?: () => boolean, speculation?: Speculation,
): A => {
  const owner = files.length >= MIN_FILES ? acquireHelper() : undefined
  // Few files (read here), or another helper than the one that speculated: what it read goes unused.
  if (speculation !== undefined && speculation.owner !== owner) speculation.cancel()
  if (owner === undefined) return use(undefined)
  const list = new ReadAheadList(job, files, nowMs, owner.worker, STALL_MS, whileWaiting, speculation?.owner === owner ? speculation : undefined)
  try {
    return use((index) => list.take(index))
  } finally {
    list.close()
    if (list.helperStalled) owner.stalled = true
    releaseHelper(owner)
  }
}

/** YAML files read and parsed ahead (see the module doc). */
export const withYamlAhead = <A>(
  files: ReadonlyArray<string>, nowMs: number, use: (read: ((index: number) => ReadAhead) | undefined) => A,
  whileWaiting?: () => boolean, speculation?: Speculation,
): A =>
  withHelper(YAML_JOB, files, nowMs, use, whileWaiting, speculation)

/** Scripts read and hashed ahead. */
export const withScriptsAhead = <A>(
  files: ReadonlyArray<string>, nowMs: number, use: (read: ((index: number) => ScriptAhead) | undefined) => A,
  whileWaiting?: () => boolean,
): A =>
  withHelper(SCRIPT_JOB, files, nowMs, use, whileWaiting)

/** Lists for tests, with a worker of their choosing (one that stalls, one that is gone), after a speculation on it. */
export const yamlListWith = (
  worker: Worker, files: ReadonlyArray<string>, nowMs: number, stallMs: number, speculation?: Speculation,
): ReadAheadList<ReadAhead> =>
  new ReadAheadList(YAML_JOB, files, nowMs, worker, stallMs, undefined, speculation)

/** A speculation for tests, on a worker of their choosing. */
export const speculationWith = (worker: Worker, roots: ReadonlyArray<string>): Speculation =>
  startSpeculation({ worker, idle: undefined, stalled: false }, roots)

/** The helper thread of this process, if one is running (tests stop it to see a compile survive that). */
export const currentHelper = (): Worker | undefined => helper?.worker
