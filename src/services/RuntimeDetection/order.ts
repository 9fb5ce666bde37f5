/**
 * The order in which families are probed. Detection takes as long as its slowest probe, and on a host with
 * few cores every probe started beside it slows it down, so the slowest starts first and as early as possible.
 */
import { detectKey } from "./cache.js"
import { type LocatedBinary, looksLikeShim } from "./examine.js"
import type { FamilySpec } from "./families.js"
import type { DetectionRun } from "./run.js"

/**
 * How long a family that no detection has timed yet will probably take: a version-manager shim runs a chain
 * of scripts (~60 ms for pyenv), the JVM starts up (~35 ms), other interpreters answer in a few milliseconds.
 * Binaries answered from the cache cost nothing.
 */
export const guessMillis = (run: DetectionRun, spec: FamilySpec, binaries: ReadonlyArray<LocatedBinary>): number =>
  Math.max(0, ...binaries.map((binary) =>
    run.cached.has(detectKey(binary.realPath, binary.name)) ? 0
    : looksLikeShim(spec, binary) ? 60
    : spec.family === "java" ? 35
    : 5))

/** Slowest expected first; families expected to take as long keep their report order. */
export const startOrder = (
  specs: ReadonlyArray<FamilySpec>,
  expectedMillis: (spec: FamilySpec) => number,
): ReadonlyArray<FamilySpec> =>
  specs.map((spec) => ({ spec, millis: expectedMillis(spec) }))
    .sort((a, b) => b.millis - a.millis)
    .map(({ spec }) => spec)
