import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either } from "effect"
import { PackCompiler } from "../../src/compiler/index.js"
import type { Diagnostic } from "../../src/domain/Diagnostic.js"

export const FIXTURES = path.join(import.meta.dirname, "fixtures")

export const tempDir = (prefix = "packsmith-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

/** Writes files (path -> content; a `mode` suffix is not used: set modes with chmod afterwards). */
export const writeFiles = (root: string, files: Record<string, string | Buffer>): string => {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.writeFileSync(abs, content)
  }
  return root
}

export const copyDir = (from: string, to: string): string => {
  fs.cpSync(from, to, { recursive: true })
  return to
}

export const validate = (paths: ReadonlyArray<string>) =>
  Effect.runPromise(Effect.flatMap(PackCompiler, (c) => c.validate(paths)).pipe(Effect.provide(PackCompiler.Default)))

export const compileEither = (paths: ReadonlyArray<string>) =>
  Effect.runPromise(Effect.either(Effect.flatMap(PackCompiler, (c) => c.compile(paths))).pipe(Effect.provide(PackCompiler.Default)))

export const compileOk = async (paths: ReadonlyArray<string>) => {
  const result = await compileEither(paths)
  if (Either.isLeft(result)) throw new Error(`compile failed:\n${render(result.left.diagnostics)}`)
  return result.right
}

export const render = (diagnostics: ReadonlyArray<Diagnostic>): string =>
  diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`).join("\n")

export const errorsOf = (diagnostics: ReadonlyArray<Diagnostic>) => diagnostics.filter((d) => d.severity === "error")

/** A minimal core pack (runtimes + one action) that other fixtures depend on. */
export const MINI_CORE: Record<string, string> = {
  "core/pack.yaml": 'ref: core\nversion: "1.0.0"\n',
  "core/runtimes/shell.yaml": "ref: core.shell\nname: Shell\naliases: [shell, bash, sh]\n",
  "core/runtimes/native.yaml": "ref: core.native\nname: Native\n",
  "core/runtimes/python.yaml": "ref: core.python\nname: Python\n",
  "core/actions/echo.yaml": "ref: core.echo\nentry_point: echo.sh\nparameters:\n  message: {type: string, required: true}\n",
  "core/actions/echo.sh": "#!/bin/sh\ncat\n",
}
