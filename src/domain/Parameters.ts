/**
 * Parameter and output schemas. Authors write either Attune's flat map (`name: {type, required, secret,
 * default, position, ...}`) or plain JSON Schema (`type: object` + `properties`); both compile to JSON Schema.
 * `secret`, `position` and `immutable` stay on each property as annotations so later stages can redact
 * secrets and order positional arguments.
 */
import { Schema } from "effect"
import { JsonObject, opt } from "./SourceFields.js"

/** Annotation keywords packsmith adds to JSON Schema properties; validators treat them as no-ops. */
export const PARAMETER_ANNOTATIONS = ["secret", "position", "immutable"] as const

/** JSON Schema keywords (draft-07 and 2020-12 vocabularies) accepted inside parameter schemas. */
export const JSON_SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  "$schema", "$id", "$ref", "$defs", "$comment", "$anchor", "$dynamicRef", "$dynamicAnchor", "definitions",
  "type", "enum", "const", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
  "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
  "maxLength", "minLength", "pattern", "format", "contentEncoding", "contentMediaType",
  "items", "prefixItems", "additionalItems", "unevaluatedItems", "contains", "minContains", "maxContains",
  "maxItems", "minItems", "uniqueItems",
  "properties", "patternProperties", "additionalProperties", "unevaluatedProperties", "propertyNames",
  "required", "dependentRequired", "dependentSchemas", "dependencies", "maxProperties", "minProperties",
  "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
  ...PARAMETER_ANNOTATIONS,
])

/** One entry of a flat parameter map, as Attune's unified schema format defines it. */
export const ParameterSpec = Schema.Struct({
  type: opt(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  description: opt(Schema.String),
  title: opt(Schema.String),
  default: opt(Schema.Unknown),
  enum: opt(Schema.Array(Schema.Unknown)),
  const: opt(Schema.Unknown),
  minimum: opt(Schema.Number),
  maximum: opt(Schema.Number),
  minLength: opt(Schema.Int),
  maxLength: opt(Schema.Int),
  pattern: opt(Schema.String),
  format: opt(Schema.String),
  items: opt(Schema.Unknown),
  properties: opt(Schema.Unknown),
  minItems: opt(Schema.Int),
  maxItems: opt(Schema.Int),
  required: opt(Schema.Boolean),
  secret: opt(Schema.Boolean),
  position: opt(Schema.Int),
  immutable: opt(Schema.Boolean),
}).pipe(Schema.annotations({ identifier: "ParameterSpec", description: "One parameter of a flat parameter map" }))

/** `parameters` / `output` / `conf_schema` as written: a flat map or a JSON Schema object. */
export const ParametersSource = JsonObject.pipe(
  Schema.annotations({
    identifier: "ParametersSource",
    description: "A flat map `name: {type, required, secret, default, position, ...}` or a JSON Schema with `type: object`",
    jsonSchema: {
      anyOf: [
        { type: "object", required: ["type"], properties: { type: { const: "object" }, properties: { type: "object" } } },
        {
          type: "object",
          additionalProperties: {
            type: "object",
            properties: {
              type: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
              description: { type: "string" },
              required: { type: "boolean" },
              secret: { type: "boolean" },
              position: { type: "integer" },
              immutable: { type: "boolean" },
            },
          },
        },
      ],
    },
  }),
)
export type ParametersSource = typeof ParametersSource.Type

/** A compiled parameter/output schema: JSON Schema (draft-07 compatible) with packsmith's annotations. */
export const ParameterSchema = JsonObject.pipe(
  Schema.annotations({ identifier: "ParameterSchema", description: "JSON Schema with secret/position/immutable annotations" }),
)
export type ParameterSchema = typeof ParameterSchema.Type

/** A secret reference (`secret:<name>`): the host that runs the work resolves it; never the value itself. */
export const SECRET_REF_PATTERN = /^secret:[A-Za-z0-9_.\/-]+$/
