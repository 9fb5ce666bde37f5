/**
 * Every way a bundle enters refuses a hand-made one, as a user runs it (the built CLI): `bundle inspect`,
 * `pack register bundle.json` and `resolve --bundle` exit 1 naming the JSON pointer, and nothing is written:
 * no revision in the database, no file materialized.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { CliResult } from "../cli/run.js"
import { compileBundle, HOSTILE_CASES, plain, REPO, resealed, SHIPPED_PACKS, type BundleJson } from "./hostile.js"

const root = mkdtempSync(path.join(tmpdir(), "packsmith-bundle-entry-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
// DATABASE_URL is cleared so the embedded database is used even when the suite runs against PostgreSQL.
const env = { PACKSMITH_DATA_DIR: path.join(root, "data"), DATABASE_URL: "", NO_COLOR: "1" }

/** The built CLI in `root`, without blocking the test worker. */
const cli = (...args: Array<string>): Promise<CliResult> => {
  if (!existsSync(path.join(REPO, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)")
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO, "bin/packsmith.js"), ...args], {
      cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }))
  })
}

describe("a hand-made bundle is refused at every entry, and nothing is written", () => {
  let compiled: BundleJson
  beforeAll(async () => {
    compiled = plain(await compileBundle([SHIPPED_PACKS]))
    writeFileSync(path.join(root, "untouched.json"), JSON.stringify(compiled))
  }, 60_000)

  it("the untouched bundle passes every entry (what the refusals below are measured against)", async () => {
    const inspect = await cli("bundle", "inspect", "untouched.json")
    expect(inspect.stdout).toContain("(verified)")
    expect(inspect.code).toBe(0)
    const resolved = await cli("resolve", "core.echo", "--bundle", "untouched.json", "--param", "message=x", "--json")
    expect(resolved.code).toBe(0)
    expect(JSON.parse(resolved.stdout).argv[1]).toMatch(/\/\.packsmith\/bundles\/[0-9a-f]{64}\/core\/actions\/echo\.sh$/)
    rmSync(path.join(root, ".packsmith"), { recursive: true, force: true })
  }, 120_000)

  for (const hostile of HOSTILE_CASES) {
    it(`${hostile.name}: exit 1 naming ${hostile.pointer}`, async () => {
      const file = `${hostile.name.replace(/[^a-z0-9]+/gi, "-")}.json`
      writeFileSync(path.join(root, file), JSON.stringify(resealed(compiled, hostile.edit)))
      // One register at a time (the data directory is held by one process); the other entries beside it.
      const [inspect, resolved, registered] = await Promise.all([
        cli("bundle", "inspect", file),
        cli("resolve", "core.echo", "--bundle", file, "--param", "message=x"),
        cli("pack", "register", file),
      ])
      for (const [entry, result] of [["bundle inspect", inspect], ["resolve --bundle", resolved], ["pack register", registered]] as const) {
        expect(result.stderr, entry).toContain(hostile.pointer)
        expect(result.stderr, entry).toContain("invalid bundle")
        expect(result.code, entry).toBe(1)
      }
      expect(existsSync(path.join(root, ".packsmith", "bundles")), "resolve --bundle materialized files").toBe(false)
    }, 120_000)
  }

  it("the database holds no pack and no revision afterwards", async () => {
    const packs = await cli("pack", "list", "--json")
    expect(packs.code).toBe(0)
    expect(JSON.parse(packs.stdout)).toEqual({ workspace: "default", packs: [] })
    const bundles = await cli("bundle", "list", "--json")
    expect(JSON.parse(bundles.stdout)).toEqual({ workspace: "default", bundles: [] })
  }, 60_000)
})
