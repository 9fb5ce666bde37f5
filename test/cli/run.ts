/** Runs the built CLI (bin/packsmith.js -> dist/) as a user would, capturing exit code and output. */
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"

export const REPO = path.resolve(import.meta.dirname, "../..")
const BIN = path.join(REPO, "bin/packsmith.js")

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runCli = (args: ReadonlyArray<string>, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult => {
  if (!existsSync(path.join(REPO, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)")
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
