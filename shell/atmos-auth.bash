# shellcheck shell=bash
# atmos-auth hook for bash. Load it with `eval "$(atmos-auth hook bash)"` at the END of ~/.bashrc
# (it puts itself first in PROMPT_COMMAND): that command fills in the variable list and the CLI's
# path (the @...@ words in the source file).
#
# Before each prompt the hook decides in shell code whether anything changed: a new $PWD, new
# ATMOS_PROFILE/ATMOS_IDENTITY/ATMOS_CLI_CONFIG_PATH/ATMOS_BASE_PATH, or credentials within 5
# minutes of AWS_CREDENTIAL_EXPIRATION. Only then, and only inside an Atmos repository, does it
# start `atmos-auth export`. Leaving restores, without any process, the values the shell had
# before (kept in non-exported variables). `$?` is preserved for the rest of PROMPT_COMMAND and PS1.

# Every variable an identity may set or unset (src/shell/env.ts), and the ones atmos-auth owns.
__atmos_auth_vars=(@ATMOS_AUTH_VARS@)
__atmos_auth_managed=(@ATMOS_AUTH_MANAGED@)
# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
__atmos_auth_cmd=(@ATMOS_AUTH_CMD@)

# State survives a second `source` of this file (re-registering nothing, losing nothing).
__atmos_auth_pwd=${__atmos_auth_pwd-}
__atmos_auth_inputs=${__atmos_auth_inputs-}
__atmos_auth_active=${__atmos_auth_active:-0}
__atmos_auth_retry=${__atmos_auth_retry:-0}
__atmos_auth_exp=${__atmos_auth_exp-}
# Repositories where a run failed (newline separated): later runs there are quiet, never log in.
__atmos_auth_tried=${__atmos_auth_tried-}
# Extra variables saved beyond __atmos_auth_vars (an identity's env:), and those inherited as ours.
if [[ -z ${__atmos_auth_extra+x} ]]; then __atmos_auth_extra=(); fi
__atmos_auth_ikeys=${__atmos_auth_ikeys- }
# Repositories where export said (exit @ATMOS_AUTH_UNSUPPORTED_EXIT@) that the identity's kind is
# Atmos's alone (newline separated): said once.
__atmos_auth_unsup=${__atmos_auth_unsup-}
# export's exit status for such an identity.
__atmos_auth_unsup_rc=@ATMOS_AUTH_UNSUPPORTED_EXIT@

