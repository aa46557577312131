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

# Remember the shell's own values (or their absence) before the first identity is applied, each in
# __atmos_auth_saved_<NAME> with its kind (x: exported, s: shell only) in __atmos_auth_savedk_<NAME>.
# Values inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's,
# not the user's: they are remembered as absent.
__atmos_auth_save() {
  local v m inherited=0 attrs
  [[ -n ${ATMOS_AUTH_IDENTITY+x} ]] && inherited=1
  for v in "${__atmos_auth_vars[@]}"; do
    unset -v "__atmos_auth_saved_$v" "__atmos_auth_savedk_$v"
    if (( inherited )); then
      for m in "${__atmos_auth_managed[@]}"; do [[ $m == "$v" ]] && continue 2; done
    fi
    [[ -n ${!v+x} ]] || continue
    printf -v "__atmos_auth_saved_$v" '%s' "${!v}"
    attrs=x
    if (( BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4) )); then
      attrs=${!v@a}
      [[ $attrs == *x* ]] && attrs=x || attrs=s
    fi
    printf -v "__atmos_auth_savedk_$v" '%s' "$attrs"
  done
}

# Put back exactly what __atmos_auth_save remembered.
__atmos_auth_restore() {
  local v k s
  for v in "${__atmos_auth_vars[@]}"; do
    k=__atmos_auth_savedk_$v
    s=__atmos_auth_saved_$v
    case ${!k-} in
      x) printf -v "$v" '%s' "${!s}"; export "${v?}" ;;
      s) printf -v "$v" '%s' "${!s}"; export -n "${v?}" ;;
      *) unset -v "$v" ;;
    esac
    unset -v "$k" "$s"
  done
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
  local root=$1 mode=$2 out rc quiet=0 said=0 REPLY
  local -a cmd
  if [[ -n ${ATMOS_AUTH_BIN-} ]]; then cmd=("$ATMOS_AUTH_BIN"); else cmd=("${__atmos_auth_cmd[@]}"); fi
  if [[ $mode != force && $'\n'$__atmos_auth_tried$'\n' == *$'\n'"$root"$'\n'* ]]; then quiet=1; fi
  if [[ $mode != force && $'\n'$__atmos_auth_unsup$'\n' == *$'\n'"$root"$'\n'* ]]; then said=1; fi
  if (( quiet )); then
    out=$(__atmos_auth_as_user $said; "${cmd[@]}" export --format bash --no-login 2>/dev/null)
    rc=$?
  else
    # Remembered before the run: Ctrl-C during a login ends PROMPT_COMMAND right there.
    if [[ $'\n'$__atmos_auth_tried$'\n' != *$'\n'"$root"$'\n'* ]]; then
      __atmos_auth_tried+=$root$'\n'
    fi
    out=$(__atmos_auth_as_user $said; "${cmd[@]}" export --format bash)
    rc=$?
  fi
  if (( rc == __atmos_auth_unsup_rc )); then
    if (( __atmos_auth_active )); then __atmos_auth_restore; fi
    if (( ! quiet )); then
      __atmos_auth_untry "$root"
      if [[ $'\n'$__atmos_auth_unsup$'\n' != *$'\n'"$root"$'\n'* ]]; then __atmos_auth_unsup+=$root$'\n'; fi
    fi
    return 0
  fi
  if (( rc != 0 )); then
    __atmos_auth_now
    __atmos_auth_retry=$(( REPLY + 60 ))
    return 0
  fi
  __atmos_auth_untry "$root"
  # export's lines are relative to the user's own values (see __atmos_auth_as_user).
  if (( __atmos_auth_active )); then __atmos_auth_restore; fi
  __atmos_auth_save
  eval "$out"
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
  local mode=${1-prompt} REPLY inputs
  inputs="${ATMOS_PROFILE-}|${ATMOS_IDENTITY-}|${ATMOS_CLI_CONFIG_PATH-}|${ATMOS_BASE_PATH-}|${ATMOS_AUTH_BIN-}|${ATMOS_AUTH_MODE-}"
  if [[ $mode != force && $PWD == "$__atmos_auth_pwd" && $inputs == "$__atmos_auth_inputs" ]]; then
    (( __atmos_auth_active )) || return 0
    [[ -n $__atmos_auth_exp ]] || return 0
    __atmos_auth_now
    (( REPLY < __atmos_auth_exp - 300 || REPLY < __atmos_auth_retry )) && return 0
  fi
  __atmos_auth_pwd=$PWD
  __atmos_auth_inputs=$inputs
  __atmos_auth_root "$PWD"
  if [[ -z $REPLY ]]; then
    (( __atmos_auth_active )) && __atmos_auth_restore
    return 0
  fi
  __atmos_auth_run "$REPLY" "$mode"
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
