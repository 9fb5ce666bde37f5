/**
 * The compiler's invariants, checked on a bundle that came from anywhere (a file, an upload): every key is its
 * component's ref inside its own pack, every ref resolves inside the bundle, entry points and file-table keys
 * stay inside their pack, and no secret parameter carries a literal value. Pure and linear in the bundle's
 * size; every problem is reported, each at its RFC 6901 pointer into the envelope.
 */
import semver from "semver"
import type { EntryPoint } from "./Action.js"
import type { BundleBody, PackBundle, PackSection } from "./Bundle.js"
import { pointerJoin, pointerOf } from "./JsonPointer.js"
import { COMPONENT_NAME_PATTERN, COMPONENT_REF_PATTERN, PACK_REF_PATTERN, splitRef } from "./Refs.js"
import type { Runtime } from "./Runtime.js"
import { runtimeFamilyOf, type RuntimeFamily } from "./RuntimeFamily.js"
import { SECRET_REF_PATTERN } from "./Parameters.js"
import { describeSecretLeak, SECRET_ENV_NAME, scanSchemaForSecrets, scanValueForSecrets, secretScan } from "./SecretValues.js"

export interface BundleIssue {
  /** RFC 6901 pointer into the envelope (`/body/packs/core/actions/core.echo/entry_point/path`). */
  readonly path: string
  readonly message: string
}

/** Actions the scheduler intercepts: workflow tasks may use them though no pack defines them (the compiler's list). */
export const INTERCEPTED_ACTION_REFS: ReadonlySet<string> = new Set(["core.ask"])

/**
 * Nesting the verifier walks into. The compiler reads YAML at most 64 levels deep and the bundle wraps a
 * component's value in a few more, so a compiled bundle stays well inside it.
 */
export const MAX_BUNDLE_DEPTH = 128

/** Where the file table sends each kind's scripts: the directory the compiler resolves entry points in. */
const ENTRY_POINT_DIRECTORY = { actions: "actions", sensors: "sensors" } as const

/** A host entry point: a bare name looked up on the worker's PATH (the compiler's test). */
const HOST_BINARY = /^[A-Za-z0-9._+-]+$/

const hasOwn = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key)

const ownValue = <A>(record: Readonly<Record<string, A>>, key: string): A | undefined =>
  hasOwn(record, key) ? record[key] : undefined

/**
 * What is wrong with a relative path of the bundle (a file-table key, an entry point's path), if anything:
 * it must name a place under its directory on any host, so no absolute path, `..`, `.`, empty segment,
 * backslash (a separator elsewhere) or NUL.
 */
export const relativePathProblem = (path: string): string | undefined => {
  if (path === "") return "is empty"
  if (path.includes("\u0000")) return "contains a NUL character"
  if (path.includes("\\")) return "contains a backslash; a bundle path separates directories with /"
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "is an absolute path; a bundle names files relative to their pack"
  for (const segment of path.split("/")) {
    if (segment === "..") return "leaves its directory (..)"
    if (segment === "" || segment === ".") return "is not a normalized path (empty or . segment)"
  }
  return undefined
}

/** What is wrong with a file-table key, if anything: it is `<pack>/<path relative to the pack>`. */
export const fileKeyProblem = (key: string): string | undefined => {
  const problem = relativePathProblem(key)
  if (problem !== undefined) return problem
  const slash = key.indexOf("/")
  return slash === -1 ? "is not <pack>/<path>" : undefined
}

const issueOf = (path: string, message: string): BundleIssue => ({ path, message })

/**
 * Keys and nesting no compiled bundle has, found in the raw envelope before it is decoded: a `__proto__`
 * key (decoding would make it the object's prototype instead of a member, and change what the digest
 * covers), and values nested deeper than MAX_BUNDLE_DEPTH. Also counts the JSON nodes, which bounds the
 * work of the later checks.
 */
