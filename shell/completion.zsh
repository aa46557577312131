# atmos-auth completion for zsh: `source <(atmos-auth completion zsh)` in ~/.zshrc, after
# compinit (install.sh --shell zsh saves it and adds a `source` line). Every TAB asks
# `atmos-auth __complete`, which reads the repository of the current directory offline
# (src/commands/complete.ts).

# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
typeset -ga __atmos_auth_complete_cmd
__atmos_auth_complete_cmd=(@ATMOS_AUTH_CMD@)

_atmos_auth() {
  local __aa_out __aa_l __aa_described=0
  local -a __aa_lines __aa_vals __aa_descs __aa_cmd
  __aa_cmd=("${__atmos_auth_complete_cmd[@]}")
  [[ -n ${ATMOS_AUTH_BIN-} ]] && __aa_cmd=("$ATMOS_AUTH_BIN")
  # words[] are as typed; the CLI unquotes what it reads from them (--dir, --profile).
  __aa_out=$("${__aa_cmd[@]}" __complete zsh -- "${(@)words[1,CURRENT]}" 2>/dev/null </dev/null) || return 1
  __aa_lines=("${(@f)__aa_out}")
  case ${__aa_lines[1]} in
    dirs) _directories; return ;;
    files) _files; return ;;
    values) ;;
    *) return 1 ;;
  esac
  shift __aa_lines
  for __aa_l in "${__aa_lines[@]}"; do
    [[ -n $__aa_l ]] || continue
    __aa_vals+=("${__aa_l%%$'\t'*}")
    if [[ $__aa_l == *$'\t'* ]]; then
      __aa_described=1
      __aa_descs+=("${__aa_l%%$'\t'*}  -- ${__aa_l#*$'\t'}")
    else
      __aa_descs+=("${__aa_l}")
    fi
  done
  (( ${#__aa_vals} )) || return 1
  # compadd quotes each value for the line itself (spaces, quotes, globs stay literal).
  if (( __aa_described )); then compadd -l -d __aa_descs -a __aa_vals; else compadd -a __aa_vals; fi
}

if (( ! $+functions[compdef] )); then
  autoload -Uz compinit && compinit -i
fi
compdef _atmos_auth atmos-auth
