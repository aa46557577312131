# atmos-auth hook for zsh. Load it with `eval "$(atmos-auth hook zsh)"` in ~/.zshrc: that command
# fills in the variable list and the CLI's path (lines marked @...@ in the source file).
#
# On `cd` (chpwd) and before each prompt (precmd) the hook decides in shell code whether anything
# changed: a new $PWD, new ATMOS_PROFILE/ATMOS_IDENTITY/ATMOS_CLI_CONFIG_PATH/ATMOS_BASE_PATH, or
# credentials within 5 minutes of AWS_CREDENTIAL_EXPIRATION. Only then, and only inside an Atmos
# repository, does it start `atmos-auth export`. Leaving restores, without any process, the values
# the shell had before (kept in non-exported variables).

zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

# Every variable an identity may set or unset (src/shell/env.ts), and the ones atmos-auth owns.
typeset -ga __atmos_auth_vars __atmos_auth_managed __atmos_auth_cmd
__atmos_auth_vars=(@ATMOS_AUTH_VARS@)
__atmos_auth_managed=(@ATMOS_AUTH_MANAGED@)
# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
__atmos_auth_cmd=(@ATMOS_AUTH_CMD@)

# State survives a second `source` of this file (re-registering nothing, losing nothing).
typeset -g __atmos_auth_pwd="${__atmos_auth_pwd-}" __atmos_auth_inputs="${__atmos_auth_inputs-}"
typeset -gi __atmos_auth_active="${__atmos_auth_active:-0}" __atmos_auth_retry="${__atmos_auth_retry:-0}"
typeset -g __atmos_auth_exp="${__atmos_auth_exp-}"
(( ${+__atmos_auth_saved} )) || typeset -gA __atmos_auth_saved __atmos_auth_savedk
(( ${+__atmos_auth_tried} )) || typeset -ga __atmos_auth_tried
# Repositories where export said (exit @ATMOS_AUTH_UNSUPPORTED_EXIT@) that the identity's kind is
# Atmos's alone: said once.
(( ${+__atmos_auth_unsup} )) || typeset -ga __atmos_auth_unsup
# export's exit status for such an identity.
typeset -gi __atmos_auth_unsup_rc=@ATMOS_AUTH_UNSUPPORTED_EXIT@

