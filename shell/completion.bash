# shellcheck shell=bash
# atmos-auth completion for bash: `source <(atmos-auth completion bash)` in ~/.bashrc, or saved as
# ~/.local/share/bash-completion/completions/atmos-auth (install.sh --shell bash), which the
# bash-completion package loads on the first TAB. Every TAB asks `atmos-auth __complete`, which
# reads the repository of the current directory offline (src/commands/complete.ts).

# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
__atmos_auth_complete_cmd=(@ATMOS_AUTH_CMD@)

_atmos_auth_complete() {
  local __aa_out __aa_line
  local -a __aa_cmd=("${__atmos_auth_complete_cmd[@]}")
  [[ -n ${ATMOS_AUTH_BIN-} ]] && __aa_cmd=("$ATMOS_AUTH_BIN")
  COMPREPLY=()
  __aa_out=$("${__aa_cmd[@]}" __complete bash -- "${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null </dev/null) || return 0
  case ${__aa_out%%$'\n'*} in
    dirs) compopt -o dirnames 2>/dev/null; return 0 ;;
    files) compopt -o default 2>/dev/null; return 0 ;;
    values) ;;
    *) return 0 ;;
  esac
  [[ $__aa_out == *$'\n'* ]] || return 0
  # Each candidate quoted for the command line (a name with a space or a quote stays one word).
  while IFS= read -r __aa_line; do
    [[ -n $__aa_line ]] && COMPREPLY+=("$(printf '%q' "$__aa_line")")
  done <<<"${__aa_out#*$'\n'}"
  return 0
}
complete -F _atmos_auth_complete atmos-auth
