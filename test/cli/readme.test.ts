import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { REPO, runCli } from "./run.js"

describe("README", () => {
  it("opens with the set-up command and the test command", () => {
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8")
    const firstBlock = readme.split("```")[1] ?? ""
    expect(firstBlock).toContain("npm ci && npm start")
    expect(firstBlock).toContain("npm test")
  })

  it("shows the programmatic example that examples/compile.ts runs, and it prints the CLI's digest", () => {
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8")
    const section = readme.slice(readme.indexOf("## Use it from a program"))
    const example = section.slice(section.indexOf("```ts\n") + 6, section.indexOf("```", section.indexOf("```ts\n") + 6))
    expect(readFileSync(path.join(REPO, "examples/compile.ts"), "utf8")).toBe(example)

    const run = spawnSync(process.execPath, ["--import", "tsx", "examples/compile.ts"], { cwd: REPO, encoding: "utf8", timeout: 60_000 })
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const cli = runCli(["compile", "packs", "-o", path.join(REPO, "node_modules/.cache/readme-bundle.json")])
    expect(run.stdout).toContain(`${cli.stdout.trim()} [ 'core' ]`)
  })
})