# The Atmos repository holding $1 (nearest atmos.yaml, .atmos.yaml, atmos.d or .atmos.d), in REPLY.
__atmos_auth_root() {
  REPLY=''
  if [[ -n ${ATMOS_CLI_CONFIG_PATH-} ]]; then REPLY=$ATMOS_CLI_CONFIG_PATH; return 0; fi
  local d=$1
  while :; do
    if [[ -e $d/atmos.yaml || -e $d/.atmos.yaml || -d $d/atmos.d || -d $d/.atmos.d ]]; then
      REPLY=$d; return 0
    fi
    if [[ $d == / || -z $d ]]; then return 0; fi
    d=${d%/*}
    [[ -n $d ]] || d=/
  done
}

# Remember one variable's value (or its absence): the value in __atmos_auth_saved_<NAME>, its kind
# (x: exported, s: shell only) in __atmos_auth_savedk_<NAME>.
__atmos_auth_save_one() {
  local __aa_v=$1 __aa_a
  unset -v "__atmos_auth_saved_$__aa_v" "__atmos_auth_savedk_$__aa_v"
  [[ -n ${!__aa_v+x} ]] || return 0
  printf -v "__atmos_auth_saved_$__aa_v" '%s' "${!__aa_v}"
  __aa_a=x
  if (( BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4) )); then
    __aa_a=${!__aa_v@a}
    [[ $__aa_a == *x* ]] && __aa_a=x || __aa_a=s
  fi
  printf -v "__atmos_auth_savedk_$__aa_v" '%s' "$__aa_a"
}

# Put one variable back exactly as __atmos_auth_save_one found it. (Locals are __aa_*: bash scopes
# dynamically, and an identity's env: may name any variable outside the _* names it may not set.)
__atmos_auth_restore_one() {
  local __aa_v=$1 __aa_k=__atmos_auth_savedk_$1 __aa_s=__atmos_auth_saved_$1
  case ${!__aa_k-} in
    x) printf -v "$__aa_v" '%s' "${!__aa_s}"; export "${__aa_v?}" ;;
    s) printf -v "$__aa_v" '%s' "${!__aa_s}"; export -n "${__aa_v?}" ;;
    *) unset -v "$__aa_v" ;;
  esac
  unset -v "$__aa_k" "$__aa_s"
}

# Remember the shell's own values (or their absence) before the first identity is applied.
# Values inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's,
# not the user's: they are remembered as absent, and so are the extra variables its env: set
# (listed in the inherited ATMOS_AUTH_ENV_KEYS).
__atmos_auth_save() {
  local __aa_v __aa_m __aa_inh=0
  [[ -n ${ATMOS_AUTH_IDENTITY+x} ]] && __aa_inh=1
  __atmos_auth_ikeys=' '
  (( __aa_inh )) && __atmos_auth_ikeys=" ${ATMOS_AUTH_ENV_KEYS-} "
  __atmos_auth_extra=()
  for __aa_v in "${__atmos_auth_vars[@]}"; do
    if (( __aa_inh )); then
      for __aa_m in "${__atmos_auth_managed[@]}"; do
        if [[ $__aa_m == "$__aa_v" ]]; then unset -v "__atmos_auth_saved_$__aa_v" "__atmos_auth_savedk_$__aa_v"; continue 2; fi
      done
    fi
    __atmos_auth_save_one "$__aa_v"
  done
}

# The extra variables (an identity's env:) named on the first line of export's output, in REPLY:
# export puts ATMOS_AUTH_ENV_KEYS first, and its value holds only names and spaces.
__atmos_auth_keys_of() {
  local __aa_f=${1%%$'\n'*}
  REPLY=''
  if [[ $__aa_f == "export ATMOS_AUTH_ENV_KEYS='"*"';" ]]; then
    __aa_f=${__aa_f#"export ATMOS_AUTH_ENV_KEYS='"}
    __aa_f=${__aa_f%"';"}
    [[ $__aa_f == *[!A-Za-z0-9_\ ]* ]] || REPLY=$__aa_f
  fi
}

# Before applying an identity: remember the user's values of extra names not remembered yet.
__atmos_auth_save_extra() {
  local __aa_v __aa_e
  for __aa_v in $1; do
    for __aa_e in "${__atmos_auth_extra[@]}"; do [[ $__aa_e == "$__aa_v" ]] && continue 2; done
    if [[ $__atmos_auth_ikeys == *" $__aa_v "* ]]; then
      unset -v "__atmos_auth_saved_$__aa_v" "__atmos_auth_savedk_$__aa_v"
    else
      __atmos_auth_save_one "$__aa_v"
    fi
    __atmos_auth_extra+=("$__aa_v")
  done
}

# After applying an identity: extra names the previous one set and this one does not get the
# user's values back.
__atmos_auth_drop_extra() {
  local __aa_v
  local -a __aa_keep=()
  for __aa_v in "${__atmos_auth_extra[@]}"; do
    if [[ " $1 " == *" $__aa_v "* ]]; then __aa_keep+=("$__aa_v"); else __atmos_auth_restore_one "$__aa_v"; fi
  done
  __atmos_auth_extra=("${__aa_keep[@]}")
}

# Put back exactly what __atmos_auth_save (and __atmos_auth_save_extra) remembered.
__atmos_auth_restore() {
  local __aa_v
  for __aa_v in "${__atmos_auth_vars[@]}" "${__atmos_auth_extra[@]}"; do
    __atmos_auth_restore_one "$__aa_v"
  done
  __atmos_auth_extra=()
  __atmos_auth_active=0
  __atmos_auth_exp=''
}

# In the subshell that runs export: the user's own values instead of the active identity's, so
# that export sees the environment as it is without atmos-auth (an ambient identity keeps exactly
# that); $1 = 1 when the unsupported-kind advice was already shown for this repository.
__atmos_auth_as_user() {
  if (( __atmos_auth_active )); then __atmos_auth_restore; fi
  if (( $1 )); then export ATMOS_AUTH_UNSUPPORTED_SAID=1; fi
  return 0
}

# Drops $1 from __atmos_auth_tried (newline separated).
__atmos_auth_untry() {
  __atmos_auth_tried=$'\n'$__atmos_auth_tried
  __atmos_auth_tried=${__atmos_auth_tried/$'\n'"$1"$'\n'/$'\n'}
  __atmos_auth_tried=${__atmos_auth_tried#$'\n'}
}

# Runs `atmos-auth export` for the repository $1 and applies its lines. On failure the export
# command has said why on stderr (shown once per repository: later runs there are quiet and never
# log in), and nothing changes. Exit @ATMOS_AUTH_UNSUPPORTED_EXIT@ (an identity of a kind only Atmos
# handles) leaves the current identity; its advice is shown once per repository.
__atmos_auth_run() {
  local __aa_root=$1 __aa_mode=$2 __aa_out __aa_rc __aa_quiet=0 __aa_said=0 REPLY __aa_keys
  local -a __aa_cmd
  if [[ -n ${ATMOS_AUTH_BIN-} ]]; then __aa_cmd=("$ATMOS_AUTH_BIN"); else __aa_cmd=("${__atmos_auth_cmd[@]}"); fi
  if [[ $__aa_mode != force && $'\n'$__atmos_auth_tried$'\n' == *$'\n'"$__aa_root"$'\n'* ]]; then __aa_quiet=1; fi
  if [[ $__aa_mode != force && $'\n'$__atmos_auth_unsup$'\n' == *$'\n'"$__aa_root"$'\n'* ]]; then __aa_said=1; fi
  if (( __aa_quiet )); then
    __aa_out=$(__atmos_auth_as_user $__aa_said; "${__aa_cmd[@]}" export --format bash --no-login 2>/dev/null)
    __aa_rc=$?
  else
    # Remembered before the run: Ctrl-C during a login ends PROMPT_COMMAND right there.
    if [[ $'\n'$__atmos_auth_tried$'\n' != *$'\n'"$__aa_root"$'\n'* ]]; then
      __atmos_auth_tried+=$__aa_root$'\n'
    fi
    __aa_out=$(__atmos_auth_as_user $__aa_said; "${__aa_cmd[@]}" export --format bash)
    __aa_rc=$?
  fi
  if (( __aa_rc == __atmos_auth_unsup_rc )); then
    if (( __atmos_auth_active )); then __atmos_auth_restore; fi
    if (( ! __aa_quiet )); then
      __atmos_auth_untry "$__aa_root"
      if [[ $'\n'$__atmos_auth_unsup$'\n' != *$'\n'"$__aa_root"$'\n'* ]]; then __atmos_auth_unsup+=$__aa_root$'\n'; fi
    fi
    return 0
  fi
  if (( __aa_rc != 0 )); then
    __atmos_auth_now
    __atmos_auth_retry=$(( REPLY + 60 ))
    return 0
  fi
  __atmos_auth_untry "$__aa_root"
  # export's lines are relative to the user's own values (see __atmos_auth_as_user).
  if (( __atmos_auth_active )); then __atmos_auth_restore; fi
  __atmos_auth_save
  __atmos_auth_keys_of "$__aa_out"
  __aa_keys=$REPLY
  __atmos_auth_save_extra "$__aa_keys"
  eval "$__aa_out"
  __atmos_auth_drop_extra "$__aa_keys"
  if [[ -n ${ATMOS_AUTH_IDENTITY+x} ]]; then
    __atmos_auth_active=1
    __atmos_auth_epoch "${AWS_CREDENTIAL_EXPIRATION-}"
    __atmos_auth_exp=$REPLY
  else
    __atmos_auth_restore
  fi
}

# The decision, in shell code only. $1: prompt or force.
__atmos_auth_hook() {
  local __aa_mode=${1-prompt} REPLY __aa_inputs
  __aa_inputs="${ATMOS_PROFILE-}|${ATMOS_IDENTITY-}|${ATMOS_CLI_CONFIG_PATH-}|${ATMOS_BASE_PATH-}|${ATMOS_AUTH_BIN-}|${ATMOS_AUTH_MODE-}"
  if [[ $__aa_mode != force && $PWD == "$__atmos_auth_pwd" && $__aa_inputs == "$__atmos_auth_inputs" ]]; then
    (( __atmos_auth_active )) || return 0
    [[ -n $__atmos_auth_exp ]] || return 0
    __atmos_auth_now
    (( REPLY < __atmos_auth_exp - 300 || REPLY < __atmos_auth_retry )) && return 0
  fi
  __atmos_auth_pwd=$PWD
  __atmos_auth_inputs=$__aa_inputs
  __atmos_auth_root "$PWD"
  if [[ -z $REPLY ]]; then
    (( __atmos_auth_active )) && __atmos_auth_restore
    return 0
  fi
  __atmos_auth_run "$REPLY" "$__aa_mode"
  return 0
}

# First in PROMPT_COMMAND: keeps `$?` for what follows, and runs with the user's `set -e`, `set -u`
# and `set -x` switched off (restored on the way out).
__atmos_auth_prompt_command() {
  local __aa_status=$? __aa_opts=$-
  set +eux
  __atmos_auth_hook prompt
  [[ $__aa_opts == *e* ]] && set -e
  [[ $__aa_opts == *u* ]] && set -u
  [[ $__aa_opts == *x* ]] && set -x
  return "$__aa_status"
}

# Run atmos-auth now, even if nothing seems to have changed (edited config, a login elsewhere),
# with its messages shown.
atmos_auth_refresh() {
  local __aa_opts=$-
  set +eux
  __atmos_auth_hook force
  [[ $__aa_opts == *e* ]] && set -e
  [[ $__aa_opts == *u* ]] && set -u
  [[ $__aa_opts == *x* ]] && set -x
  return 0
}

# Register once, first, whether PROMPT_COMMAND is a string or (bash 5.1+) an array.
__atmos_auth_register() {
  local decl e
  decl=$(declare -p PROMPT_COMMAND 2>/dev/null) || decl=""
  decl=${decl#declare -}
  decl=${decl%% *}
  if [[ $decl == *a* ]]; then
    for e in "${PROMPT_COMMAND[@]}"; do
      [[ $e == __atmos_auth_prompt_command ]] && return 0
    done
    PROMPT_COMMAND=(__atmos_auth_prompt_command "${PROMPT_COMMAND[@]}")
  else
    case ${PROMPT_COMMAND-} in
      *__atmos_auth_prompt_command*) return 0 ;;
    esac
    # The string form here (the array form was handled above).
    # shellcheck disable=SC2128,SC2178
    PROMPT_COMMAND="__atmos_auth_prompt_command${PROMPT_COMMAND:+$'\n'$PROMPT_COMMAND}"
  fi
  return 0
}
__atmos_auth_register
# Tells `atmos-auth doctor` (a child process, which cannot see the variables above) that this shell
# loaded the hook. Only this marker is exported; `export` never sets or clears it.
export ATMOS_AUTH_HOOK=bash
