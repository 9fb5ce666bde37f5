/**
 * Strict decoding of a loaded YAML value against a file kind's Effect Schema. It interprets the schema's AST
 * directly (the source schemas are plain structs, unions, literals and refinements; their only transformations
 * are the null-as-absent keys of `optNull`, checked on the encoded side, which is what authors write),
 * which keeps Effect's general decoder off the hot path and yields every issue with its JSON pointer and,
 * for unknown keys, a did-you-mean over the known keys of that object. A test asserts it accepts exactly what
 * `Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })` accepts.
 */
import { Either, ParseResult, Schema, SchemaAST as AST } from "effect"
import { acceptedKinds, jsKindOf, type JsKind } from "./astKinds.js"
import { finding, nearest, pointerJoin, type Finding } from "./Finding.js"


const KIND_NAMES: Record<JsKind | "other", string> = {
  string: "a string", number: "a number", boolean: "a boolean", null: "null", array: "a list", object: "a mapping", other: "a value",
}

const describeKinds = (kinds: ReadonlySet<JsKind>): string => [...kinds].map((k) => KIND_NAMES[k]).join(" or ")

const show = (value: unknown): string => {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const literalsOf = (ast: AST.Union): Array<AST.LiteralValue> | undefined => {
  const out: Array<AST.LiteralValue> = []
  for (const member of ast.types) {
    if (member._tag !== "Literal") return undefined
    out.push(member.literal)
  }
  return out
}

const refinementMessage = (issue: ParseResult.ParseIssue): string => {
  const first = ParseResult.ArrayFormatter.formatIssueSync(issue)[0]
  return first?.message ?? "invalid value"
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const check = (ast: AST.AST, value: unknown, pointer: string, out: Array<Finding>): void => {
  switch (ast._tag) {
    case "UnknownKeyword": case "AnyKeyword":
      return
    case "StringKeyword": case "NumberKeyword": case "BooleanKeyword": {
      const expected = ast._tag === "StringKeyword" ? "string" : ast._tag === "NumberKeyword" ? "number" : "boolean"
      if (jsKindOf(value) !== expected) out.push(finding("PS2003", `expected ${KIND_NAMES[expected]}, got ${show(value)}`, pointer))
      return
    }
    case "Literal":
      if (value !== ast.literal) out.push(finding("PS2004", `expected ${show(ast.literal)}, got ${show(value)}`, pointer))
      return
    case "Refinement": {
      const before = out.length
      check(ast.from, value, pointer, out)
      if (out.length !== before) return
      const issue = ast.filter(value, AST.defaultParseOption, ast)
      if (issue._tag === "Some") out.push(finding("PS2004", refinementMessage(issue.value), pointer))
      return
    }
    case "Transformation":
      return check(ast.from, value, pointer, out)
    case "Suspend":
      return check(ast.f(), value, pointer, out)
    case "TupleType":
      return checkArray(ast, value, pointer, out)
    case "TypeLiteral":
      return checkObject(ast, value, pointer, out)
    case "Union":
      return checkUnion(ast, value, pointer, out)
    default: {
      // Anything else (declarations, enums, ...) goes through Effect's own validator.
      const result = ParseResult.validateEither(Schema.make(ast))(value)
      if (Either.isLeft(result)) out.push(finding("PS2004", refinementMessage(result.left), pointer))
    }
  }
}

const checkArray = (ast: AST.TupleType, value: unknown, pointer: string, out: Array<Finding>): void => {
  if (!Array.isArray(value)) {
    out.push(finding("PS2003", `expected a list, got ${show(value)}`, pointer))
    return
  }
  const rest = ast.rest[0]?.type
  for (let i = 0; i < value.length; i++) {
    const element = ast.elements[i]
    const type = element !== undefined ? element.type : rest
    if (type === undefined) {
      out.push(finding("PS2004", `expected at most ${ast.elements.length} items`, pointerJoin(pointer, i)))
      return
    }
    check(type, value[i], pointerJoin(pointer, i), out)
  }
  for (let i = value.length; i < ast.elements.length; i++) {
    if (!ast.elements[i]!.isOptional) out.push(finding("PS2002", `expected at least ${i + 1} items`, pointer))
  }
}

const knownKeysCache = new WeakMap<AST.TypeLiteral, Array<string>>()
const knownKeys = (ast: AST.TypeLiteral): Array<string> => {
  let keys = knownKeysCache.get(ast)
  if (keys === undefined) {
    keys = ast.propertySignatures.map((p) => String(p.name))
    knownKeysCache.set(ast, keys)
  }
  return keys
}

const checkObject = (ast: AST.TypeLiteral, value: unknown, pointer: string, out: Array<Finding>): void => {
  if (!isPlainObject(value)) {
    out.push(finding("PS2003", `expected a mapping, got ${show(value)}`, pointer))
    return
  }
  for (const property of ast.propertySignatures) {
    const name = String(property.name)
    if (Object.prototype.hasOwnProperty.call(value, name)) {
      check(property.type, value[name], pointerJoin(pointer, name), out)
    } else if (!property.isOptional) {
      out.push(finding("PS2002", `missing required key "${name}"`, pointer))
    }
  }
  const index = ast.indexSignatures[0]
  const declared = knownKeys(ast)
  for (const key of Object.keys(value)) {
    if (declared.includes(key)) continue
    if (index !== undefined) {
      check(index.parameter, key, pointerJoin(pointer, key), out)
      check(index.type, value[key], pointerJoin(pointer, key), out)
      continue
    }
    // A key the mapping has already is no suggestion: following it would write that key twice.
    const suggestion = nearest(key, declared.filter((name) => !Object.prototype.hasOwnProperty.call(value, name)))
    out.push(finding("PS2001", `unknown key "${key}"`, pointerJoin(pointer, key), {
      target: "key",
      hint: suggestion === undefined ? `known keys: ${declared.join(", ")}` : `did you mean "${suggestion}"?`,
    }))
  }
}

const checkUnion = (ast: AST.Union, value: unknown, pointer: string, out: Array<Finding>): void => {
  const literals = literalsOf(ast)
  if (literals !== undefined) {
    if (literals.includes(value as AST.LiteralValue)) return
    const suggestion = typeof value === "string" ? nearest(value, literals.filter((l): l is string => typeof l === "string")) : undefined
    out.push(finding("PS2004", `expected one of ${literals.map(show).join(", ")}, got ${show(value)}`, pointer,
      suggestion === undefined ? {} : { hint: `did you mean "${suggestion}"?` }))
    return
  }
  const kind = jsKindOf(value)
  const candidates = ast.types.filter((member) => kind !== "other" && acceptedKinds(member).has(kind))
  if (candidates.length === 0) {
    out.push(finding("PS2003", `expected ${describeKinds(acceptedKinds(ast))}, got ${show(value)}`, pointer))
    return
  }
  let best: Array<Finding> | undefined
  for (const member of candidates) {
    const attempt: Array<Finding> = []
    check(member, value, pointer, attempt)
    if (attempt.length === 0) return
    if (best === undefined || attempt.length < best.length) best = attempt
  }
  out.push(...(best ?? []))
}

/** A document schema: a struct, possibly refined or with null-as-absent keys (a transformation of a struct). */
const describesMapping = (ast: AST.AST): boolean =>
  ast._tag === "TypeLiteral" || ((ast._tag === "Refinement" || ast._tag === "Transformation") && describesMapping(ast.from))

/** Every issue of `value` against `schema`, or none. */
export const decodeStrict = (schema: Schema.Schema.AnyNoContext, value: unknown, pointer = ""): Array<Finding> => {
  const out: Array<Finding> = []
  if (!isPlainObject(value) && describesMapping(schema.ast)) {
    out.push(finding("PS2005", `the document must be a mapping, got ${show(value)}`, pointer))
    return out
  }
  check(schema.ast, value, pointer, out)
  return out
}
