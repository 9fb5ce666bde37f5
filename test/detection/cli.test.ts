import * as path from "node:path"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { afterEach, beforeEach, describe, expect, it, vi } from "@effect/vitest"
import { Effect } from "effect"
import { runtimeCommand } from "../../src/cli/commands/runtime.js"
import { fakeHost } from "./stubs.js"

/** Runs `packsmith runtime <args>` with PATH set to a fake host's bin directory; returns what it printed. */
const runCli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const log = vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  const error = vi.spyOn(console, "error").mockImplementation((...parts: Array<unknown>) => void err.push(parts.join(" ")))
  const cli = Command.run(runtimeCommand, { name: "packsmith", version: "test" })
  await Effect.runPromise(cli(["node", "packsmith", ...args]).pipe(Effect.provide(NodeContext.layer))).finally(() => {
    log.mockRestore()
    error.mockRestore()
  })
  return { stdout: out.join("\n"), stderr: err.join("\n") }
}

describe("packsmith runtime detect", () => {
  const host = fakeHost()
  const savedPath = process.env.PATH
  beforeEach(() => {
    host.stub("bin/go", `echo 'go version go1.22.1 linux/amd64'`)
    host.stub("bin/php", `echo 'php: broken install' >&2; exit 1`)
    process.env.PATH = host.dir("bin")
  })
  afterEach(() => {
    process.env.PATH = savedPath
  })

  it("prints an aligned NAME VERSION PATH SOURCE table and the warnings on stderr", async () => {
    const { stderr, stdout } = await runCli(["detect", "--cache-dir", host.cacheDir, "--refresh"])
    const lines = stdout.split("\n")
    const header = lines[0]!
    expect(header.split(/\s+/)).toEqual(["NAME", "VERSION", "PATH", "SOURCE"])
    const go = lines.find((line) => line.startsWith("go "))!
    expect(go.split(/\s+/)).toEqual(["go", "1.22.1", path.join(host.root, "bin/go"), "path"])
    for (const column of ["VERSION", "PATH", "SOURCE"]) {
      const at = header.indexOf(column)
      expect(lines.slice(1).every((line) => line[at - 1] === " " && line[at] !== " ")).toBe(true)
    }
    expect(lines.some((line) => line.startsWith("php"))).toBe(false)
    expect(stderr).toContain("warning: ")
    expect(stderr).toContain("exited with code 1: php: broken install")
  })

  it("prints { runtimes, problems } with --json, answering from the cache the second time", async () => {
    await runCli(["detect", "--cache-dir", host.cacheDir])
    const { stderr, stdout } = await runCli(["detect", "--cache-dir", host.cacheDir, "--json"])
    const document = JSON.parse(stdout)
    expect(Object.keys(document)).toEqual(["runtimes", "problems"])
    expect(document.runtimes.find((r: { name: string }) => r.name === "go")).toEqual({
      family: "go",
      name: "go",
      path: path.join(host.root, "bin/go"),
      realPath: path.join(host.root, "bin/go"),
      version: "1.22.1",
      versionRaw: "go version go1.22.1 linux/amd64",
      source: "cache",
    })
    expect(document.problems).toEqual([
      expect.objectContaining({ kind: "exit-code", family: "php", path: path.join(host.root, "bin/php") }),
    ])
    expect(stderr).toBe("")
  })
})
