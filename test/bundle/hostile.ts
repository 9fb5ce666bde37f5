/**
 * Bundles the compiler makes, and hand-made ones: a compiled bundle edited and its digest recomputed, as
 * anyone can. Each hostile case names the pointer the verifier must report.
 */
import * as path from "node:path"
import { Effect } from "effect"
import { PackCompiler } from "../../src/compiler/index.js"
import { type BundleEnvelope, computeBundleDigest } from "../../src/domain/Bundle.js"

export const REPO = path.resolve(import.meta.dirname, "../..")
export const SHIPPED_PACKS = path.join(REPO, "packs")
export const CORE_PACK = path.join(SHIPPED_PACKS, "core")

export const compileBundle = (paths: ReadonlyArray<string>): Promise<BundleEnvelope> =>
  Effect.runPromise(Effect.flatMap(PackCompiler, (compiler) => compiler.compile(paths)).pipe(Effect.provide(PackCompiler.Default)))
    .then((compiled) => compiled.bundle)

/** A bundle as plain, editable JSON (as it arrives from a file or an upload). */
export type BundleJson = Record<string, any>

export const plain = (bundle: unknown): BundleJson => JSON.parse(JSON.stringify(bundle))

/** A copy of `bundle` edited by `edit`, with the digest recomputed over the edited body. */
export const resealed = (bundle: unknown, edit: (body: BundleJson, envelope: BundleJson) => void): BundleJson => {
  const copy = plain(bundle)
  edit(copy["body"], copy)
  copy["digest"] = computeBundleDigest(copy["body"])
  return copy
}

/** Sets an own member, `__proto__` included (assigning that one would set the prototype instead). */
export const defineMember = (record: object, key: string, value: unknown): void => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
}

export interface HostileCase {
  readonly name: string
  readonly edit: (body: BundleJson) => void
  /** A pointer the verifier must name. */
  readonly pointer: string
}

/** The hand-made bundles seen accepted before the verifier checked the compiler's invariants. Edits of packs/ compiled. */
export const HOSTILE_CASES: ReadonlyArray<HostileCase> = [
  {
    name: "an entry point out of its pack, to /etc/passwd",
    edit: (body) => {
      body.packs.core.actions["core.echo"].entry_point = { kind: "file", value: "echo.sh", path: "../../../../../../../../etc/passwd" }
    },
    pointer: "/body/packs/core/actions/core.echo/entry_point/path",
  },
  {
    name: "a file-table key that climbs out of its pack",
    edit: (body) => {
      body.files["core/../../../../etc/cron.d/x"] = body.files["core/actions/echo.sh"]
    },
    pointer: "/body/files/core~1..~1..~1..~1..~1etc~1cron.d~1x",
  },
  {
    name: "an absolute file-table key",
    edit: (body) => {
      body.files["/etc/cron.d/evil"] = body.files["core/actions/echo.sh"]
    },
    pointer: "/body/files/~1etc~1cron.d~1evil",
  },
  {
    name: "a literal secret default",
    edit: (body) => {
      body.packs.core.actions["core.http_request"].parameters.properties.auth_token.default = "hunter2"
    },
    pointer: "/body/packs/core/actions/core.http_request/parameters/properties/auth_token/default",
  },
  {
    name: "a runtime that does not exist",
    edit: (body) => {
      body.packs.core.actions["core.echo"].runtime = "core.ghost"
    },
    pointer: "/body/packs/core/actions/core.echo/runtime",
  },
  {
    name: "a ref in the wrong pack",
    edit: (body) => {
      const actions = body.packs.core.actions
      actions["evil.echo"] = { ...actions["core.echo"], ref: "evil.echo", pack: "evil" }
      delete actions["core.echo"]
    },
    pointer: "/body/packs/core/actions/evil.echo",
  },
  {
    name: "a __proto__ key",
    edit: (body) => {
      defineMember(body.packs.core.actions, "__proto__", body.packs.core.actions["core.echo"])
    },
    pointer: "/body/packs/core/actions/__proto__",
  },
]
