/** Bounds on untrusted input: a pack can make the compiler report, never hang or exhaust memory. */
export const MAX_YAML_BYTES = 1024 * 1024
export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024
export const MAX_DEPTH = 64
/** Nodes after alias expansion (js-yaml shares aliased nodes, so a billion-laughs file loads cheaply). */
export const MAX_NODES = 100_000
export const MAX_SCALAR_CHARS = 256 * 1024
