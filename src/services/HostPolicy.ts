/**
 * Reads the host policy file: YAML, strictly decoded (unknown keys are errors with their key path, line and
 * column), then checked for rules a schema cannot say (reserved variables, secrets kept out of the environment).
 * No file at the default location means the default policy; a file named explicitly must exist.
 */
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { Effect, Either, ParseResult, Schema } from "effect"
import { closest, distance } from "fastest-levenshtein"
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml"
import {
  DEFAULT_POLICY_FILE,
  ENV_NAME_PATTERN,
  fromFile,
  defaultHostPolicy,
  type HostPolicy,
  HostPolicyFile,
  HostPolicyNotFound,
  InvalidHostPolicy,
  type PolicyIssue,
  RESERVED_ENV_PREFIX,
  SECRET_NAME_PATTERN,
} from "../domain/HostPolicy.js"

/** A policy file is a few dozen lines; anything much larger is not one. */
const MAX_POLICY_BYTES = 1024 * 1024

type KeyPath = ReadonlyArray<string | number>

const showPath = (path: KeyPath): string => path.map(String).join(".")

/** Where a key path points in the document: the value, or the key itself for an unknown key. */
const locate = (doc: Document, counter: LineCounter, path: KeyPath, at: "key" | "value"): { line?: number; column?: number } => {
  let node: unknown = doc.contents
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0]
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
      if (pair === undefined) break
      const target = last && at === "key" ? pair.key : (pair.value ?? pair.key)
      offset = (target as { range?: [number] } | null)?.range?.[0] ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment]
      if (item === undefined) break
      offset = (item as { range?: [number] }).range?.[0] ?? offset
      node = item
    } else break
  }
  if (offset === undefined) return {}
  const { line, col } = counter.linePos(offset)
  return { line, column: col }
}

const keysOf = (ast: Schema.Schema.Any["ast"]): ReadonlyArray<string> => {
  const encoded = ast._tag === "Transformation" ? ast.from : ast
  return encoded._tag === "TypeLiteral" ? encoded.propertySignatures.map((p) => String(p.name)) : []
}

/** The keys allowed at a path of the policy file, for "did you mean" on an unknown key. */
const allowedKeys = (path: KeyPath): ReadonlyArray<string> => {
  let ast: Schema.Schema.Any["ast"] = HostPolicyFile.ast
  for (const segment of path) {
    const encoded = ast._tag === "Transformation" ? ast.from : ast
    if (encoded._tag !== "TypeLiteral") return []
    const property = encoded.propertySignatures.find((p) => p.name === segment)
    if (property === undefined) return []
    ast = property.type._tag === "Union"
      ? property.type.types.find((t) => t._tag !== "UndefinedKeyword") ?? property.type
      : property.type
  }
  return keysOf(ast)
}

const unknownKeyMessage = (path: KeyPath): string => {
  const key = String(path[path.length - 1])
  const allowed = allowedKeys(path.slice(0, -1))
  const near = allowed.length === 0 ? undefined : closest(key, [...allowed])
  const hint = near !== undefined && distance(key, near) <= Math.max(3, Math.floor(key.length / 2)) ? `; did you mean "${near}"?` : ""
  return `unknown key "${key}"${allowed.length === 0 ? "" : ` (expected one of: ${allowed.join(", ")})`}${hint}`
}

/** Rules between fields: what the schema alone cannot check. */
const crossChecks = (file: HostPolicyFile): Array<{ path: KeyPath; message: string }> => {
  const issues: Array<{ path: KeyPath; message: string }> = []
  const envSecrets = new Map<string, string>()
  for (const [name, source] of Object.entries(file.secrets?.store ?? {})) {
    if (!SECRET_NAME_PATTERN.test(name)) {
      issues.push({ path: ["secrets", "store", name], message: `"${name}" is not a secret name (letters, digits, _ . / -)` })
    }
    if (source.startsWith("env:")) envSecrets.set(source.slice(4), name)
  }
  ;(file.environment?.passthrough ?? []).forEach((name, index) => {
    const path = ["environment", "passthrough", index]
    if (!ENV_NAME_PATTERN.test(name)) issues.push({ path, message: `"${name}" is not an environment variable name` })
    else if (name.startsWith(RESERVED_ENV_PREFIX)) issues.push({ path, message: `${name} is set by packsmith for every execution and cannot be passed through` })
    else if (envSecrets.has(name)) {
      issues.push({ path, message: `${name} holds secret "${envSecrets.get(name)}" (secrets.store); secrets never reach an action's environment` })
    }
  })
  for (const [name, value] of Object.entries(file.environment?.set ?? {})) {
    const path = ["environment", "set", name]
    if (!ENV_NAME_PATTERN.test(name)) issues.push({ path, message: `"${name}" is not an environment variable name` })
    else if (name.startsWith(RESERVED_ENV_PREFIX)) issues.push({ path, message: `${name} is set by packsmith for every execution` })
    if (typeof value === "string" && value.startsWith("secret:")) {
      issues.push({ path, message: "secrets are never placed in the environment; declare the parameter secret and map the secret in secrets.store" })
    }
  }
  for (const section of ["runtimes", "host_binaries"] as const) {
    const lists = file[section] as Record<string, ReadonlyArray<string> | undefined> | undefined
    for (const [list, patterns] of Object.entries(lists ?? {})) {
      ;(patterns ?? []).forEach((pattern, index) => {
        if (pattern.trim() === "") issues.push({ path: [section, list, index], message: "empty pattern" })
        else if (section === "host_binaries" && pattern.includes("/")) {
          issues.push({ path: [section, list, index], message: "give a binary name as found on PATH, not a path" })
        }
      })
    }
  }
  const { default: fallback, max } = file.timeouts ?? {}
  if (fallback !== undefined && max !== undefined && fallback > max) {
    issues.push({ path: ["timeouts", "default"], message: `default (${fallback} s) is above max (${max} s)` })
  }
  return issues
}

