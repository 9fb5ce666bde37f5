/**
 * The packages that appear in packsmith's public types are peer dependencies, so a program and packsmith share
 * one copy (two copies of `effect` fail at run time: `self.build is not a function`). Read from the built
 * declarations the package ships, checked against package.json and package-lock.json; nothing is downloaded.
 */
import { existsSync, readFileSync } from "node:fs"
import * as path from "node:path"
import semver from "semver"
import { describe, expect, it } from "vitest"
import { readManifest, REPO } from "./install.js"

const manifest = readManifest(REPO) as ReturnType<typeof readManifest> & {
  readonly devDependencies?: Readonly<Record<string, string>>
  readonly exports: { readonly ".": { readonly types: string } }
}
const peers: Readonly<Record<string, string>> = manifest.peerDependencies ?? {}

/** `@effect/sql/SqlClient` -> `@effect/sql`, `effect/Brand` -> `effect`; undefined for Node's own modules. */
const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith("node:")) return undefined
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}

/** Every package a declaration file reachable from the package's `types` entry imports. */
const packagesInPublicTypes = (): ReadonlyArray<string> => {
  const entry = path.join(REPO, manifest.exports["."].types)
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm test does)`)
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"([^"]+)"/g)) {
      if (specifier === undefined) continue
      if (specifier.startsWith(".")) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".d.ts")))
      else {
        const name = packageOf(specifier)
        if (name !== undefined) packages.add(name)
      }
    }
  }
  visit(entry)
  return [...packages].sort()
}

const lockedPeerRanges = (name: string): ReadonlyArray<readonly [string, string]> => {
  const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as {
    readonly packages: Readonly<Record<string, { readonly peerDependencies?: Readonly<Record<string, string>> }>>
  }
  return Object.entries(lock.packages).flatMap(([key, entry]) => {
    const range = entry.peerDependencies?.[name]
    return key !== "" && range !== undefined ? [[key, range] as const] : []
  })
}

describe("peer dependencies", () => {
  it("are exactly the packages the public declarations import", () => {
    expect(Object.keys(peers).sort()).toEqual(packagesInPublicTypes())
  })

  it("are not also plain dependencies, and the build and tests pin a version inside each range", () => {
    for (const [name, range] of Object.entries(peers)) {
      expect(manifest.dependencies?.[name], name).toBeUndefined()
      const pinned = manifest.devDependencies?.[name]
      expect(semver.valid(pinned ?? ""), `${name} is pinned exactly in devDependencies`).not.toBeNull()
      expect(semver.satisfies(pinned ?? "", range), `${name}@${pinned} satisfies ${range}`).toBe(true)
    }
  })

  it("end before the next breaking release: effect 4, and the next minor of a 0.x package", () => {
    expect(semver.satisfies("4.0.0", peers["effect"] ?? "*")).toBe(false)
    for (const [name, range] of Object.entries(peers)) {
      const floor = semver.minVersion(range)
      expect(floor, name).not.toBeNull()
      if (floor === null) continue
      const nextBreaking = floor.major === 0 ? `0.${floor.minor + 1}.0` : `${floor.major + 1}.0.0`
      expect(semver.satisfies(nextBreaking, range), `${name} ${range} excludes ${nextBreaking}`).toBe(false)
    }
  })

  it("claim no version that a dependency installed beside them refuses (the @effect packages move in lockstep)", () => {
    for (const [name, range] of Object.entries(peers)) {
      for (const [dependent, theirs] of lockedPeerRanges(name)) {
        expect(semver.subset(range, theirs), `${name} ${range} within ${dependent}'s ${theirs}`).toBe(true)
      }
    }
  })
})
