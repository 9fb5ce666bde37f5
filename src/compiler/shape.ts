/**
 * A fast yes/no answer to "would `decodeStrict` find nothing wrong with this value?", compiled once per
 * schema from the same AST. Valid files (nearly all of them) pay only for a walk that allocates nothing;
 * a file it rejects goes through `decodeStrict` for the findings. A test holds the two in agreement.
 */
import { Either, ParseResult, Schema, SchemaAST as AST } from "effect"
import { acceptedKinds, ALL_KINDS, jsKindOf, type JsKind } from "./astKinds.js"

export type Accepts = (value: unknown) => boolean


const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const hasOwn = Object.prototype.hasOwnProperty

const compiled = new WeakMap<AST.AST, Accepts>()

/** Compiles (once per AST node; recursive schemas through Suspend resolve lazily). */
export const acceptsOf = (ast: AST.AST): Accepts => {
  const known = compiled.get(ast)
  if (known !== undefined) return known
  // Registered before compiling the children so a cycle reaches this trampoline, not a new compile.
  let target: Accepts | undefined
  const trampoline: Accepts = (value) => target!(value)
  compiled.set(ast, trampoline)
  target = build(ast)
  compiled.set(ast, target)
  return target
}

const build = (ast: AST.AST): Accepts => {
  switch (ast._tag) {
    case "UnknownKeyword": case "AnyKeyword":
      return () => true
    case "StringKeyword":
      return (value) => typeof value === "string"
    case "NumberKeyword":
      return (value) => typeof value === "number"
    case "BooleanKeyword":
      return (value) => typeof value === "boolean"
    case "Literal": {
      const literal = ast.literal
      return (value) => value === literal
    }
    case "Refinement": {
      const from = acceptsOf(ast.from)
      const filter = ast.filter
      return (value) => from(value) && filter(value, AST.defaultParseOption, ast)._tag === "None"
    }
    case "Transformation":
      return acceptsOf(ast.from)
    case "Suspend": {
      let inner: Accepts | undefined
      return (value) => (inner ??= acceptsOf(ast.f()))(value)
    }
    case "TupleType":
      return buildArray(ast)
    case "TypeLiteral":
      return buildObject(ast)
    case "Union":
      return buildUnion(ast)
    default: {
      const validate = ParseResult.validateEither(Schema.make(ast))
      return (value) => Either.isRight(validate(value))
    }
  }
}

const buildArray = (ast: AST.TupleType): Accepts => {
  const elements = ast.elements.map((e) => acceptsOf(e.type))
  const requiredCount = ast.elements.reduce((n, e, i) => (e.isOptional ? n : i + 1), 0)
  const restAst = ast.rest[0]?.type
  const rest = restAst === undefined ? undefined : acceptsOf(restAst)
  return (value) => {
    if (!Array.isArray(value)) return false
    const length = value.length
    for (let i = 0; i < length; i++) {
      const accepts = i < elements.length ? elements[i]! : rest
      if (accepts === undefined || !accepts(value[i])) return false
    }
    return length >= requiredCount
  }
}

const buildObject = (ast: AST.TypeLiteral): Accepts => {
  const names = ast.propertySignatures.map((p) => String(p.name))
  const types = ast.propertySignatures.map((p) => acceptsOf(p.type))
  const optional = ast.propertySignatures.map((p) => p.isOptional)
  const declared = new Set(names)
  const index = ast.indexSignatures[0]
  const indexKey = index === undefined ? undefined : acceptsOf(index.parameter)
  const indexValue = index === undefined ? undefined : acceptsOf(index.type)
  const count = names.length
  return (value) => {
    if (!isPlainObject(value)) return false
    let present = 0
    for (let i = 0; i < count; i++) {
      const name = names[i]!
      if (hasOwn.call(value, name)) {
        present++
        if (!types[i]!(value[name])) return false
      } else if (!optional[i]) return false
    }
    // Every own key is declared: nothing left to look at.
    if (indexKey === undefined) {
      for (const key in value) if (hasOwn.call(value, key) && !declared.has(key)) return false
      return true
    }
    if (present === count && Object.keys(value).length === present) return true
    for (const key of Object.keys(value)) {
      if (declared.has(key)) continue
      if (!indexKey(key) || !indexValue!(value[key])) return false
    }
    return true
  }
}

const buildUnion = (ast: AST.Union): Accepts => {
  if (ast.types.every((member) => member._tag === "Literal")) {
    const literals = new Set(ast.types.map((member) => (member as AST.Literal).literal))
    return (value) => literals.has(value as AST.LiteralValue)
  }
  const byKind = new Map<JsKind, ReadonlyArray<Accepts>>()
  for (const kind of ALL_KINDS) {
    byKind.set(kind, ast.types.filter((member) => acceptedKinds(member).has(kind)).map((member) => acceptsOf(member)))
  }
  return (value) => {
    const kind = jsKindOf(value)
    if (kind === "other") return false
    const candidates = byKind.get(kind)!
    for (let i = 0; i < candidates.length; i++) if (candidates[i]!(value)) return true
    return false
  }
}

/** True when `decodeStrict(schema, value)` would return no issues. */
export const acceptsSchema = (schema: Schema.Schema.AnyNoContext): Accepts => acceptsOf(schema.ast)
