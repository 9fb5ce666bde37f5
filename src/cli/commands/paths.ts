/** The `[paths..]` argument shared by validate and compile: pack directories or folders of packs. */
import { Args } from "@effect/cli"

export const packPaths = Args.text({ name: "path" }).pipe(
  Args.withDescription("A pack directory (with pack.yaml) or a folder of packs; default: packs"),
  Args.repeated,
)

export const orDefaultPaths = (paths: ReadonlyArray<string>): ReadonlyArray<string> => paths.length > 0 ? paths : ["packs"]
