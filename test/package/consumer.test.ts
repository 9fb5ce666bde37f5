/**
 * packsmith as a project outside the repository gets it: the packed tarball installed (offline) with what npm
 * would install beside it, a program type-checked with `strict` and `skipLibCheck: false`, then run: the
 * README's example, and a program that composes the database, the compiler and the registry.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { runCli } from "../cli/run.js"
import { PACK_NAMES, PUBLIC_NAMES } from "./publicApi.js"
import { installFromTarball, packPackage, readManifest, REPO, runAsync, type Finished } from "./install.js"

/** The first ```ts block of the README's "Use it from a program" section. */
const readmeExample = (): string => {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Use it from a program"))
  const start = section.indexOf("```ts\n") + "```ts\n".length
  return section.slice(start, section.indexOf("```", start))
}

/** Compiles the shipped packs, registers them in an in-memory database, reads them back, prints what it saw. */
const COMPOSED_PROGRAM = `import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Layer } from "effect"
import * as packsmith from "packsmith"
import { BundleRegistry, CompileFailed, Database, Pack, PackCompiler, Registry, SHIPPED_PACKS_DIR } from "packsmith"

const program = Effect.gen(function* () {
  const { bundle } = yield* (yield* PackCompiler).compile([SHIPPED_PACKS_DIR], { workspace: "consumer" })
  const registered = yield* (yield* BundleRegistry).register(bundle, "consumer")
  const packs = yield* (yield* Registry).listPacks("consumer")
  const echo: Pack.Action | undefined = bundle.body.packs["core"]?.actions["core.echo"]
  return {
    exports: Object.keys(packsmith).sort(),
    pack: Object.keys(Pack).sort(),
    digest: bundle.digest,
    revision: registered.revision,
    packs: packs.map(({ pack }) => pack.ref),
    echo: echo?.ref,
  }
})

const services = Layer.mergeAll(PackCompiler.Default, BundleRegistry.Default, Registry.Default).pipe(
  Layer.provideMerge(Database.migrated(Database.layerPglite({ memory: true }))),
  Layer.provideMerge(NodeContext.layer),
)

program.pipe(
  Effect.catchTag("CompileFailed", (failed: CompileFailed) => Effect.die(\`\${failed.diagnostics.length} diagnostics\`)),
  Effect.provide(services),
  Effect.runPromise,
).then((seen) => console.log(JSON.stringify(seen)))
`

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: false,
    types: ["node"],
    rootDir: ".",
    outDir: "out",
  },
  include: ["*.ts"],
}

describe("a project outside the repository that installs the packed package", () => {
  let project = ""
  let typeCheck: Finished = { status: null, stdout: "", stderr: "" }
  const node = (args: ReadonlyArray<string>) => runAsync(process.execPath, args, { cwd: project })

  beforeAll(async () => {
    project = mkdtempSync(path.join(os.tmpdir(), "packsmith-consumer-"))
    const tarball = await packPackage(project)
    await installFromTarball(project, tarball, ["typescript", "@types/node", "@effect/platform-node"])
    const own = readManifest(REPO)
    writeFileSync(path.join(project, "package.json"), JSON.stringify({
      name: "packsmith-consumer",
      private: true,
      type: "module",
      dependencies: {
        packsmith: `file:${path.basename(tarball)}`,
        effect: own.peerDependencies?.["effect"],
        "@effect/platform-node": own.dependencies?.["@effect/platform-node"],
      },
    }, null, 2))
    writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2))
    writeFileSync(path.join(project, "compile.ts"), readmeExample())
    writeFileSync(path.join(project, "main.ts"), COMPOSED_PROGRAM)
    // Checks and emits out/*.js, which the tests below run.
    typeCheck = await node([path.join(project, "node_modules/typescript/bin/tsc"), "-p", "."])
  }, 300_000)

  afterAll(() => {
    if (project !== "") rmSync(project, { recursive: true, force: true })
  })

  it("type-checks with strict and skipLibCheck false, without pg's or PGlite's types", () => {
    expect(typeCheck.stdout + typeCheck.stderr).toBe("")
    expect(typeCheck.status).toBe(0)
  })

  it("runs the README's example there, and it prints the CLI's digest", async () => {
    const run = await node(["out/compile.js"])
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const cli = runCli(["compile", "packs", "-o", path.join(project, "bundle.json")])
    expect(cli.code).toBe(0)
    expect(run.stdout).toContain(`${cli.stdout.trim()} [ 'core' ]`)
  })

  it("composes the database, compiler and registry, and sees exactly the reviewed API", async () => {
    const run = await node(["out/main.js"])
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const seen = JSON.parse(run.stdout) as Record<string, unknown>
    expect(seen).toMatchObject({ revision: 1, packs: ["core"], echo: "core.echo" })
    expect(seen["exports"]).toEqual([...PUBLIC_NAMES].sort())
    expect(seen["pack"]).toEqual([...PACK_NAMES].sort())
  }, 120_000)
})
