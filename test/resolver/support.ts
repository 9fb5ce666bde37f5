/**
 * Small worlds for resolver tests: packs written to a temporary directory, components built directly (so a test
 * shows exactly the field it is about), a fake detection report, and a policy parsed from YAML text.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import type { Action } from "../../src/domain/Action.js"
import type { BundleEnvelope, PackBundle } from "../../src/domain/Bundle.js"
import { DetectedRuntime, DetectionReport, TemplateVerification } from "../../src/domain/Detection.js"
import type { HostPolicy } from "../../src/domain/HostPolicy.js"
import type { ResolvedExecution } from "../../src/domain/Resolution.js"
import type { Runtime } from "../../src/domain/Runtime.js"
import type { RuntimeProfile } from "../../src/domain/RuntimeProfile.js"
import { splitRef } from "../../src/domain/Refs.js"
import { ComponentSource } from "../../src/services/ComponentSource.js"
import { parseHostPolicy } from "../../src/services/HostPolicy.js"
import { type ResolveRequest, RuntimeResolver } from "../../src/services/RuntimeResolver.js"

const created: Array<string> = []
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

export const tempDir = (prefix = "packsmith-resolver-"): string => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  created.push(dir)
  return dir
}

/** Writes files (path relative to `root`) and returns `root`. */
export const writeFiles = (root: string, files: Readonly<Record<string, string | { content: string; mode: number }>>): string => {
  for (const [relative, file] of Object.entries(files)) {
    const target = path.join(root, relative)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    const { content, mode } = typeof file === "string" ? { content: file, mode: 0o644 } : file
    fs.writeFileSync(target, content, { mode })
    fs.chmodSync(target, mode)
  }
  return root
}

export const runtime = (ref: string, fields: Partial<Runtime> = {}): Runtime => ({
  ref,
  pack_ref: splitRef(ref).pack,
  name: splitRef(ref).name,
  aliases: [],
  distributions: {},
  execution_config: {},
  versions: [],
  ...fields,
})

export const action = (ref: string, fields: Partial<Action> = {}): Action => {
  const { name, pack } = splitRef(ref)
  return {
    ref,
    pack,
    name,
    label: name,
    enabled: true,
    runtime: "t.shell",
    entry_point: { kind: "file", value: "run.sh", path: "actions/run.sh" },
    parameters: { type: "object", properties: {} },
    parameter_delivery: "stdin",
    parameter_format: "json",
    output_format: "text",
    accesses_mcp: false,
    tags: [],
    ...fields,
  }
}

export const profile = (ref: string, fields: Partial<RuntimeProfile> = {}): RuntimeProfile => ({
  ref,
  pack: splitRef(ref).pack,
  display_name: splitRef(ref).name,
  runtime: "t.shell",
  command_name: "sh",
  fixed_args: [],
  env: {},
  enabled: true,
  tags: [],
  ...fields,
})

/** The shell runtime most tests run on: `sh` from the fake report. */
export const SHELL = runtime("t.shell", {
  name: "Shell",
  aliases: ["shell", "bash", "sh"],
  execution_config: { interpreter: { binary: "sh", args: [], file_extension: ".sh" } },
})

/**
 * A bundle holding the given components. Only what the ComponentSource reads is filled in (manifests and
 * the file table are not), which is why it is cast.
 */
export const bundleOf = (components: {
  readonly actions?: ReadonlyArray<Action>
  readonly runtimes?: ReadonlyArray<Runtime>
  readonly profiles?: ReadonlyArray<RuntimeProfile>
}): BundleEnvelope => {
  const packs: Record<string, Partial<PackBundle> & { actions: Record<string, Action>; runtimes: Record<string, Runtime>; profiles: Record<string, RuntimeProfile> }> = {}
  const packOf = (ref: string) => (packs[splitRef(ref).pack] ??= { actions: {}, runtimes: {}, profiles: {} })
  for (const a of components.actions ?? []) packOf(a.ref).actions[a.ref] = a
  for (const r of components.runtimes ?? [SHELL]) packOf(r.ref).runtimes[r.ref] = r
  for (const p of components.profiles ?? []) packOf(p.ref).profiles[p.ref] = p
  return {
    format: "packsmith.bundle/v1",
    digest: `sha256:${"0".repeat(64)}`,
    body: { format: "packsmith.bundle/v1", packs, files: {} },
  } as unknown as BundleEnvelope
}