export const envelopeShapeIssues = (input: unknown): { readonly issues: Array<BundleIssue>; readonly nodes: number } => {
  const issues: Array<BundleIssue> = []
  const path: Array<string | number> = []
  let nodes = 0
  const walk = (value: unknown): void => {
    nodes++
    if (typeof value !== "object" || value === null) return
    if (path.length >= MAX_BUNDLE_DEPTH) {
      issues.push(issueOf(pointerOf(path), `nested deeper than ${MAX_BUNDLE_DEPTH} levels; the compiler never emits such a value`))
      return
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i)
        walk(value[i])
        path.pop()
      }
      return
    }
    for (const key of Object.keys(value)) {
      path.push(key)
      if (key === "__proto__") issues.push(issueOf(pointerOf(path), `a "__proto__" key is refused: decoded, it would set the object's prototype instead of a member`))
      else walk((value as Record<string, unknown>)[key])
      path.pop()
    }
  }
  walk(input)
  return { issues, nodes }
}

const familyOf = (runtime: Runtime): RuntimeFamily | undefined => {
  for (const name of [runtime.name, ...runtime.aliases]) {
    const family = runtimeFamilyOf(name)
    if (family !== undefined) return family
  }
  return undefined
}

type Section = PackSection
/** Every section, in emit order; a record, so that a section added to PackBundle has to be added (and checked) here. */
const EVERY_SECTION: Readonly<Record<Section, true>> = {
  runtimes: true, actions: true, triggers: true, sensors: true, rules: true, workflows: true, profiles: true, agents: true, permission_sets: true, queues: true,
}
const SECTIONS = Object.keys(EVERY_SECTION) as ReadonlyArray<Section>

export interface BodyCheckOptions {
  /** Steps the secret scan may take over the whole body (see SecretValues.secretScan). */
  readonly secretBudget?: number
}

