/**
 * A decoded document with the nulls its schema reads as "absent" removed (keys declared with `optNull`), so
 * normalization sees only the schema's type. Interprets the schema's AST like decode.ts and shape.ts, compiled
 * once per node; a document without such nulls (nearly every file) is returned as is, allocating nothing.
 */
import { Option, SchemaAST as AST } from "effect"
import { ALL_KINDS, acceptedKinds, jsKindOf, type JsKind } from "./astKinds.js"
import { acceptsOf } from "./shape.js"

type Strip = (value: unknown) => unknown

const identity: Strip = (value) => value

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const compiled = new WeakMap<AST.AST, Strip>()

const stripperOf = (ast: AST.AST): Strip => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  let target: Strip | undefined
  compiled.set(ast, (value) => target!(value))
  target = build(ast)
  compiled.set(ast, target)
  return target
}

const build = (ast: AST.AST): Strip => {
  switch (ast._tag) {
    case "Refinement":
      return stripperOf(ast.from)
    case "Suspend": {
      let inner: Strip | undefined
      return (value) => (inner ??= stripperOf(ast.f()))(value)
    }
    case "Transformation":
      return ast.from._tag === "TypeLiteral" && ast.transformation._tag === "TypeLiteralTransformation"
        ? buildObject(ast.from, nullAbsentKeys(ast.transformation))
        : stripperOf(ast.from)
    case "TypeLiteral":
      return buildObject(ast, new Set())
    case "TupleType":
      return buildArray(ast)
    case "Union":
      return buildUnion(ast)
    default:
      return identity
  }
}

/** Keys whose decoding drops a null (`optionalWith(..., { nullable: true })`), asked of the transformation itself. */
const nullAbsentKeys = (transformation: AST.TypeLiteralTransformation): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const property of transformation.propertySignatureTransformations) {
    if (property.from === property.to && Option.isNone(property.decode(Option.some(null)))) out.add(String(property.from))
  }
  return out
}

const buildObject = (ast: AST.TypeLiteral, absentIfNull: ReadonlySet<string>): Strip => {
  const fields = ast.propertySignatures
    .map((p) => ({ name: String(p.name), strip: stripperOf(p.type), absent: absentIfNull.has(String(p.name)) }))
    .filter((f) => f.absent || f.strip !== identity)
  const index = ast.indexSignatures[0]
  const indexStrip = index === undefined ? identity : stripperOf(index.type)
  const declared = new Set(ast.propertySignatures.map((p) => String(p.name)))
  if (fields.length === 0 && indexStrip === identity) return identity
  return (value) => {
    if (!isPlainObject(value)) return value
    let out: Record<string, unknown> | undefined
    const set = (key: string, item: unknown) => {
      out ??= { ...value }
      if (item === undefined) delete out[key]
      else out[key] = item
    }
    for (const field of fields) {
      if (!Object.prototype.hasOwnProperty.call(value, field.name)) continue
      const item = value[field.name]
      if (item === null && field.absent) set(field.name, undefined)
      else {
        const stripped = field.strip(item)
        if (stripped !== item) set(field.name, stripped)
      }
    }
    if (indexStrip !== identity) {
      for (const key of Object.keys(value)) {
        if (declared.has(key)) continue
        const stripped = indexStrip(value[key])
        if (stripped !== value[key]) set(key, stripped)
      }
    }
    return out ?? value
  }
}

const buildArray = (ast: AST.TupleType): Strip => {
  const elements = ast.elements.map((e) => stripperOf(e.type))
  const restAst = ast.rest[0]?.type
  const rest = restAst === undefined ? identity : stripperOf(restAst)
  if (rest === identity && elements.every((e) => e === identity)) return identity
  return (value) => {
    if (!Array.isArray(value)) return value
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const stripped = (elements[i] ?? rest)(value[i])
      if (stripped !== value[i]) (out ??= [...value])[i] = stripped
    }
    return out ?? value
  }
}

const buildUnion = (ast: AST.Union): Strip => {
  const members = ast.types.map((member) => ({ kinds: acceptedKinds(member), accepts: acceptsOf(member), strip: stripperOf(member) }))
  if (members.every((m) => m.strip === identity)) return identity
  // The member a valid value decodes through is the first that accepts it, as in decode.ts. Most unions
  // (`X | null` above all) have one member per kind of value, which is then the one without asking.
  const byKind = new Map<JsKind, Strip>()
  for (const kind of ALL_KINDS) {
    const candidates = members.filter((m) => m.kinds.has(kind))
    byKind.set(kind, candidates.length === 1 ? candidates[0]!.strip : candidates.every((m) => m.strip === identity) ? identity
      : (value) => candidates.find((m) => m.accepts(value))?.strip(value) ?? value)
  }
  return (value) => {
    const kind = jsKindOf(value)
    return kind === "other" ? value : byKind.get(kind)!(value)
  }
}

/** `value` (which passed decodeStrict for `ast`) without the nulls that mean "absent". */
export const withoutAbsentNulls = (ast: AST.AST, value: unknown): unknown => stripperOf(ast)(value)
