# bash completion for safeflash(1).
#
# Commands and options are read from the safeflash being completed ('safeflash --help',
# 'safeflash COMMAND --help') each time, so they cannot drift from the program. What an
# option's value or a command's argument is comes from its placeholder in that help:
# DEV (modules from 'safeflash list --json'), PACKAGE (package folders and zips), BACKUP
# (backup folders), FILE, DIR. Needs no bash-completion helpers.

# The safeflash being completed: the word typed, as bash would run it.
_safeflash_program()
{
        local sf=${COMP_WORDS[0]}
        sf=${sf/#\~/$HOME}
        printf '%s' "$sf"
}

_safeflash_commands()
{
        "$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# Lines "OPTION PLACEHOLDER" (placeholder "-" for none) of a command's --help, long and short:
# "  -d, --device DEV     the module" gives "-d DEV" and "--device DEV". A placeholder is one
# space after the option; the help text is further away.
_safeflash_options()
{
        local short long arg
        "$1" "$2" --help 2>/dev/null |
                sed -nE 's/^ +(-([A-Za-z0-9]), )?(--[A-Za-z0-9-]+)( ([A-Z][A-Z|]*))?  .*/\2:\3:\5/p' |
                while IFS=: read -r short long arg; do
                        [[ -n $short ]] && printf -- '-%s %s\n' "$short" "${arg:--}"
                        printf -- '%s %s\n' "$long" "${arg:--}"
                done
}

# The placeholder of the command's first positional argument in its usage line, "" for none:
# "PACKAGE" for 'update PACKAGE [-d DEV]', "BACKUP" for 'restore BACKUP --package PACKAGE'.
_safeflash_positional()
{
        local usage word skip=0
        usage=$("$1" "$2" --help 2>/dev/null | sed -n 's/^Usage: [^ ]* [^ ]* \[OPTIONS\] *//p')
        usage=$(sed 's/\[[^]]*\]//g; s/ | / /g; s/[()]/ /g' <<<"$usage")
        for word in $usage; do
                if [[ $word == -* ]]; then
                        skip=1
                elif ((skip)); then
                        skip=0
                else
                        printf '%s' "$word"
                        return
                fi
        done
}

_safeflash_devices()
{
        "$1" list --json 2>/dev/null | sed -n 's/.*"device": *"\([^"]*\)".*/\1/p'
}

# Complete $cur as a value of the kind PLACEHOLDER names.
_safeflash_value()
{
        local sf=$1 kind=$2 cur=$3 state
        case $kind in
        DEV)
                mapfile -t COMPREPLY < <(compgen -W "$(_safeflash_devices "$sf")" -- "$cur")
                ;;
        PACKAGE | *\|PACKAGE)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.[zZ][iI][pP]' -- "$cur")
                ;;
        BACKUP)
                # Backup folders: those under the state directory (IMEI/TIME/), and any folder.
                compopt -o filenames 2>/dev/null
                state=${XDG_STATE_HOME:-$HOME/.local/state}/safeflash/backups
                mapfile -t COMPREPLY < <(
                        for m in "$state"/*/manifest.json "$state"/*/*/manifest.json; do
                                [[ -f $m && ${m%/manifest.json} == "$cur"* ]] &&
                                        printf '%s\n' "${m%/manifest.json}"
                        done
                        compgen -d -- "$cur"
                )
                ;;
        DIR)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
                ;;
        FILE)
                compopt -o filenames 2>/dev/null
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                ;;
        *)
                COMPREPLY=()
                ;;
        esac
}

_safeflash()
{
        local sf cur prev cmd= i line kind
        sf=$(_safeflash_program)
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        COMPREPLY=()

        # The command is the first word after the program that is not an option.
        for ((i = 1; i < COMP_CWORD; i++)); do
                if [[ ${COMP_WORDS[i]} != -* ]]; then
                        cmd=${COMP_WORDS[i]}
                        break
                fi
        done
        if [[ -z $cmd ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_safeflash_commands "$sf") --help --version" -- "$cur")
                return 0
        fi
        if [[ $cmd == help ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_safeflash_commands "$sf")" -- "$cur")
                return 0
        fi

        local -a opts=()
        mapfile -t opts < <(_safeflash_options "$sf" "$cmd")
        # The value of an option that takes one.
        for line in "${opts[@]}"; do
                if [[ ${line%% *} == "$prev" && ${line#* } != - ]]; then
                        _safeflash_value "$sf" "${line#* }" "$cur"
                        return 0
                fi
        done
        if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' "${opts[@]%% *}" | grep -- '^--')" -- "$cur")
                return 0
        fi
        kind=$(_safeflash_positional "$sf" "$cmd")
        [[ -n $kind ]] && _safeflash_value "$sf" "$kind" "$cur"
        return 0
}

complete -F _safeflash safeflash
