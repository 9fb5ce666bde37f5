/**
 * What of StackStorm's pack format compiles today, and what is reported as not supported: the README's
 * compatibility section states exactly these (packs written here in our own words, in StackStorm's forms).
 */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { compileOk, errorsOf, render, tempDir, validate, writeFiles } from "./helpers.js"

const CORE = path.join(import.meta.dirname, "../../packs/core")
const PACK = 'ref: chat\nname: chat\ndescription: Chat in the StackStorm layout\nkeywords: [chat]\nversion: 1.0.0\npython_versions: ["3"]\n'

const lay = (files: Record<string, string>) => path.join(writeFiles(tempDir(), { "chat/pack.yaml": PACK, ...files }), "chat")
const errors = async (files: Record<string, string>) =>
  errorsOf((await validate([lay(files), CORE])).diagnostics).map((d) => `${d.code} ${d.pointer}`)

describe("StackStorm's pack format", () => {
  it("compiles a pack.yaml with name/keywords/python_versions, `pack:` keys and null descriptions", async () => {
    const { bundle, diagnostics } = await compileOk([lay({
      "chat/actions/post.yaml": "name: post\npack: chat\ndescription: ~\nrunner_type: python\nentry_point: post.py\nparameters:\n  text: {type: string, required: true, description: null}\n",
      "chat/actions/post.py": "print('{}')\n",
      "chat/rules/every_minute.yaml": "name: every_minute\npack: chat\ndescription: null\ntrigger_ref: core.intervaltimer\naction_ref: post\ntrigger_params: {unit: minutes, interval: 1}\naction_params: {text: tick}\n",
    }), CORE])
    expect(render(errorsOf(diagnostics))).toBe("")
    const chat = bundle.body.packs["chat"]!
    expect(chat.manifest).toMatchObject({ label: "chat", tags: ["chat"], python_versions: ["3"] })
    expect(chat.actions["chat.post"]).not.toHaveProperty("description")
    expect(chat.rules["chat.every_minute"]).not.toHaveProperty("description")
  })

  it("reports a `pack:` key that names another pack", async () => {
    expect(await errors({ "chat/actions/post.yaml": "name: post\npack: slack\nentry_point: 'echo hi'\n" })).toEqual(["PS2008 /pack"])
  })

  it("does not run StackStorm's runner types yet: each is an undefined runtime", async () => {
    expect(await errors({
      "chat/actions/a.yaml": "name: a\nrunner_type: python-script\nentry_point: a.py\n",
      "chat/actions/a.py": "pass\n",
      "chat/actions/b.yaml": "name: b\nrunner_type: local-shell-script\nentry_point: b.sh\n",
      "chat/actions/b.sh": "#!/bin/sh\n",
      "chat/actions/c.yaml": "name: c\nrunner_type: orquesta\nentry_point: workflows/c.yaml\n",
    })).toEqual(expect.arrayContaining(["PS3001 /runner_type", "PS3001 /runner_type", "PS3001 /runner_type"]))
  })

  it("does not take names with capitals or more dots, nor StackStorm's rule and sensor layouts", async () => {
    expect(await errors({
      "chat/actions/msg.yaml": "name: chat.postMessage\nrunner_type: python\nentry_point: msg.py\n",
      "chat/actions/msg.py": "pass\n",
      "chat/rules/r.yaml": "name: r\ntrigger: {type: core.st2.webhook}\ncriteria: {trigger.body.x: {type: equals, pattern: y}}\naction: {ref: chat.msg}\n",
      "chat/sensors/s.yaml": "class_name: S\nentry_point: s.py\ntrigger_types: [{name: message}]\n",
      "chat/sensors/s.py": "pass\n",
    })).toEqual(expect.arrayContaining([
      "PS2007 /name",
      "PS2001 /trigger", "PS2001 /criteria", "PS2001 /action",
      "PS2001 /class_name", "PS2003 /trigger_types/0",
    ]))
  })
})
