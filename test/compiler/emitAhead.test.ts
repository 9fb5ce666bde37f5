import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import type { PackSection } from "../../src/domain/Bundle.js"
import type { JsonObject } from "../../src/domain/SourceFields.js"
import { expectedPatch, type CheckProgress } from "../../src/compiler/check.js"
import { CheckCache } from "../../src/compiler/checkCache.js"
import { BodyCache, emitBody, finalValue, packTextsAhead, PackTextsWhileLoading } from "../../src/compiler/emit.js"
import { link } from "../../src/compiler/link.js"
import { discover } from "../../src/compiler/load.js"
import type { Component, FileUnit } from "../../src/compiler/model.js"
import { UnitCache } from "../../src/compiler/sources.js"
import { MINI_CORE, tempDir, writeFiles } from "./helpers.js"

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

describe("pack texts made while the files load", () => {
  const entryPoint = { entry_point: { kind: "file", path: "actions/one.sh", value: "one.sh" } }
  /** Pack alpha as loaded: its manifest's unit, then a unit per component. */
  const loaded = () => {
    const { manifests, components, progress } = setup()
    const manifestUnit = { components: [], manifest: { ref: "alpha", version: "1.0.0", dependencies: [], value: manifests.get("alpha")! } } as unknown as FileUnit
    const units = [manifestUnit, ...components.filter((c) => c.pack === "alpha").map((c) => ({ components: [c] }) as unknown as FileUnit)]
    return { manifests, components, progress, units }
  }

  it("makes a loaded pack's text with the patches the check is expected to make, and the emit uses it when the check made them", () => {
    const { manifests, components, progress, units } = loaded()
    const cache = new BodyCache()
    const whileLoading = new PackTextsWhileLoading(cache)
    expect(whileLoading.whileWaiting()).toBe(false)
    whileLoading.packLoaded("alpha", units, (c) => (c.ref === "alpha.one" ? structuredClone(entryPoint) : undefined))
    expect(whileLoading.whileWaiting()).toBe(true)
    expect(whileLoading.whileWaiting()).toBe(false)
    expect([...cache.ahead.keys()]).toEqual(["alpha"])
    cache.ahead.set("alpha", { ...cache.ahead.get("alpha")!, text: `{"marked":true}` })

    // The check makes the same patch (another object, equal as JSON): the text made ahead is the one emitted.
    progress.patches.set(components[0]!, structuredClone(entryPoint))
    expect(emitted(manifests, components, progress, cache)).toContain(`"alpha":{"marked":true}`)
  })

  it("does not use the text when the check made another patch", () => {
    const { manifests, components, progress, units } = loaded()
    const cache = new BodyCache()
    const whileLoading = new PackTextsWhileLoading(cache)
    whileLoading.packLoaded("alpha", units, (c) => (c.ref === "alpha.one" ? structuredClone(entryPoint) : undefined))
    expect(whileLoading.whileWaiting()).toBe(true)
    cache.ahead.set("alpha", { ...cache.ahead.get("alpha")!, text: `{"marked":true}` })

    progress.patches.set(components[0]!, { entry_point: { kind: "host", value: "one.sh" } })
    const body = emitted(manifests, components, progress, cache)
    expect(body).not.toContain("marked")
    expect(body).toContain(`"entry_point":{"kind":"host","value":"one.sh"}`)
    expect(body).toBe(emitted(manifests, components, progress, new BodyCache()))
  })

  it("leaves to the check a pack with a patch it cannot tell, or with a workflow the link completes", () => {
    const { units } = loaded()
    const cache = new BodyCache()
    const whileLoading = new PackTextsWhileLoading(cache)
    whileLoading.packLoaded("alpha", units, (c) => (c.ref === "alpha.tick" ? null : undefined))
    whileLoading.packLoaded("alpha", [...units, { components: [], workflow: { graph: {}, tasks: [] } } as unknown as FileUnit], () => undefined)
    expect(whileLoading.whileWaiting()).toBe(false)
    expect(cache.ahead.size).toBe(0)
  })

  it("guesses the check's patch for entry points that name a listed file", () => {
    const root = path.join(tempDir("packsmith-guess-"), "ws")
    writeFiles(root, {
      ...MINI_CORE,
      "p/pack.yaml": 'ref: p\nversion: "1.0.0"\n',
      "p/actions/plain.yaml": "ref: p.plain\nentry_point: run.sh\n",
      "p/actions/dotted.yaml": "ref: p.dotted\nentry_point: ./run.sh\n",
      "p/actions/nested.yaml": "ref: p.nested\nentry_point: lib/tool.sh\n",
      "p/actions/missing.yaml": "ref: p.missing\nentry_point: gone.sh\n",
      "p/actions/inline.yaml": "ref: p.inline\nentry_point: echo hello\n",
      "p/actions/host.yaml": "ref: p.host\nrunner_type: native\nentry_point: uname\n",
      "p/actions/outside.yaml": "ref: p.outside\nentry_point: ../../etc/passwd\n",
      "p/actions/run.sh": "#!/bin/sh\n",
      "p/actions/lib/tool.sh": "#!/bin/sh\n",
      "p/sensors/watch.yaml": "ref: p.watch\nrunner_type: python\nentry_point: watch.py\ntrigger_types: [core.intervaltimer]\n",
      "p/sensors/watch.py": "print(1)\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: p.plain\n",
    })
    fs.symlinkSync("run.sh", path.join(root, "p/actions/alias.sh"))
    writeFiles(root, { "p/actions/alias.yaml": "ref: p.alias\nentry_point: alias.sh\n" })
    const now = Date.now()
    const sources = new UnitCache().load(discover([root], root), now)
    const linked = link(sources.units, sources.packOfUnit)
    const checked = new CheckCache().run(linked.components, linked.index, sources.locationOfFile, now)
    const guesses = new Map<string, unknown>()
    for (const { component } of linked.components) {
      const guess = expectedPatch(component, sources.locationOfFile.get(component.unit.file.abs)!)
      guesses.set(component.ref, guess)
      // A guess, when there is one, is the patch the check made.
      if (guess !== null) expect(guess, component.ref).toEqual(checked.patches.get(component))
    }
    expect(Object.fromEntries([...guesses].filter(([ref]) => ref.startsWith("p.")).map(([ref, guess]) => [ref, guess === null ? "left to the check" : guess === undefined ? "none" : "made"]))).toEqual({
      "p.plain": "made", "p.watch": "made", "p.r": "none", "p.dotted": "left to the check",
      "p.nested": "left to the check", "p.missing": "left to the check", "p.inline": "left to the check",
      "p.host": "left to the check", "p.outside": "left to the check", "p.alias": "left to the check",
    })
  })
})
