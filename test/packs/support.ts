/**
 * Helpers for running pack scripts the way a worker does: argv (no shell string), the pack directory as
 * cwd, a minimal environment, parameters written to stdin in the delivered format.
 */
import { spawn } from "node:child_process"
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

export const REPO_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..")
export const CORE_PACK = join(REPO_ROOT, "packs", "core")
export const MON_PACK = join(REPO_ROOT, "test", "fixtures", "attune-compat", "mon")

export interface RunResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string>>
  readonly stdin?: string
  readonly timeoutMs?: number
}

/** Runs argv asynchronously (the test process may be serving HTTP to the child meanwhile). */
export const run = (argv: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolvePromise, reject) => {
    const [command, ...args] = argv
    if (command === undefined) return reject(new Error("empty argv"))
    const child = spawn(command, args, {
      cwd: options.cwd ?? CORE_PACK,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolvePromise({ code, signal, stdout, stderr })
    })
    // A script may exit before reading everything; that is its business, not a test failure.
    child.stdin.on("error", () => undefined)
    child.stdin.end(options.stdin ?? "")
  })

/**
 * Attune's dotenv parameter format: `key='value'` lines sorted by key, nested objects flattened to
 * dotted keys, arrays as JSON, null as empty, `'` written as `'\''`, trailing newline.
 */
export const toDotenv = (params: Readonly<Record<string, unknown>>): string => {
  const lines: Array<[string, string]> = []
  const walk = (key: string, value: unknown): void => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [child, inner] of Object.entries(value)) walk(key === "" ? child : `${key}.${child}`, inner)
      return
    }
    const text = value === null || value === undefined ? "" : Array.isArray(value) ? JSON.stringify(value) : String(value)
    lines.push([key, text])
  }
  walk("", params)
  lines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return lines.map(([key, text]) => `${key}='${text.replaceAll("'", "'\\''")}'`).join("\n") + "\n"
}

/** Attune's json parameter format: compact, single line, trailing newline. */
export const toJsonLine = (params: unknown): string => JSON.stringify(params) + "\n"

/** Absolute path of `binary` on PATH, if any. */
export const which = (binary: string): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (dir === "") continue
    const candidate = join(dir, binary)
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}

/** Every file under `dir` whose name ends with `suffix`, as paths relative to `dir`, sorted. */
export const filesUnder = (dir: string, suffix: string): Array<string> => {
  const found: Array<string> = []
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(suffix)) found.push(path)
    }
  }
  walk("")
  return found.sort()
}

export const readYaml = (path: string): Record<string, unknown> => {
  const value: unknown = parse(readFileSync(path, "utf8"))
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${path}: not a mapping`)
  return value as Record<string, unknown>
}

/** YAML documents of one component folder of a pack (`actions`, `rules`, ...), keyed by file name. */
export const componentsOf = (pack: string, folder: string): Array<[string, Record<string, unknown>]> => {
  const dir = join(pack, folder)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name): [string, Record<string, unknown>] => [name, readYaml(join(dir, name))])
}
