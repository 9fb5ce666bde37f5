/**
 * Interpreters that registered runtimes name for their `versions[]` entries (`python3.12` beside `python3`,
 * `/opt/node20/bin/node`): the family search looks only for a family's usual names, so each of these is found
 * on PATH (or at its absolute path) and probed like the family's own binaries, cache included. The resolver
 * can then select a versions[] entry by the version its interpreter actually reports.
 */
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import type { DetectedRuntime } from "../../domain/Detection.js"
import { interpreterBinary, type Runtime } from "../../domain/Runtime.js"
import { binaryFamily, runtimeFamilyOf } from "../../domain/RuntimeFamily.js"
import { detectFamily, type LocatedBinary } from "./examine.js"
import { familySpec, type FamilySpec } from "./families.js"
import { findExecutable, findOnPath, realPathOf } from "./locate.js"
import { type DetectionRun, warnLookup } from "./run.js"
import { templateFamily } from "./templates.js"

export interface VersionBinary {
  readonly spec: FamilySpec
  /** As the versions[] entry writes it: a name looked up on PATH, or an absolute path. */
  readonly binary: string
}

/**
 * Each binary a template's versions[] entries name that the family search does not already look for, once,
 * with the family whose probe reads its version: the template's family, else the binary's own (`ruby3.3`).
 */
export const versionBinaries = (templates: ReadonlyArray<Runtime>): ReadonlyArray<VersionBinary> => {
  const seen = new Set<string>()
  const out: Array<VersionBinary> = []
  for (const template of templates) {
    for (const entry of template.versions) {
      const binary = entry.execution_config === undefined ? undefined : interpreterBinary(entry.execution_config)
      if (binary === undefined) continue
      const family = runtimeFamilyOf(templateFamily(template)) ?? binaryFamily(binary)
      const spec = family === undefined ? undefined : familySpec(family)
      if (spec === undefined) continue
      const searched = !binary.includes("/") && spec.names.includes(binary)
      const key = `${spec.family}\u0000${binary}`
      if (searched || seen.has(key)) continue
      seen.add(key)
      out.push({ spec, binary })
    }
  }
  return out
}

/** The interpreter behind one versions[] binary, probed; none when it is not on this host. */
export const detectVersionBinary = (run: DetectionRun, { binary, spec }: VersionBinary): Effect.Effect<ReadonlyArray<DetectedRuntime>> =>
  Effect.gen(function* () {
    const name = nodePath.basename(binary)
    let found: Option.Option<{ readonly path: string; readonly stamp: LocatedBinary["stamp"] }>
    if (binary.includes("/")) {
      const absolute = yield* Effect.either(findExecutable(run.caller, nodePath.resolve(binary)))
      if (Either.isLeft(absolute)) {
        yield* warnLookup(run, absolute.left, spec.family)
        return []
      }
      found = absolute.right
    } else {
      // A PATH entry that cannot be searched is reported by the family search already.
      found = (yield* findOnPath(run.caller, name, run.directories)).found
    }
    if (Option.isNone(found)) return []
    const realPath = yield* Effect.either(realPathOf(found.value.path))
    if (Either.isLeft(realPath)) {
      yield* warnLookup(run, realPath.left, spec.family)
      return []
    }
    const located: LocatedBinary = { name, path: found.value.path, realPath: realPath.right, stamp: found.value.stamp }
    return (yield* detectFamily(run, spec, [located])).runtimes
  })
