import { describe, expect, it } from "@effect/vitest"
import type { PackSection } from "../../src/domain/Bundle.js"
import type { JsonObject } from "../../src/domain/SourceFields.js"
import type { CheckProgress } from "../../src/compiler/check.js"
import { BodyCache, emitBody, finalValue, packTextsAhead } from "../../src/compiler/emit.js"
import type { Component, FileUnit } from "../../src/compiler/model.js"

const component = (pack: string, section: PackSection, ref: string, value: JsonObject): Component =>
  ({ section, ref, pack, unit: {} as FileUnit, refPointer: "", value, links: [] })

const setup = () => {
  const manifests = new Map<string, JsonObject>([
    ["alpha", { ref: "alpha", version: "1.0.0" }],
    ["beta", { ref: "beta", version: "2.0.0" }],
  ])
  const components = [
    component("alpha", "actions", "alpha.one", { ref: "alpha.one", timeout: 1 }),
    component("alpha", "triggers", "alpha.tick", { ref: "alpha.tick" }),
    component("beta", "actions", "beta.one", { ref: "beta.one", timeout: 2 }),
  ]
  const progress: CheckProgress = { done: 0, patches: new Map() }
  return { manifests, components, progress }
}

const emitted = (manifests: ReadonlyMap<string, JsonObject>, components: ReadonlyArray<Component>, progress: CheckProgress, cache: BodyCache) =>
  emitBody(manifests, components.map((c) => ({ component: c, value: finalValue(c, progress.patches.get(c)) })), [], cache).canonical

describe("pack texts made while the check waits for scripts", () => {
  it("makes a pack's text only once all its components are checked, one pack per call", () => {
    const { components, manifests, progress } = setup()
    const cache = new BodyCache()
    const next = packTextsAhead(cache, manifests, components, progress)

    expect(next()).toBe(false)
    progress.done = 1
    expect(next()).toBe(false)
    progress.done = 2
    expect(next()).toBe(true)
    expect([...cache.ahead.keys()]).toEqual(["alpha"])
    expect(next()).toBe(false)
    progress.done = 3
    expect(next()).toBe(true)
    expect(next()).toBe(false)
    expect([...cache.ahead.keys()]).toEqual(["alpha", "beta"])
  })

  it("emits the same body as without them, using each one made from the values emitted", () => {
    const { components, manifests, progress } = setup()
    progress.patches.set(components[0]!, { runtime: "core.shell" })
    const fresh = emitted(manifests, components, progress, new BodyCache())
    const cache = new BodyCache()
    const next = packTextsAhead(cache, manifests, components, progress)
    progress.done = 3
    while (next()) continue
    expect(emitted(manifests, components, progress, new BodyCache())).toBe(fresh)

    // Proof that emit takes the text made ahead rather than making it again: a marked text comes out as it is.
    const alpha = cache.ahead.get("alpha")!
    cache.ahead.set("alpha", { ...alpha, text: `{"marked":true}` })
    const body = emitted(manifests, components, progress, cache)
    expect(body).toContain(`"alpha":{"marked":true}`)
    expect(body.replace(`{"marked":true}`, alpha.text)).toBe(fresh)
    expect(cache.ahead.size).toBe(0)
  })

  it("does not use a text made from values that changed before the emit", () => {
    const { components, manifests, progress } = setup()
    const cache = new BodyCache()
    const next = packTextsAhead(cache, manifests, components, progress)
    progress.done = 3
    while (next()) continue
    cache.ahead.set("alpha", { ...cache.ahead.get("alpha")!, text: `{"marked":true}` })
    // A patch set after the text was made: the component's final value is another object.
    progress.patches.set(components[1]!, { enabled: false })

    const body = emitted(manifests, components, progress, cache)

    expect(body).not.toContain("marked")
    expect(body).toContain(`"alpha.tick":{"enabled":false,"ref":"alpha.tick"}`)
    expect(body).toBe(emitted(manifests, components, progress, new BodyCache()))
  })
})
