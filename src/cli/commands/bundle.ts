/**
 * `packsmith bundle inspect|diff|list`: look inside bundle files (both verify digests before trusting anything),
 * and list the revisions registered in a workspace.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import { type BundleEnvelope, PACK_SECTIONS } from "../../domain/Bundle.js"
import { diffBundles, isEmptyDiff } from "../../services/BundleDiff.js"
import { readBundleFile } from "../../services/BundleFile.js"
import { environmentError, invalidInput } from "../CliFailure.js"
import { formatTable, printJson } from "../render.js"
import { bundleListCommand } from "./bundleList.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print the result as JSON"))

const load = (path: string) =>
  readBundleFile(path).pipe(
    Effect.mapError((error) =>
      error._tag === "BundleNotReadable" ? environmentError(error.message) : invalidInput(`${path}: ${error.message}`)),
  )

export const summarizeBundle = (bundle: BundleEnvelope) => {
  const packs = Object.entries(bundle.body.packs).map(([ref, pack]) => ({
    ref,
    version: pack.manifest.version,
    counts: Object.fromEntries(PACK_SECTIONS.map((section) => [section, Object.keys(pack[section]).length])),
  }))
  const files = Object.values(bundle.body.files)
  return {
    format: bundle.format,
    digest: bundle.digest,
    digest_verified: true,
    workspace: bundle.workspace,
    revision: bundle.revision ?? null,
    created_at: bundle.created_at,
    provenance: bundle.provenance,
    packs,
    files: { count: files.length, bytes: files.reduce((sum, f) => sum + f.size, 0) },
  }
}

const inspect = Command.make("inspect", { file: Args.file({ name: "bundle", exists: "either" }), json }, ({ file, json }) =>
  Effect.gen(function* () {
    const bundle = yield* load(file)
    const summary = summarizeBundle(bundle)
    if (json) return yield* Console.log(printJson(summary))
    yield* Console.log([
      `digest     ${summary.digest} (verified)`,
      `format     ${summary.format}`,
      `workspace  ${summary.workspace}${summary.revision === null ? "" : ` revision ${summary.revision}`}`,
      `created    ${summary.created_at}`,
      `compiler   ${summary.provenance.compiler_version}  source ${summary.provenance.source_root}` +
        (summary.provenance.vcs_commit === undefined ? "" : `  commit ${summary.provenance.vcs_commit}`),
      `files      ${summary.files.count} (${summary.files.bytes} bytes)`,
      "",
      formatTable([
        ["PACK", "VERSION", ...PACK_SECTIONS.map((s) => s.toUpperCase())],
        ...summary.packs.map((p) => [p.ref, p.version, ...PACK_SECTIONS.map((s) => String(p.counts[s] ?? 0))]),
      ]),
    ].join("\n"))
  })).pipe(Command.withDescription("Verify a bundle's digest and blobs, and summarize its packs and components"))

const show = (value: unknown) => value === undefined ? "(absent)" : JSON.stringify(value)

const diff = Command.make("diff", {
  before: Args.file({ name: "before", exists: "either" }),
  after: Args.file({ name: "after", exists: "either" }),
  json,
}, ({ before, after, json }) =>
  Effect.gen(function* () {
    const a = yield* load(before)
    const b = yield* load(after)
    const result = diffBundles(a.body, b.body)
    if (json) return yield* Console.log(printJson({ before: a.digest, after: b.digest, ...result }))
    if (isEmptyDiff(result)) return yield* Console.log(`no differences (${a.digest === b.digest ? "same digest" : "digests differ"})`)
    const lines: Array<string> = []
    for (const c of result.added) lines.push(`+ ${c.kind} ${c.ref}`)
    for (const c of result.removed) lines.push(`- ${c.kind} ${c.ref}`)
    for (const c of result.changed) {
      lines.push(`~ ${c.kind} ${c.ref}`)
      for (const f of c.fields) lines.push(`    ${f.pointer || "/"}: ${show(f.before)} -> ${show(f.after)}`)
    }
    lines.push(`${result.added.length} added, ${result.removed.length} removed, ${result.changed.length} changed`)
    yield* Console.log(lines.join("\n"))
  })).pipe(Command.withDescription("Components added, removed and changed between two bundles, field by field"))

export const bundleCommand = Command.make("bundle").pipe(
  Command.withDescription("Inspect and compare compiled bundles, and list registered revisions"),
  Command.withSubcommands([inspect, diff, bundleListCommand]),
)
