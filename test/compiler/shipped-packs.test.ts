import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { errorsOf, render, validate } from "./helpers.js"

const REPO = path.join(import.meta.dirname, "../..")
const CORE = path.join(REPO, "packs/core")
const ATTUNE_COMPAT = path.join(REPO, "test/fixtures/attune-compat")

describe("packs shipped with the repository", () => {
  it.skipIf(!fs.existsSync(path.join(CORE, "pack.yaml")))("packs/core compiles with zero errors", async () => {
    const report = await validate([CORE])
    expect(render(errorsOf(report.diagnostics))).toBe("")
    expect(report.packs).toContain("core")
  })

  it.skipIf(!fs.existsSync(ATTUNE_COMPAT))("the Attune-compatibility fixture compiles with zero errors", async () => {
    const report = await validate([ATTUNE_COMPAT, CORE])
    expect(render(errorsOf(report.diagnostics))).toBe("")
  })
})
