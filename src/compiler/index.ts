export { PackCompiler, CompileFailed, type CompileReport, type CompileOptions, type CompiledBundle, type CompileStats } from "./PackCompiler.js"
export { CODES, ALL_CODES, type CodeInfo, type DiagnosticCodeId } from "./codes.js"
export { INTERCEPTED_ACTIONS } from "./link.js"
export { MAX_DEPTH, MAX_NODES, MAX_SCALAR_CHARS, MAX_SCRIPT_BYTES, MAX_YAML_BYTES } from "./limits.js"
