/** Finding executables on this host by stat, never by running a shell (`which`, `command -v`). */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect, Option } from "effect"

/** Whether `file` is a regular file this process may execute (symlinks followed). */
export const isExecutableFile = (file: string): Effect.Effect<boolean> =>
  Effect.promise(() =>
    fs.stat(file).then(
      (stat) => stat.isFile() ? fs.access(file, fs.constants.X_OK).then(() => true, () => false) : false,
      () => false,
    ))

export const fileExists = (file: string): Effect.Effect<"file" | "other" | "missing"> =>
  Effect.promise(() => fs.stat(file).then((s) => (s.isFile() ? "file" : "other"), () => "missing" as const))

/** The directories of a PATH value, in order, relative and empty entries dropped. */
export const pathDirectories = (path: string | undefined): ReadonlyArray<string> =>
  (path ?? "").split(nodePath.delimiter).filter((dir) => dir !== "" && nodePath.isAbsolute(dir))

/** The first executable named `name` on PATH, as an absolute path. */
export const findOnPath = (name: string, path: string | undefined): Effect.Effect<Option.Option<string>> =>
  Effect.gen(function* () {
    if (name === "" || name.includes("/")) return Option.none()
    for (const dir of pathDirectories(path)) {
      const candidate = nodePath.join(dir, name)
      if (yield* isExecutableFile(candidate)) return Option.some(candidate)
    }
    return Option.none()
  })
