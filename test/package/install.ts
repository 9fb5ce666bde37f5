/**
 * Installs the packed package into a project outside the repository the way npm would lay it out, without
 * downloading: packsmith from its tarball, and what npm would install beside it (its dependencies and peers,
 * transitively, at the versions package-lock.json records) hard-linked from this repository's node_modules.
 * Nothing else of the repository (its devDependencies, such as @types/pg) is reachable from the project.
 */
import { execFile } from "node:child_process"
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs"
import * as path from "node:path"

export const REPO = path.resolve(import.meta.dirname, "../..")

/** Children get a minimal environment: no DATABASE_URL or other secret of the test run. */
export const childEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env["PATH"] ?? "", NO_COLOR: "1" })

interface LockEntry {
  readonly version?: string
  readonly dependencies?: Readonly<Record<string, string>>
  readonly optionalDependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>
}

interface Manifest extends LockEntry {
  readonly name: string
  readonly version: string
}

export const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest

export interface Finished {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command to its end without blocking the event loop (a test worker that blocks for a minute misses
 * its runner's calls). Resolves with the exit status and output, whatever the status.
 */
export const runAsync = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv },
) =>
  new Promise<Finished>((resolve) => {
    const settings = { cwd: options.cwd, env: options.env ?? childEnv(), encoding: "utf8", timeout: 170_000, maxBuffer: 16 << 20 } as const
    execFile(command, [...args], settings, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : null
      // Killed (the timeout) or never started: the reason goes with the output.
      resolve({ status, stdout, stderr: error !== null && status === null ? `${stderr}${error.message}` : stderr })
    })
  })

/** Runs a tool that must succeed; `home` keeps npm's cache and logs out of the user's. */
const run = async (command: string, args: ReadonlyArray<string>, cwd: string, home: string): Promise<string> => {
  const result = await runAsync(command, args, { cwd, env: { ...childEnv(), HOME: home } })
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}`)
  return result.stdout
}

/** `npm pack` of the built package (scripts skipped: the build must already be there) into `dir`; the tarball's path. */
export const packPackage = async (dir: string): Promise<string> => {
  if (!existsSync(path.join(REPO, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)")
  const output = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], REPO, dir)
  const packed = JSON.parse(output) as ReadonlyArray<{ readonly filename: string }>
  const filename = packed[0]?.filename
  if (filename === undefined) throw new Error("npm pack reported no tarball")
  return path.join(dir, filename)
}

/** Every file of `from` hard-linked at `to` (copied where the two are on different file systems). */
const linkTree = (from: string, to: string): void => {
  mkdirSync(to, { recursive: true })
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory()) linkTree(source, target)
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target)
    else {
      try {
        linkSync(source, target)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error
        copyFileSync(source, target)
      }
    }
  }
}

/** What npm installs for a package: each name with whether it may be absent (platform-specific optionals). */
const requirements = (entry: LockEntry): ReadonlyArray<readonly [name: string, optional: boolean]> => [
  ...Object.keys(entry.dependencies ?? {}).map((name) => [name, false] as const),
  ...Object.keys(entry.optionalDependencies ?? {}).map((name) => [name, true] as const),
  ...Object.keys(entry.peerDependencies ?? {})
    .filter((name) => entry.peerDependenciesMeta?.[name]?.optional !== true)
    .map((name) => [name, false] as const),
]

/**
 * Lays out `<project>/node_modules`: packsmith extracted from `tarball`, then what it requires, found as Node
 * finds a package (the nearest `node_modules/<name>` above the requiring one in the lockfile's tree), plus
 * `own`: the project's own dependencies (typescript, @types/node, ...). Returns the packages installed.
 */
export const installFromTarball = async (project: string, tarball: string, own: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const lock = (JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages
  const packageDir = path.join(project, "node_modules/packsmith")
  mkdirSync(packageDir, { recursive: true })
  await run("tar", ["xzf", tarball, "-C", packageDir, "--strip-components=1"], project, project)

  const installed = (key: string) => lock[key] !== undefined && existsSync(path.join(REPO, key))
  const locate = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const key = `${base === "" ? "" : `${base}/`}node_modules/${name}`
      if (installed(key)) return key
      if (base === "") return undefined
      const cut = base.lastIndexOf("/node_modules/")
      base = cut < 0 ? "" : base.slice(0, cut)
    }
  }
  const keys = new Set<string>()
  const queue: Array<readonly [from: string, name: string, optional: boolean]> = [
    ...requirements(readManifest(packageDir)).map(([name, optional]) => ["", name, optional] as const),
    ...own.map((name) => ["", name, false] as const),
  ]
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const [from, name, optional] = next
    const key = locate(from, name)
    if (key === undefined) {
      if (optional) continue
      throw new Error(`${name} (required by ${from === "" ? "the project" : from}) is not in this repository's node_modules`)
    }
    if (keys.has(key)) continue
    keys.add(key)
    for (const [dependency, optionalDependency] of requirements(lock[key] ?? {})) queue.push([key, dependency, optionalDependency])
  }
  // Nested packages come along inside the top-level one that holds them.
  const topLevel = [...keys].filter((key) => !key.slice("node_modules/".length).includes("/node_modules/"))
  for (const key of topLevel) linkTree(path.join(REPO, key), path.join(project, key))
  return topLevel.map((key) => key.slice("node_modules/".length)).sort()
}
