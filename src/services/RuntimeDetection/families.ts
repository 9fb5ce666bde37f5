/**
 * What detection looks for in each runtime family: the binary names, how to ask each binary for its version
 * and how to read the answer. Pure data and parsers; the I/O lives in locate.ts and probe.ts.
 */
import type { RuntimeFamily } from "../../domain/RuntimeFamily.js"

export interface VersionProbe {
  readonly args: ReadonlyArray<string>
  /** Its first capture group is the version; null when the probe only proves that the binary runs. */
  readonly pattern: RegExp | null
}

export interface FamilySpec {
  readonly family: RuntimeFamily
  /** Binary names in order of preference, looked up on PATH. */
  readonly names: ReadonlyArray<string>
  /** Absolute paths tried before PATH. */
  readonly preferredPaths: ReadonlyArray<string>
  /** The version probe for a binary whose real file has this base name. */
  readonly probe: (realName: string) => VersionProbe
  /**
   * Args that make the interpreter print its own executable on the first line and its version after it, so
   * that a version-manager shim is resolved and versioned by one spawn. Absent when the family cannot say.
   */
  readonly selfQuery?: ReadonlyArray<string>
}

const fixed = (args: ReadonlyArray<string>, pattern: RegExp) => (): VersionProbe => ({ args, pattern })

const BASH_VERSION = /\bversion (\d+\.\d+(?:\.\d+)?)/
const ZSH_VERSION = /\bzsh (\d+\.\d+(?:\.\d+)?)/

/** dash and busybox sh have no version flag; running a command is the only proof they work. */
const shellProbe = (realName: string): VersionProbe =>
  realName === "bash" ? { args: ["--version"], pattern: BASH_VERSION }
  : realName === "zsh" ? { args: ["--version"], pattern: ZSH_VERSION }
  : { args: ["-c", "echo ok"], pattern: null }

const LUA_NAMES = ["lua", "lua5.4", "lua5.3", "lua5.2", "lua5.1", "luajit"] as const

const spec = (
  family: RuntimeFamily,
  names: ReadonlyArray<string>,
  probe: (realName: string) => VersionProbe,
  extra: { readonly preferredPaths?: ReadonlyArray<string>; readonly selfQuery?: ReadonlyArray<string> } = {},
): FamilySpec => ({
  family,
  names,
  probe,
  preferredPaths: extra.preferredPaths ?? [],
  ...(extra.selfQuery === undefined ? {} : { selfQuery: extra.selfQuery }),
})

/** In report order. */
export const FAMILY_SPECS: ReadonlyArray<FamilySpec> = [
  spec("shell", ["bash", "sh", "dash", "zsh"], shellProbe, { preferredPaths: ["/bin/bash", "/bin/sh"] }),
  spec("python", ["python3", "python"], fixed(["--version"], /\bPython (\d+\.\d+(?:\.\d+)?)/), {
    // -S skips site-packages processing, about 30 ms of start-up that sys.executable does not need.
    selfQuery: ["-S", "-c", "import sys; print(sys.executable); print('Python %d.%d.%d' % sys.version_info[:3])"],
  }),
  spec("node", ["node", "nodejs"], fixed(["--version"], /\bv(\d+\.\d+\.\d+)/), {
    selfQuery: ["-p", "process.execPath + '\\n' + process.version"],
  }),
  spec("ruby", ["ruby"], fixed(["--version"], /\bruby (\d+\.\d+(?:\.\d+)?)/), {
    selfQuery: ["-e", "print RbConfig.ruby, \"\\n\", RUBY_DESCRIPTION, \"\\n\""],
  }),
  spec("go", ["go"], fixed(["version"], /\bgo version go(\d+\.\d+(?:\.\d+)?)/)),
  spec("java", ["java"], fixed(["-version"], /\bversion "(\d+(?:\.\d+)*)[^"]*"/)),
  spec("perl", ["perl"], fixed(["-v"], /\bThis is perl\b.*?\bv(\d+\.\d+(?:\.\d+)?)/), {
    selfQuery: ["-e", "print $^X, \"\\n\", \"This is perl, $^V\\n\""],
  }),
  // Recent R prints "Rscript (R) version 4.3.2"; older R prints "R scripting front-end version 4.1.2" on stderr.
  spec("r", ["Rscript"], fixed(["--version"], /\bversion (\d+\.\d+\.\d+)/)),
  spec("deno", ["deno"], fixed(["--version"], /\bdeno (\d+\.\d+\.\d+)/)),
  spec("bun", ["bun"], fixed(["--version"], /^(\d+\.\d+\.\d+)/)),
  spec("php", ["php"], fixed(["--version"], /\bPHP (\d+\.\d+\.\d+)/)),
  spec("lua", LUA_NAMES, fixed(["-v"], /\bLua(?:JIT)? (\d+\.\d+(?:\.\d+)?)/)),
]

export const familySpec = (family: RuntimeFamily): FamilySpec | undefined =>
  FAMILY_SPECS.find((s) => s.family === family)

export interface ParsedVersion {
  readonly version: string
  /** The line the version was read from. */
  readonly raw: string
}

/**
 * The first line of stdout, then of stderr, that the pattern matches. Lines are tried one by one because
 * the version is not always on the first line (perl starts with a blank one) nor on stdout (java).
 */
export const parseVersion = (pattern: RegExp, stdout: string, stderr: string): ParsedVersion | undefined => {
  for (const line of `${stdout}\n${stderr}`.split(/\r?\n/)) {
    const trimmed = line.trim()
    const version = pattern.exec(trimmed)?.[1]
    if (version !== undefined) return { version, raw: trimmed }
  }
  return undefined
}

/** The first non-blank line of an output, shortened, for messages. */
export const firstLine = (stdout: string, stderr: string): string => {
  const line = `${stdout}\n${stderr}`.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? ""
  return line.length > 160 ? `${line.slice(0, 157)}...` : line
}

/**
 * Splits a self-query answer into the executable the interpreter reported and the version text after it.
 * Undefined when the first line is not an absolute path.
 */
export const splitSelfQuery = (stdout: string): { readonly path: string; readonly rest: string } | undefined => {
  const newline = stdout.indexOf("\n")
  const path = (newline === -1 ? stdout : stdout.slice(0, newline)).trim()
  if (!path.startsWith("/")) return undefined
  return { path, rest: newline === -1 ? "" : stdout.slice(newline + 1) }
}

/**
 * Whether a binary's real file is named like the family (python3 -> python3.11, sh -> dash, nodejs -> node).
 * A real file with another name (volta-shim, mise) is a version-manager multiplexer.
 */
export const isFamilyName = (spec: FamilySpec, realName: string): boolean =>
  realName.startsWith(spec.family) || spec.names.some((n) => realName.startsWith(n))
