/**
 * The argv of an execution: `[interpreter, ...args, entry file]`; the entry point alone for native runtimes
 * (a host binary found on PATH by stat and allowed by policy); inline shell code as `[shell, "-c", code]` or a
 * temporary script file. A runtime profile swaps the interpreter for its command and puts its fixed_args first.
 * Parameter values never enter argv or the text of a script.
 */
import * as nodePath from "node:path"
import { Effect, Either, Option } from "effect"
import type { Action } from "../../domain/Action.js"
import type { HostPolicy } from "../../domain/HostPolicy.js"
import { EntryPointMissing, MaterializedFile, type PolicyDenied } from "../../domain/Resolution.js"
import type { ExecutionConfig } from "../../domain/Runtime.js"
import type { ParameterDelivery, ParameterFormat } from "../../domain/SourceFields.js"
import { fileExists, findOnPath, isExecutableFile, pathDirectories } from "./hostPath.js"
import { checkHostBinary } from "./policy.js"

/**
 * Prepended to inline scripts when the runtime asks for shell helpers: reads the dotenv parameters (stdin or
 * PACKSMITH_PARAMETER_FILE) at run time into un-exported PARAM_<NAME> variables. The dotenv reader is the one
 * the core pack's shell actions use.
 */
export const SHELL_HELPERS = `# --- packsmith shell helpers: parameters as PARAM_<NAME>, read at run time ---
dotenv_decode() {
    dotenv_rest=$1
    dotenv_value=
    while [ -n "$dotenv_rest" ]; do
        case $dotenv_rest in
            \\'*)
                dotenv_rest=\${dotenv_rest#?}
                case $dotenv_rest in *\\'*) ;; *) return 1 ;; esac
                dotenv_value=$dotenv_value\${dotenv_rest%%\\'*}
                dotenv_rest=\${dotenv_rest#*\\'}
                ;;
            \\"*)
                dotenv_rest=\${dotenv_rest#?}
                case $dotenv_rest in *\\"*) ;; *) return 1 ;; esac
                dotenv_value=$dotenv_value\${dotenv_rest%%\\"*}
                dotenv_rest=\${dotenv_rest#*\\"}
                ;;
            \\\\?*)
                dotenv_rest=\${dotenv_rest#?}
                dotenv_value=$dotenv_value\${dotenv_rest%"\${dotenv_rest#?}"}
                dotenv_rest=\${dotenv_rest#?}
                ;;
            *)
                dotenv_value=$dotenv_value\${dotenv_rest%"\${dotenv_rest#?}"}
                dotenv_rest=\${dotenv_rest#?}
                ;;
        esac
    done
    return 0
}
dotenv_read() {
    dotenv_key=
    dotenv_raw=
    while IFS= read -r dotenv_line || [ -n "$dotenv_line" ]; do
        if [ -n "$dotenv_key" ]; then
            dotenv_raw="$dotenv_raw
$dotenv_line"
        else
            case $dotenv_line in
                '' | '#'*) continue ;;
                *=*) ;;
                *) echo "WARN: ignoring a parameter line without '='" >&2; continue ;;
            esac
            dotenv_key=\${dotenv_line%%=*}
            dotenv_raw=\${dotenv_line#*=}
        fi
        if dotenv_decode "$dotenv_raw"; then
            on_param "$dotenv_key" "$dotenv_value"
            dotenv_key=
        fi
    done
    if [ -n "$dotenv_key" ]; then
        echo "ERROR: unterminated quoted value for parameter '$dotenv_key'" >&2
        return 1
    fi
}
on_param() {
    packsmith_name=$(printf '%s' "$1" | tr 'abcdefghijklmnopqrstuvwxyz.-' 'ABCDEFGHIJKLMNOPQRSTUVWXYZ__')
    case $packsmith_name in
        '' | [0-9]* | *[!A-Z0-9_]*) return 0 ;;
    esac
    eval "PARAM_$packsmith_name=\\$2"
}
if [ -n "\${PACKSMITH_PARAMETER_FILE:-}" ]; then dotenv_read < "$PACKSMITH_PARAMETER_FILE" || exit 1; else dotenv_read || exit 1; fi
unset -f dotenv_decode dotenv_read on_param
unset dotenv_rest dotenv_value dotenv_key dotenv_raw dotenv_line packsmith_name
# --- end of packsmith shell helpers ---
`

export interface ProfileLaunch {
  readonly ref: string
  /** The profile's command_name resolved on PATH. */
  readonly command: string
  readonly fixedArgs: ReadonlyArray<string>
}