export const detected = (
  family: string,
  name: string,
  file: string,
  version: string | null,
  extra: { readonly realPath?: string; readonly viaShim?: boolean; readonly source?: DetectedRuntime["source"] } = {},
): DetectedRuntime =>
  new DetectedRuntime({
    family,
    name,
    path: file,
    realPath: extra.realPath ?? file,
    version,
    source: extra.source ?? "path",
    ...(extra.viaShim === undefined ? {} : { viaShim: extra.viaShim }),
  })

export const report = (runtimes: ReadonlyArray<DetectedRuntime>, templates: ReadonlyArray<TemplateVerification> = []): DetectionReport =>
  new DetectionReport({ runtimes, templates, problems: [] })

/** A host with a real POSIX shell and a fake python 3.11.7. */
export const HOST = report([
  detected("shell", "sh", "/bin/sh", null),
  detected("python", "python3", "/opt/py/bin/python3", "3.11.7", { realPath: "/opt/py/bin/python3.11" }),
])

export const policyOf = (yaml: string, file = "policy.yaml"): HostPolicy =>
  Either.getOrElse(parseHostPolicy(yaml, file), (error) => {
    throw new Error(error.message)
  })

export const DEFAULT_POLICY = policyOf("")

/** A pack directory `<root>/<pack>` per pack of the bundle, with the given files; returns the pack dirs. */
export const packDirsFor = (root: string, files: Readonly<Record<string, Readonly<Record<string, string | { content: string; mode: number }>>>>) =>
  Object.fromEntries(Object.entries(files).map(([pack, packFiles]) => [pack, writeFiles(path.join(root, pack), packFiles)]))

export interface World {
  readonly bundle: BundleEnvelope
  readonly packDirs: Readonly<Record<string, string>>
}

/** The `t` pack with an executable actions/run.sh, and every component given. */
export const world = (components: Parameters<typeof bundleOf>[0], files: Readonly<Record<string, string | { content: string; mode: number }>> = {}): World => {
  const root = tempDir()
  return {
    bundle: bundleOf(components),
    packDirs: packDirsFor(root, { t: { "actions/run.sh": { content: "#!/bin/sh\necho run\n", mode: 0o755 }, ...files } }),
  }
}

export const resolveIn = (w: World, request: Omit<ResolveRequest, "capabilities" | "policy"> & Partial<Pick<ResolveRequest, "capabilities" | "policy">>) =>
  Effect.flatMap(RuntimeResolver, (resolver) =>
    resolver.resolve({
      capabilities: HOST,
      policy: DEFAULT_POLICY,
      workerEnv: { PATH: "/usr/bin:/bin" },
      executionId: "exec-1",
      scratchRoot: tempDir("packsmith-scratch-"),
      ...request,
    })).pipe(Effect.provide(RuntimeResolver.Default.pipe(Layer.provide(ComponentSource.fromBundle(w.bundle, { packDirs: w.packDirs })))))

export const deliverIn = (w: World, ...args: Parameters<RuntimeResolver["deliver"]>) =>
  Effect.flatMap(RuntimeResolver, (resolver) => resolver.deliver(...args)).pipe(
    Effect.provide(RuntimeResolver.Default.pipe(Layer.provide(ComponentSource.fromBundle(w.bundle, { packDirs: w.packDirs })))),
  )

export interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a resolved execution the way the executor does: the scratch directory with HOME and the materialized
 * files, the parameter document on stdin (or in the parameter file), exactly argv, cwd and env.
 */
export const execute = async (resolved: ResolvedExecution, delivered: string): Promise<RunResult> => {
  fs.mkdirSync(path.join(resolved.scratchDir, "home"), { recursive: true, mode: 0o700 })
  for (const file of resolved.files) fs.writeFileSync(file.path, file.content, { mode: file.mode })
  if (resolved.parameterFile !== null) fs.writeFileSync(resolved.parameterFile.path, delivered, { mode: 0o400 })
  const [command, ...args] = resolved.argv
  return await new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command!, args, { cwd: resolved.cwd, env: { ...resolved.env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), resolved.timeoutSeconds * 1000)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.on("error", () => undefined)
    child.stdin.end(resolved.stdin === null ? "" : delivered)
  }).finally(() => fs.rmSync(resolved.scratchDir, { recursive: true, force: true }))
}
