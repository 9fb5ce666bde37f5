export * from "./Refs.js"
export * from "./RuntimeFamily.js"
export * from "./Diagnostic.js"
export * from "./Runtime.js"
