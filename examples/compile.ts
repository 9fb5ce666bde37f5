import { Effect } from "effect"
import { PackCompiler, SHIPPED_PACKS_DIR } from "packsmith"

const program = Effect.gen(function* () {
  const compiler = yield* PackCompiler
  const { bundle, diagnostics } = yield* compiler.compile([SHIPPED_PACKS_DIR], { workspace: "demo" })
  console.log(bundle.digest, Object.keys(bundle.body.packs), `${diagnostics.length} warnings`)
  return bundle.digest
})

Effect.runPromise(program.pipe(Effect.provide(PackCompiler.Default)))