/** Schema's type names, said the way a policy author would. */
const plainly = (message: string): string =>
  message
    .replace(/ReadonlyArray<string>/g, "a list of strings")
    .replace(/\{ readonly \[x: string\]: [^}]*\}/g, "a mapping")
    .replace(/\{ readonly [^}]*\}/g, "a mapping")

const byPosition = (issues: ReadonlyArray<PolicyIssue>): ReadonlyArray<PolicyIssue> =>
  [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0))

/** Parses and checks policy text; `file` names it in messages. */
export const parseHostPolicy = (text: string, file: string): Either.Either<HostPolicy, InvalidHostPolicy> => {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false })
  if (doc.errors.length > 0) {
    return Either.left(new InvalidHostPolicy({
      file,
      issues: doc.errors.map((error): PolicyIssue => {
        const { col, line } = counter.linePos(error.pos[0])
        return { path: "", message: error.message.split("\n")[0] ?? "not valid YAML", line, column: col }
      }),
    }))
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 })
  if (value === null || value === undefined) return Either.right(fromFile({}, file))
  const decoded = Schema.decodeUnknownEither(HostPolicyFile)(value, { errors: "all", onExcessProperty: "error" })
  if (Either.isLeft(decoded)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((issue): PolicyIssue => {
      const path = issue.path.map((segment) => typeof segment === "symbol" ? String(segment) : segment)
      const unknownKey = issue.message.startsWith("is unexpected")
      return {
        path: showPath(path),
        message: unknownKey ? unknownKeyMessage(path) : issue.path.length === 0 ? "expected a mapping of policy sections" : plainly(issue.message),
        ...locate(doc, counter, path, unknownKey ? "key" : "value"),
      }
    })
    return Either.left(new InvalidHostPolicy({ file, issues: byPosition(issues) }))
  }
  const problems = crossChecks(decoded.right)
  if (problems.length > 0) {
    return Either.left(new InvalidHostPolicy({
      file,
      issues: byPosition(problems.map(({ message, path }) => ({ path: showPath(path), message, ...locate(doc, counter, path, "value") }))),
    }))
  }
  return Either.right(fromFile(decoded.right, file))
}

export interface LoadHostPolicyOptions {
  /** A policy file named by the user (`--policy`); it must exist. */
  readonly file?: string
  /** Where the default `.packsmith/policy.yaml` is looked for; default the working directory. */
  readonly cwd?: string
}

interface ReadFailure {
  readonly missing: boolean
  readonly reason: string
}

const readFailure = (error: unknown): ReadFailure => {
  const missing = (error as NodeJS.ErrnoException).code === "ENOENT"
  return { missing, reason: missing ? "no such file" : error instanceof Error ? error.message : String(error) }
}

const readText = (file: string): Effect.Effect<string, ReadFailure> =>
  Effect.gen(function* () {
    const stat = yield* Effect.tryPromise({ try: () => fs.stat(file), catch: readFailure })
    if (!stat.isFile()) return yield* Effect.fail<ReadFailure>({ missing: false, reason: "not a regular file" })
    if (stat.size > MAX_POLICY_BYTES) {
      return yield* Effect.fail<ReadFailure>({ missing: false, reason: `${stat.size} bytes, over the ${MAX_POLICY_BYTES}-byte limit` })
    }
    return yield* Effect.tryPromise({ try: () => fs.readFile(file, "utf8"), catch: readFailure })
  })

/**
 * The policy for this host: the named file, else `.packsmith/policy.yaml` when it exists, else the default
 * policy (see `defaultHostPolicy`).
 */
export const loadHostPolicy = Effect.fn("HostPolicy.load")(function* (options: LoadHostPolicyOptions = {}) {
  const cwd = options.cwd ?? process.cwd()
  const explicit = options.file !== undefined
  const file = options.file ?? DEFAULT_POLICY_FILE
  const read = yield* Effect.either(readText(nodePath.resolve(cwd, file)))
  if (Either.isLeft(read)) {
    if (!explicit && read.left.missing) return defaultHostPolicy()
    return yield* new HostPolicyNotFound({ file, reason: read.left.reason })
  }
  return yield* parseHostPolicy(read.right, file)
})
