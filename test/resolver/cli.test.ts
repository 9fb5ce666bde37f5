import * as fs from "node:fs"
import * as path from "node:path"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import { Effect, Either } from "effect"
import { CliFailure } from "../../src/cli/CliFailure.js"
import { maskEnv, resolveCommand, shellQuote } from "../../src/cli/commands/resolve.js"
import { PackCompiler } from "../../src/compiler/PackCompiler.js"
import { CORE_PACK, REPO_ROOT } from "../packs/support.js"
import { tempDir } from "./support.js"

/** Runs `packsmith resolve <args>` in this process; returns what it printed and how it ended. */
const runCli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const log = vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  const error = vi.spyOn(console, "error").mockImplementation((...parts: Array<unknown>) => void err.push(parts.join(" ")))
  const cli = Command.run(resolveCommand, { name: "packsmith", version: "test" })
  const outcome = await Effect.runPromise(Effect.either(cli(["node", "resolve", ...args])).pipe(Effect.provide(NodeContext.layer))).finally(() => {
    log.mockRestore()
    error.mockRestore()
  })
  const failure = Either.isLeft(outcome) && outcome.left instanceof CliFailure ? outcome.left : undefined
  return { stdout: out.join("\n"), stderr: err.join("\n"), exitCode: Either.isRight(outcome) ? 0 : failure?.exitCode ?? "other", failure }
}

const savedCwd = process.cwd()
const savedEnv = { ...process.env }
afterEach(() => {
  process.chdir(savedCwd)
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name]
  Object.assign(process.env, savedEnv)
})

/** Each run works in a fresh directory (its detection cache and materialized bundles land there). */
const inTempCwd = () => {
  const dir = tempDir("packsmith-cli-")
  process.chdir(dir)
  return dir
}