export interface LaunchInput {
  readonly action: Action
  readonly config: ExecutionConfig
  /** Absolute interpreter path; undefined for native runtimes. */
  readonly interpreter: string | undefined
  readonly profile: ProfileLaunch | undefined
  readonly packDir: string
  readonly scratchDir: string
  readonly policy: HostPolicy
  readonly workerPath: string | undefined
  readonly delivery: ParameterDelivery
  readonly format: ParameterFormat
}

export interface Launch {
  readonly argv: ReadonlyArray<string>
  readonly files: ReadonlyArray<MaterializedFile>
  readonly explain: ReadonlyArray<string>
}

export const buildLaunch = (input: LaunchInput): Effect.Effect<Launch, EntryPointMissing | PolicyDenied> =>
  Effect.gen(function* () {
    const { action, config, interpreter, profile } = input
    const explain: Array<string> = []
    const interpreterArgs = config.interpreter?.args ?? []
    // What runs before the entry point: the profile's command and fixed_args replace the interpreter binary.
    const launcher = profile !== undefined
      ? [profile.command, ...profile.fixedArgs, ...(interpreter === undefined ? [] : interpreterArgs)]
      : interpreter === undefined ? [] : [interpreter, ...interpreterArgs]
    if (profile !== undefined) {
      explain.push(`profile ${profile.ref}: ${profile.command} replaces the interpreter; fixed_args ${JSON.stringify(profile.fixedArgs)} lead the arguments`)
    }
    const entry = action.entry_point
    if (entry === undefined) {
      return yield* new EntryPointMissing({ action: action.ref, path: "(none)", reason: "the action has no entry_point" })
    }

    if (entry.kind === "file") {
      const file = nodePath.join(input.packDir, entry.path ?? nodePath.join("actions", entry.value))
      const exists = yield* fileExists(file)
      if (exists !== "file") {
        return yield* new EntryPointMissing({ action: action.ref, path: file, reason: exists === "missing" ? "no such file on this host" : "not a regular file" })
      }
      if (launcher.length === 0 && !(yield* isExecutableFile(file))) {
        return yield* new EntryPointMissing({ action: action.ref, path: file, reason: "a native entry point must be executable (mode 755)" })
      }
      explain.push(`entry point: ${entry.path ?? entry.value} -> ${file}`)
      return { argv: [...launcher, file], files: [], explain }
    }

    if (entry.kind === "host") {
      const allowed = checkHostBinary(input.policy, entry.value)
      if (Either.isLeft(allowed)) return yield* allowed.left
      const found = yield* findOnPath(entry.value, input.workerPath)
      if (Option.isNone(found)) {
        const searched = pathDirectories(input.workerPath)
        return yield* new EntryPointMissing({
          action: action.ref,
          path: entry.value,
          reason: `not found on the worker's PATH (${searched.length === 0 ? "PATH is empty" : searched.join(":")})`,
        })
      }
      explain.push(allowed.right)
      explain.push(`entry point: host binary ${entry.value} -> ${found.value} (found on PATH by stat)`)
      return { argv: [...launcher, found.value], files: [], explain }
    }

    // Inline shell code. The code is the pack's own text; parameters reach it only through stdin or the file.
    if (launcher.length === 0) {
      return yield* new EntryPointMissing({ action: action.ref, path: "(inline code)", reason: "inline code needs a shell interpreter, and this runtime has none" })
    }
    const inline = config.inline_execution
    if ((inline?.strategy ?? "direct") === "direct") {
      explain.push("entry point: inline code run as `<shell> -c <code>` (inline_execution.strategy direct)")
      return { argv: [...launcher, "-c", entry.value], files: [], explain }
    }
    const extension = inline?.extension ?? config.interpreter?.file_extension ?? ".sh"
    const script = nodePath.join(input.scratchDir, `inline${extension}`)
    const helpers = inline?.inject_shell_helpers === true
    const withHelpers = helpers && input.format === "dotenv"
    explain.push(`entry point: inline code written to ${script} (inline_execution.strategy temp_file)`)
    if (helpers) {
      explain.push(withHelpers
        ? "entry point: shell helpers read the dotenv parameters into PARAM_<NAME> at run time"
        : `entry point: shell helpers skipped: they read dotenv parameters and ${action.ref} uses ${input.format}`)
    }
    const content = `${withHelpers ? SHELL_HELPERS : ""}${entry.value}${entry.value.endsWith("\n") ? "" : "\n"}`
    return { argv: [...launcher, script], files: [new MaterializedFile({ path: script, content, mode: 0o400 })], explain }
  })