/** Every way `body` breaks the compiler's invariants; empty when it holds them all. */
export const bodyInvariantIssues = (body: BundleBody, options: BodyCheckOptions = {}): Array<BundleIssue> => {
  const issues: Array<BundleIssue> = []
  const report = (path: string, message: string) => issues.push(issueOf(path, message))
  const secrets = secretScan(options.secretBudget)
  const packs = body.packs
  const files = body.files
  const referenced = new Set<string>()

  /** The component `ref` names in `section`, wherever its pack is. */
  const find = <S extends Section>(section: S, ref: string): PackBundle[S][string] | undefined => {
    if (!COMPONENT_REF_PATTERN.test(ref)) return undefined
    const pack = ownValue(packs, splitRef(ref).pack)
    return pack === undefined ? undefined : ownValue(pack[section] as Record<string, PackBundle[S][string]>, ref)
  }
  const resolves = (section: Section, what: string, ref: string, at: string): boolean => {
    if (find(section, ref) !== undefined) return true
    const pack = COMPONENT_REF_PATTERN.test(ref) ? splitRef(ref).pack : undefined
    report(at, pack !== undefined && !hasOwn(packs, pack)
      ? `${what} ${JSON.stringify(ref)} is in pack ${JSON.stringify(pack)}, which is not in the bundle`
      : `${what} ${JSON.stringify(ref)} is not in the bundle`)
    return false
  }

  const checkEntryPoint = (
    entry: EntryPoint, runtime: Runtime | undefined, directory: string, packRef: string, at: string,
  ): void => {
    const family = runtime === undefined ? undefined : familyOf(runtime)
    switch (entry.kind) {
      case "file": {
        if (entry.path === undefined) {
          report(at, "a file entry point names its path in the pack")
          return
        }
        const pathAt = pointerJoin(at, "path")
        const problem = relativePathProblem(entry.path)
        const key = `${packRef}/${entry.path}`
        if (problem !== undefined) report(pathAt, `${JSON.stringify(entry.path)} ${problem}`)
        else if (!entry.path.startsWith(`${directory}/`)) report(pathAt, `${JSON.stringify(entry.path)} is not inside the pack's ${directory}/ directory`)
        else if (!hasOwn(files, key)) report(pathAt, `${JSON.stringify(key)} is not in the file table`)
        else referenced.add(key)
        return
      }
      case "inline":
        if (runtime !== undefined && family !== "shell") report(pointerJoin(at, "kind"), `inline code runs only on a shell runtime, and ${runtime.ref} is not one`)
        if (entry.path !== undefined) report(pointerJoin(at, "path"), "inline code has no path")
        return
      case "host":
        if (runtime !== undefined && family !== "native") report(pointerJoin(at, "kind"), `a host binary runs only on a native runtime, and ${runtime.ref} is not one`)
        if (!HOST_BINARY.test(entry.value) || entry.value === "." || entry.value === "..") {
          report(pointerJoin(at, "value"), `${JSON.stringify(entry.value)} is not a bare binary name (looked up on the worker's PATH)`)
        }
        if (entry.path !== undefined) report(pointerJoin(at, "path"), "a host binary has no path in the pack")
        return
    }
  }

  /** Key, ref, pack field and ref prefix agree. Returns whether the key is a well-formed ref of this pack. */
  const checkIdentity = (packRef: string, key: string, ref: string, packField: string, packFieldName: string, at: string): boolean => {
    if (!COMPONENT_REF_PATTERN.test(key)) {
      report(at, `${JSON.stringify(key)} is not a ref of the form <pack>.<name> (lowercase letters, digits, _ and -)`)
      return false
    }
    let ok = true
    if (ref !== key) {
      report(pointerJoin(at, "ref"), `ref ${JSON.stringify(ref)} differs from its key ${JSON.stringify(key)}`)
      ok = false
    }
    if (splitRef(key).pack !== packRef) {
      report(at, `${JSON.stringify(key)} is not in pack ${JSON.stringify(packRef)}`)
      ok = false
    }
    if (packField !== packRef) {
      report(pointerJoin(at, packFieldName), `${packFieldName} ${JSON.stringify(packField)} is not the pack ${JSON.stringify(packRef)} it is in`)
      ok = false
    }
    return ok
  }
  const checkName = (key: string, name: string, at: string): void => {
    if (COMPONENT_REF_PATTERN.test(key) && splitRef(key).name !== name) {
      report(at, `name ${JSON.stringify(name)} differs from the ref's name ${JSON.stringify(splitRef(key).name)}`)
    }
  }

  for (const packRef of Object.keys(packs)) {
    const pack = packs[packRef]!
    const packAt = pointerJoin("/body/packs", packRef)
    if (!PACK_REF_PATTERN.test(packRef)) {
      report(packAt, `${JSON.stringify(packRef)} is not a pack ref (lowercase letters, digits, _ or -, starting with a letter)`)
    }
    const manifest = pack.manifest
    const manifestAt = pointerJoin(packAt, "manifest")
    if (manifest.ref !== packRef) report(pointerJoin(manifestAt, "ref"), `ref ${JSON.stringify(manifest.ref)} differs from its key ${JSON.stringify(packRef)}`)
    manifest.dependencies.forEach((dependency, i) => {
      const at = pointerJoin(manifestAt, "dependencies", i)
      const target = PACK_REF_PATTERN.test(dependency.ref) ? ownValue(packs, dependency.ref) : undefined
      if (target === undefined) report(pointerJoin(at, "ref"), `dependency ${JSON.stringify(dependency.ref)} is not a pack of the bundle`)
      else if (dependency.version !== undefined && semver.valid(target.manifest.version) !== null
        && !semver.satisfies(target.manifest.version, dependency.version)) {
        report(pointerJoin(at, "version"), `${dependency.ref} ${target.manifest.version} does not satisfy ${dependency.version}`)
      }
    })
    if (manifest.conf_schema !== undefined) {
      scanSchemaForSecrets(secrets, manifest.conf_schema, pointerJoin(manifestAt, "conf_schema"))
      if (manifest.config !== undefined) scanValueForSecrets(secrets, manifest.conf_schema, manifest.config, pointerJoin(manifestAt, "config"))
    }

    for (const section of SECTIONS) {
      const components = pack[section] as Readonly<Record<string, unknown>>
      for (const key of Object.keys(components)) {
        const at = pointerJoin(packAt, section, key)
        switch (section) {
          case "runtimes": {
            const runtime = pack.runtimes[key]!
            checkIdentity(packRef, key, runtime.ref, runtime.pack_ref, "pack_ref", at)
            break
          }
          case "actions": {
            const action = pack.actions[key]!
            checkIdentity(packRef, key, action.ref, action.pack, "pack", at)
            checkName(key, action.name, pointerJoin(at, "name"))
            if (action.workflow !== undefined) {
              if (action.workflow !== key) report(pointerJoin(at, "workflow"), `a workflow action runs the workflow of its own ref ${JSON.stringify(key)}, not ${JSON.stringify(action.workflow)}`)
              else if (ownValue(pack.workflows, key) === undefined) report(pointerJoin(at, "workflow"), `workflow ${JSON.stringify(key)} is not in the pack`)
              for (const field of ["runtime", "runner_type", "entry_point"] as const) {
                if (action[field] !== undefined) report(pointerJoin(at, field), `a workflow action has no ${field}`)
              }
            } else {
              const runtime = action.runtime === undefined ? undefined : find("runtimes", action.runtime)
              if (action.runtime === undefined) report(at, "an action that runs no workflow names its runtime")
              else resolves("runtimes", "runtime", action.runtime, pointerJoin(at, "runtime"))
              if (action.entry_point === undefined) report(at, "an action that runs no workflow has an entry_point")
              else checkEntryPoint(action.entry_point, runtime, ENTRY_POINT_DIRECTORY.actions, packRef, pointerJoin(at, "entry_point"))
            }
            scanSchemaForSecrets(secrets, action.parameters, pointerJoin(at, "parameters"))
            action.examples?.forEach((example, i) => {
              if (typeof example !== "object" || example === null || !hasOwn(example, "parameters")) return
              scanValueForSecrets(secrets, action.parameters, (example as { readonly parameters: unknown }).parameters, pointerJoin(at, "examples", i, "parameters"))
            })
            break
          }
          case "triggers": {
            const trigger = pack.triggers[key]!
            checkIdentity(packRef, key, trigger.ref, trigger.pack, "pack", at)
            checkName(key, trigger.name, pointerJoin(at, "name"))
            scanSchemaForSecrets(secrets, trigger.parameters, pointerJoin(at, "parameters"))
            break
          }
          case "sensors": {
            const sensor = pack.sensors[key]!
            checkIdentity(packRef, key, sensor.ref, sensor.pack, "pack", at)
            checkName(key, sensor.name, pointerJoin(at, "name"))
            const runtime = find("runtimes", sensor.runtime)
            resolves("runtimes", "runtime", sensor.runtime, pointerJoin(at, "runtime"))
            sensor.trigger_types.forEach((ref, i) => resolves("triggers", "trigger", ref, pointerJoin(at, "trigger_types", i)))
            checkEntryPoint(sensor.entry_point, runtime, ENTRY_POINT_DIRECTORY.sensors, packRef, pointerJoin(at, "entry_point"))
            scanSchemaForSecrets(secrets, sensor.parameters, pointerJoin(at, "parameters"))
            break
          }
          case "rules": {
            const rule = pack.rules[key]!
            checkIdentity(packRef, key, rule.ref, rule.pack, "pack", at)
            checkName(key, rule.name, pointerJoin(at, "name"))
            resolves("triggers", "trigger", rule.trigger_ref, pointerJoin(at, "trigger_ref"))
            if (resolves("actions", "action", rule.action_ref, pointerJoin(at, "action_ref"))) {
              const target = find("actions", rule.action_ref)!
              scanValueForSecrets(secrets, target.parameters, rule.action_params, pointerJoin(at, "action_params"))
            }
            break
          }
          case "workflows": {
            const workflow = pack.workflows[key]!
            checkIdentity(packRef, key, workflow.ref, workflow.pack, "pack", at)
            const action = ownValue(pack.actions, key)
            if (action === undefined || action.workflow !== key) report(at, `no action ${JSON.stringify(key)} of the pack runs this workflow`)
            workflow.tasks.forEach((task, i) => {
              const taskAt = pointerJoin(at, "tasks", i)
              if (INTERCEPTED_ACTION_REFS.has(task.action)) return
              if (!resolves("actions", "action", task.action, pointerJoin(taskAt, "action"))) return
              const target = find("actions", task.action)!
              scanValueForSecrets(secrets, target.parameters, task.input, pointerJoin(taskAt, "input"))
            })
            break
          }
          case "profiles": {
            const profile = pack.profiles[key]!
            checkIdentity(packRef, key, profile.ref, profile.pack, "pack", at)
            resolves("runtimes", "runtime", profile.runtime, pointerJoin(at, "runtime"))
            for (const name of Object.keys(profile.env)) {
              if (SECRET_ENV_NAME.test(name) && !SECRET_REF_PATTERN.test(profile.env[name]!)) {
                report(pointerJoin(at, "env", name), `env ${name} looks secret; a bundle carries it only as a secret:<name> ref`)
              }
            }
            break
          }
          case "agents": {
            const agent = pack.agents[key]!
            if (checkIdentity(packRef, key, agent.ref, agent.pack, "pack", at)) {
              if (!COMPONENT_NAME_PATTERN.test(agent.metadata.name) || splitRef(key).name !== agent.metadata.name) {
                report(pointerJoin(at, "metadata", "name"), `name ${JSON.stringify(agent.metadata.name)} differs from the ref's name ${JSON.stringify(splitRef(key).name)}`)
              }
            }
            for (const field of ["command", "entrypoint"] as const) {
              const value = agent.spec[field]
              if (value !== undefined && value.split("/").includes("..")) report(pointerJoin(at, "spec", field), `${field} must not contain ".."`)
            }
            break
          }
          case "permission_sets": {
            const set = pack.permission_sets[key]!
            checkIdentity(packRef, key, set.ref, set.pack, "pack", at)
            break
          }
          case "queues": {
            const queue = pack.queues[key]!
            checkIdentity(packRef, key, queue.ref, queue.pack, "pack", at)
            if (queue.dispatch_action !== undefined) resolves("actions", "action", queue.dispatch_action, pointerJoin(at, "dispatch_action"))
            if (queue.item_schema !== undefined) scanSchemaForSecrets(secrets, queue.item_schema, pointerJoin(at, "item_schema"))
            break
          }
        }
      }
    }
  }

  for (const key of Object.keys(files)) {
    const at = pointerJoin("/body/files", key)
    const problem = fileKeyProblem(key)
    if (problem !== undefined) report(at, `${JSON.stringify(key)} ${problem}`)
    else if (!hasOwn(packs, key.slice(0, key.indexOf("/")))) report(at, `${JSON.stringify(key)} is under pack ${JSON.stringify(key.slice(0, key.indexOf("/")))}, which is not in the bundle`)
    else if (!referenced.has(key)) report(at, `${JSON.stringify(key)} is not the entry point of any action or sensor`)
  }

  for (const leak of secrets.leaks) report(leak.pointer, describeSecretLeak(leak))
  if (secrets.exhausted) report("/body", "the parameter schemas are too intricate to check for secret values within the verifier's bound")
  return issues
}