describe("packsmith resolve", () => {
  it("shell-quotes argv for display only", () => {
    expect(["/bin/sh", "a b", "it's", "x=1"].map(shellQuote).join(" ")).toBe(`/bin/sh 'a b' 'it'\\''s' x=1`)
  })

  it("prints the resolution as stable JSON, secrets as ****", async () => {
    inTempCwd()
    const { exitCode, stdout } = await runCli([
      "core.http_request", "--packs", CORE_PACK, "--param", "url=http://127.0.0.1:9/x", "--param", "auth_token=tok-in-argv-123",
      "--param", "timeout=5", "--execution-id", "e-1", "--json",
    ])
    expect(exitCode).toBe(0)
    expect(stdout).not.toContain("tok-in-argv-123")
    const document = JSON.parse(stdout)
    expect(Object.keys(document)).toEqual([
      "ok", "action", "pack", "execution_id", "argv", "cwd", "env", "parameter_delivery", "parameter_format", "stdin",
      "parameter_file", "secrets", "timeout_seconds", "runtime", "profile", "env_dir", "scratch_dir", "files", "explain",
      "env_masked",
    ])
    expect(document).toMatchObject({
      ok: true, action: "core.http_request", execution_id: "e-1", cwd: CORE_PACK, secrets: ["auth_token"], timeout_seconds: 330,
      stdin: { format: "json" },
    })
    expect(JSON.parse(document.stdin.content)).toMatchObject({ url: "http://127.0.0.1:9/x", auth_token: "****", timeout: 5, method: "GET" })
  })

  it("prints argv, cwd, env, timeout and, with --explain, the reasoning", async () => {
    inTempCwd()
    const { exitCode, stdout } = await runCli(["core.echo", "--packs", CORE_PACK, "--param", "message=hello world", "--explain"])
    expect(exitCode).toBe(0)
    expect(stdout).toContain(`argv     /bin/sh ${CORE_PACK}/actions/echo.sh`)
    expect(stdout).toContain("timeout  30 s")
    expect(stdout).toContain("message='hello world'")
    expect(stdout).toMatch(/explain\n\s+1\. action core\.echo \(pack core\) from the packs in /)
  })

  it("a resolution error exits 1 with the typed error's message; --json prints it", async () => {
    inTempCwd()
    const plain = await runCli(["core.ehco", "--packs", CORE_PACK])
    expect(plain.exitCode).toBe(1)
    expect(plain.failure?.message).toBe(`action core.ehco is not in the packs in ${CORE_PACK}; did you mean core.echo?`)
    const json = await runCli(["core.echo", "--packs", CORE_PACK, "--json"])
    expect(json.exitCode).toBe(1)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { tag: "InvalidParameters", message: "invalid parameters for core.echo: message is required", action: "core.echo", issues: [{ path: "message", message: "is required" }] },
    })
  })

  it("a policy file that is not there exits 3; a bad one exits 1; --packs with --bundle is a usage error", async () => {
    const dir = inTempCwd()
    expect((await runCli(["core.echo", "--packs", CORE_PACK, "--policy", "nope.yaml"])).exitCode).toBe(3)
    fs.writeFileSync(path.join(dir, "bad.yaml"), "runtimes: {deny: java}\n")
    const bad = await runCli(["core.echo", "--packs", CORE_PACK, "--policy", "bad.yaml"])
    expect(bad.exitCode).toBe(1)
    expect(bad.failure?.message).toBe("invalid host policy:\n  bad.yaml:1:18: runtimes.deny: Expected a list of strings, actual \"java\"")
    expect((await runCli(["core.echo", "--packs", CORE_PACK, "--bundle", "b.json"])).exitCode).toBe(2)
  })

  it("a policy denying the runtime exits 1 naming the rule and the file", async () => {
    const dir = inTempCwd()
    fs.writeFileSync(path.join(dir, "policy.yaml"), "runtimes:\n  deny: [shell]\n")
    const denied = await runCli(["core.echo", "--packs", CORE_PACK, "--policy", "policy.yaml", "--param", "message=x"])
    expect(denied.exitCode).toBe(1)
    expect(denied.failure?.message).toBe("core.shell is not allowed on this host by policy.yaml: runtimes.deny entry \"shell\" matches it (family shell)")
  })

  it("resolves from a bundle file, running from its materialized blobs", async () => {
    const dir = inTempCwd()
    const compiled = await Effect.runPromise(Effect.flatMap(PackCompiler, (c) => c.compile([path.join(REPO_ROOT, "packs")])).pipe(Effect.provide(PackCompiler.Default)))
    fs.writeFileSync(path.join(dir, "bundle.json"), JSON.stringify(compiled.bundle))
    const { exitCode, stdout } = await runCli(["core.echo", "--bundle", "bundle.json", "--params-json", `{"message":"from the bundle"}`, "--json"])
    expect(exitCode).toBe(0)
    const document = JSON.parse(stdout)
    const root = path.join(fs.realpathSync(dir), ".packsmith", "bundles", compiled.bundle.digest.slice("sha256:".length), "core")
    expect(fs.realpathSync(document.cwd)).toBe(root)
    expect(document.argv[1]).toBe(path.join(document.cwd, "actions", "echo.sh"))
    expect(fs.readFileSync(document.argv[1], "utf8")).toBe(fs.readFileSync(path.join(CORE_PACK, "actions", "echo.sh"), "utf8"))
    expect(fs.statSync(document.argv[1]).mode & 0o777).toBe(0o755)
  })

  describe("environment values passed through by policy", () => {
    const DATABASE_URL = "postgres://u:hunter2@h/db"
    const REDIS_URL = "redis://:s3cret-Redis@cache:6379/0"
    const passing = (dir: string) => {
      process.env["DATABASE_URL"] = DATABASE_URL
      process.env["REDIS_URL"] = REDIS_URL
      fs.writeFileSync(path.join(dir, "policy.yaml"), "environment:\n  passthrough: [PATH, DATABASE_URL, REDIS_URL]\n  set: {LOG_LEVEL: debug}\n")
      return ["core.echo", "--packs", CORE_PACK, "--policy", "policy.yaml", "--param", "message=x"]
    }

    it("are printed masked, in the text, the explanation and --json; the policy's own constants and packsmith's variables are not", async () => {
      const args = passing(inTempCwd())
      const text = await runCli([...args, "--explain"])
      expect(text.exitCode).toBe(0)
      for (const secret of ["hunter2", "s3cret-Redis"]) expect(text.stdout).not.toContain(secret)
      expect(text.stdout).toContain("DATABASE_URL=****")
      expect(text.stdout).toContain("REDIS_URL=****")
      expect(text.stdout).toContain("PATH=****")
      expect(text.stdout).toContain("LOG_LEVEL=debug")
      expect(text.stdout).toMatch(/PACKSMITH_EXEC_ID=\S+/)
      expect(text.stdout).toContain("(**** hides values from this host's environment and values named as credentials; --reveal shows them)")
      expect(text.stdout).toMatch(/\d+\. env: DATABASE_URL, PATH, REDIS_URL shown masked: /)

      const json = await runCli([...args, "--json"])
      expect(json.exitCode).toBe(0)
      for (const secret of ["hunter2", "s3cret-Redis"]) expect(json.stdout).not.toContain(secret)
      const document = JSON.parse(json.stdout)
      expect(document.env).toMatchObject({ DATABASE_URL: "****", REDIS_URL: "****", PATH: "****", LOG_LEVEL: "debug" })
      expect(document.env_masked).toEqual(["DATABASE_URL", "PATH", "REDIS_URL"])
    })

    it("are printed as they are with --reveal", async () => {
      const args = passing(inTempCwd())
      const text = await runCli([...args, "--reveal"])
      expect(text.exitCode).toBe(0)
      expect(text.stdout).toContain(`DATABASE_URL=${shellQuote(DATABASE_URL)}`)
      expect(text.stdout).toContain(`REDIS_URL=${shellQuote(REDIS_URL)}`)
      expect(text.stdout).not.toContain("****")
      const document = JSON.parse((await runCli([...args, "--reveal", "--json"])).stdout)
      expect(document.env).toMatchObject({ DATABASE_URL, REDIS_URL, PATH: process.env["PATH"] })
      expect(document.env_masked).toEqual([])
    })

    it("stay masked where a runtime's env_vars prepend or append to them", () => {
      const shown = maskEnv(
        { PATH: "/envs/p/bin:/usr/bin:/bin", CLASSPATH: "/opt/a.jar;/pack/lib/x.jar", API_TOKEN: "from-policy", TZ: "UTC" },
        { passedThrough: { PATH: "/usr/bin:/bin", CLASSPATH: "/opt/a.jar" } },
      )
      expect(shown).toEqual({
        env: { PATH: "/envs/p/bin:****", CLASSPATH: "****;/pack/lib/x.jar", API_TOKEN: "****", TZ: "UTC" },
        masked: ["PATH", "CLASSPATH", "API_TOKEN"],
      })
    })
  })
})
