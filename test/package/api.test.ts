/**
 * The public API, pinned: `import { ... } from "packsmith"` exposes the reviewed names in publicApi.ts and no
 * internal; consumer.test.ts checks that the packed package exposes the same.
 */
import { describe, expect, it } from "vitest"
import * as api from "../../src/index.js"
import { PACK_NAMES, PUBLIC_NAMES } from "./publicApi.js"

/** Internals the API used to expose: schema helpers, table codecs, raw clients, cache records, source shapes. */
const INTERNALS = [
  "opt", "Tables", "TableSchema", "Migrations", "PgliteClient", "PostgresClient", "TypeParsers", "placementFields",
  "retentionFields", "componentIdentity", "documentationFields", "DetectionCacheFile", "DetectionCacheRecord",
  "CachedFileStamp", "ActionSource", "RuntimeSource", "PackManifestSource", "canonicalJson", "sha256Hex",
  "maskUrl", "SqlState", "INTERCEPTED_ACTIONS", "MAX_YAML_BYTES", "PACK_REF_PATTERN", "JSON_SCHEMA_KEYWORDS",
] as const

describe("the public API", () => {
  it("exports exactly the reviewed names", () => {
    expect(Object.keys(api).sort()).toEqual([...PUBLIC_NAMES].sort())
  })

  it("gathers the parts of a pack under Pack, where Runtime does not collide with effect's", () => {
    expect(Object.keys(api.Pack).sort()).toEqual([...PACK_NAMES].sort())
  })

  it("exposes none of the internals, at the top or under Pack", () => {
    const exposed = [...Object.keys(api), ...Object.keys(api.Pack)]
    expect(INTERNALS.filter((name) => exposed.includes(name))).toEqual([])
  })
})
