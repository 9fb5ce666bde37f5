/** Which JavaScript kinds of value a schema node can accept; shared by the strict decoder and the shape check. */
import { SchemaAST as AST } from "effect"

export type JsKind = "string" | "number" | "boolean" | "null" | "array" | "object"

export const jsKindOf = (value: unknown): JsKind | "other" =>
  value === null ? "null"
    : Array.isArray(value) ? "array"
    : typeof value === "string" ? "string"
    : typeof value === "number" ? "number"
    : typeof value === "boolean" ? "boolean"
    : typeof value === "object" ? "object"
    : "other"

export const ALL_KINDS: ReadonlySet<JsKind> = new Set(["string", "number", "boolean", "null", "array", "object"])

const kindsCache = new WeakMap<AST.AST, ReadonlySet<JsKind>>()

/** Which kinds of value a schema node can possibly accept (a union tries only the members that can). */
export const acceptedKinds = (ast: AST.AST): ReadonlySet<JsKind> => {
  const cached = kindsCache.get(ast)
  if (cached !== undefined) return cached
  let kinds: ReadonlySet<JsKind>
  switch (ast._tag) {
    case "StringKeyword": case "TemplateLiteral": kinds = new Set(["string"]); break
    case "NumberKeyword": kinds = new Set(["number"]); break
    case "BooleanKeyword": kinds = new Set(["boolean"]); break
    case "Literal": kinds = new Set([ast.literal === null ? "null" : jsKindOf(ast.literal) as JsKind]); break
    case "TupleType": kinds = new Set(["array"]); break
    case "TypeLiteral": kinds = new Set(["object"]); break
    case "Refinement": kinds = acceptedKinds(ast.from); break
    case "Transformation": kinds = acceptedKinds(ast.from); break
    case "Suspend": kinds = acceptedKinds(ast.f()); break
    case "Union": kinds = new Set(ast.types.flatMap((t) => [...acceptedKinds(t)])); break
    default: kinds = ALL_KINDS
  }
  kindsCache.set(ast, kinds)
  return kinds
}
