/** The compiler as a program uses it: the service, its failure, the diagnostic codes, and where the shipped packs are. */
export { PackCompiler, CompileFailed, type CompileReport, type CompileOptions, type CompiledBundle, type CompileStats } from "./PackCompiler.js"
export { CODES, ALL_CODES, type CodeInfo, type DiagnosticCodeId } from "./codes.js"
export { CORE_PACK_DIR, SHIPPED_PACKS_DIR } from "./shippedPacks.js"
