#!/bin/sh
# core.echo: prints the `message` parameter followed by a newline.
# Parameters arrive on stdin in dotenv format (see actions/echo.yaml).
set -eu

# --- dotenv parameters on stdin: key='value' lines, ' written as '\'', values may span lines ---
# Decodes one shell-quoted word into dotenv_value; returns 1 while a quote is still open.
dotenv_decode() {
    dotenv_rest=$1
    dotenv_value=
    while [ -n "$dotenv_rest" ]; do
        case $dotenv_rest in
            \'*)
                dotenv_rest=${dotenv_rest#?}
                case $dotenv_rest in *\'*) ;; *) return 1 ;; esac
                dotenv_value=$dotenv_value${dotenv_rest%%\'*}
                dotenv_rest=${dotenv_rest#*\'}
                ;;
            \"*)
                dotenv_rest=${dotenv_rest#?}
                case $dotenv_rest in *\"*) ;; *) return 1 ;; esac
                dotenv_value=$dotenv_value${dotenv_rest%%\"*}
                dotenv_rest=${dotenv_rest#*\"}
                ;;
            \\?*)
                dotenv_rest=${dotenv_rest#?}
                dotenv_value=$dotenv_value${dotenv_rest%"${dotenv_rest#?}"}
                dotenv_rest=${dotenv_rest#?}
                ;;
            *)
                dotenv_value=$dotenv_value${dotenv_rest%"${dotenv_rest#?}"}
                dotenv_rest=${dotenv_rest#?}
                ;;
        esac
    done
    return 0
}

# Calls on_param KEY VALUE for every parameter read from stdin.
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
                # The line may hold a secret, so it is not echoed.
                *) echo "WARN: ignoring a parameter line without '='" >&2; continue ;;
            esac
            dotenv_key=${dotenv_line%%=*}
            dotenv_raw=${dotenv_line#*=}
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
# --- end dotenv ---

message=
have_message=false
on_param() {
    case $1 in
        message) message=$2; have_message=true ;;
    esac
}

dotenv_read

if [ "$have_message" != true ]; then
    echo "ERROR: parameter 'message' is required" >&2
    exit 1
fi

printf '%s\n' "$message"
