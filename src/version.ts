export const PACKSMITH_VERSION = "0.1.0"