# The Atmos repository holding $1 (nearest atmos.yaml, .atmos.yaml, atmos.d or .atmos.d), in REPLY.
__atmos_auth_root() {
  emulate -L zsh
  REPLY=''
  if [[ -n ${ATMOS_CLI_CONFIG_PATH-} ]]; then REPLY=$ATMOS_CLI_CONFIG_PATH; return 0; fi
  local d=$1
  while :; do
    if [[ -e $d/atmos.yaml || -e $d/.atmos.yaml || -d $d/atmos.d || -d $d/.atmos.d ]]; then
      REPLY=$d; return 0
    fi
    [[ $d == / || -z $d ]] && return 0
    d=${d%/*}
    [[ -z $d ]] && d=/
  done
}

# Remember the shell's own values (or their absence) before the first identity is applied. Values
# inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's, not the
# user's: they are remembered as absent.
__atmos_auth_save() {
  emulate -L zsh
  local v t
  integer inherited=${+ATMOS_AUTH_IDENTITY}
  __atmos_auth_saved=()
  __atmos_auth_savedk=()
  for v in $__atmos_auth_vars; do
    (( inherited && ${__atmos_auth_managed[(Ie)$v]} )) && continue
    t=${(tP)v}
    [[ -z $t ]] && continue
    __atmos_auth_saved[$v]=${(P)v}
    if [[ $t == *export* ]]; then __atmos_auth_savedk[$v]=x; else __atmos_auth_savedk[$v]=s; fi
  done
}

# Put back exactly what __atmos_auth_save remembered.
__atmos_auth_restore() {
  emulate -L zsh
  local v
  for v in $__atmos_auth_vars; do
    case ${__atmos_auth_savedk[$v]-} in
      x) typeset -gx "$v=${__atmos_auth_saved[$v]}" ;;
      s) typeset -g +x "$v=${__atmos_auth_saved[$v]}" ;;
      *) unset "$v" ;;
    esac
  done
  __atmos_auth_saved=()
  __atmos_auth_savedk=()
  __atmos_auth_active=0
  __atmos_auth_exp=''
}

# In the subshell that runs export: the user's own values instead of the active identity's, so
# that export sees the environment as it is without atmos-auth (an ambient identity keeps exactly
# that); $1 = 1 when the unsupported-kind advice was already shown for this repository.
__atmos_auth_as_user() {
  emulate -L zsh
  (( __atmos_auth_active )) && __atmos_auth_restore
  (( $1 )) && export ATMOS_AUTH_UNSUPPORTED_SAID=1
  return 0
}

# Runs `atmos-auth export` for the repository $1 and applies its lines. On failure the export
# command has said why on stderr (shown once per repository: later runs there are quiet and never
# log in), and nothing changes. Exit @ATMOS_AUTH_UNSUPPORTED_EXIT@ (an identity of a kind only Atmos
# handles) leaves the current identity; its advice is shown once per repository.
__atmos_auth_run() {
  emulate -L zsh
  local root=$1 mode=$2 out REPLY
  integer rc quiet=0 said=0
  local -a cmd
  if [[ -n ${ATMOS_AUTH_BIN-} ]]; then cmd=("$ATMOS_AUTH_BIN"); else cmd=("${__atmos_auth_cmd[@]}"); fi
  [[ $mode != force ]] && (( ${__atmos_auth_tried[(Ie)$root]} )) && quiet=1
  [[ $mode != force ]] && (( ${__atmos_auth_unsup[(Ie)$root]} )) && said=1
  if (( quiet )); then
    out=$(__atmos_auth_as_user $said; "${cmd[@]}" export --format zsh --no-login 2>/dev/null)
    rc=$?
  else
    # Remembered before the run: Ctrl-C during a login ends this function right there.
    (( ${__atmos_auth_tried[(Ie)$root]} )) || __atmos_auth_tried+=("$root")
    out=$(__atmos_auth_as_user $said; "${cmd[@]}" export --format zsh)
    rc=$?
  fi
  if (( rc == __atmos_auth_unsup_rc )); then
    (( __atmos_auth_active )) && __atmos_auth_restore
    if (( ! quiet )); then
      __atmos_auth_tried=("${(@)__atmos_auth_tried:#${(b)root}}")
      (( ${__atmos_auth_unsup[(Ie)$root]} )) || __atmos_auth_unsup+=("$root")
    fi
    return 0
  fi
  if (( rc != 0 )); then
    __atmos_auth_retry=$(( EPOCHSECONDS + 60 ))
    return 0
  fi
  __atmos_auth_tried=("${(@)__atmos_auth_tried:#${(b)root}}")
  # export's lines are relative to the user's own values (see __atmos_auth_as_user).
  (( __atmos_auth_active )) && __atmos_auth_restore
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

# The decision, in shell code only. $1: chpwd, precmd or force.
__atmos_auth_hook() {
  emulate -L zsh
  local mode=${1-precmd} REPLY
  local inputs="${ATMOS_PROFILE-}|${ATMOS_IDENTITY-}|${ATMOS_CLI_CONFIG_PATH-}|${ATMOS_BASE_PATH-}|${ATMOS_AUTH_BIN-}|${ATMOS_AUTH_MODE-}"
  if [[ $mode != force && $PWD == "$__atmos_auth_pwd" && $inputs == "$__atmos_auth_inputs" ]]; then
    (( __atmos_auth_active )) || return 0
    [[ -n $__atmos_auth_exp ]] || return 0
    (( EPOCHSECONDS < __atmos_auth_exp - 300 || EPOCHSECONDS < __atmos_auth_retry )) && return 0
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

__atmos_auth_chpwd() { __atmos_auth_hook chpwd; }
__atmos_auth_precmd() { __atmos_auth_hook precmd; }

# Run atmos-auth now, even if nothing seems to have changed (edited config, a login elsewhere),
# with its messages shown.
atmos_auth_refresh() { __atmos_auth_hook force; }

autoload -Uz add-zsh-hook
add-zsh-hook chpwd __atmos_auth_chpwd
add-zsh-hook precmd __atmos_auth_precmd
