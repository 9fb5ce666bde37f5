import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { runCli } from "./run.js"

interface Registration {
  readonly registered: ReadonlyArray<{ ref: string; family: string; template: string | null; binary: string }>
  readonly skipped: ReadonlyArray<{ family: string; providedBy?: string }>
  readonly warnings: ReadonlyArray<string>
}

const detectRegister = (env: NodeJS.ProcessEnv) => {
  const r = runCli(["runtime", "detect", "--register", "--json"], { env })
  expect(r.code, r.stderr).toBe(0)
  const doc = JSON.parse(r.stdout) as { runtimes: Array<{ family: string; path: string; realPath: string }>; registration: Registration }
  return doc
}

describe("packsmith runtime detect --register (embedded database)", () => {
  it("registers auto.<family> when nothing provides it, and nothing twice", () => {
    const env = { PACKSMITH_DATA_DIR: mkdtempSync(path.join(tmpdir(), "packsmith-autoreg-db-")), DATABASE_URL: "" }
    const first = detectRegister(env)
    const node = first.runtimes.find((r) => r.family === "node")!
    expect(first.registration.registered).toContainEqual(expect.objectContaining({ ref: "auto.node", template: null, binary: node.path }))
    const second = detectRegister(env)
    expect(second.registration.registered).toEqual([])
    expect(second.registration.skipped).toContainEqual(expect.objectContaining({ family: "node", providedBy: "auto.node" }))
  })

  it("registers nothing for a family whose core runtime runs the detected interpreter", () => {
    const env = { PACKSMITH_DATA_DIR: mkdtempSync(path.join(tmpdir(), "packsmith-autoreg-db-")), DATABASE_URL: "" }
    expect(runCli(["pack", "register", "packs"], { env }).code).toBe(0)
    const doc = detectRegister(env)
    expect(doc.registration.registered.map((r) => r.ref)).not.toContain("auto.node")
    expect(doc.registration.skipped).toContainEqual(expect.objectContaining({ family: "node", providedBy: "core.nodejs" }))
  })
})
