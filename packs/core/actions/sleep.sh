#!/bin/sh
# core.sleep: waits `seconds` (0-3600, default 1), then prints {"seconds": N}.
# Parameters arrive on stdin in dotenv format (see actions/sleep.yaml).
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

seconds=1
on_param() {
    case $1 in
        seconds) seconds=$2 ;;
    esac
}

dotenv_read

case $seconds in
    '' | *[!0-9]*)
        echo "ERROR: parameter 'seconds' must be a whole number between 0 and 3600" >&2
        exit 1
        ;;
esac
# Strip leading zeros: some shells read 010 as octal in arithmetic.
while :; do
    case $seconds in
        0?*) seconds=${seconds#0} ;;
        *) break ;;
    esac
done
if [ "${#seconds}" -gt 4 ] || [ "$seconds" -gt 3600 ]; then
    echo "ERROR: parameter 'seconds' must be between 0 and 3600, got $seconds" >&2
    exit 1
fi

sleep "$seconds"
printf '{"seconds":%s}\n' "$seconds"
