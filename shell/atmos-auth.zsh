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
# Extra variables saved beyond __atmos_auth_vars (an identity's env:), and those inherited as ours.
(( ${+__atmos_auth_extra} )) || typeset -ga __atmos_auth_extra __atmos_auth_ikeys
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

# Remember one variable's value (or its absence) and kind (x: exported, s: shell only). Locals of
# the functions on the stack while export's lines run are __aa_*: zsh scopes dynamically, and an
# identity's env: may name any variable outside the _* names it may not set.
__atmos_auth_save_one() {
  emulate -L zsh
  local __aa_v=$1 __aa_t
  unset "__atmos_auth_saved[$__aa_v]" "__atmos_auth_savedk[$__aa_v]"
  __aa_t=${(tP)__aa_v}
  [[ -z $__aa_t ]] && return 0
  __atmos_auth_saved[$__aa_v]=${(P)__aa_v}
  if [[ $__aa_t == *export* ]]; then __atmos_auth_savedk[$__aa_v]=x; else __atmos_auth_savedk[$__aa_v]=s; fi
}

# Put one variable back exactly as __atmos_auth_save_one found it.
__atmos_auth_restore_one() {
  emulate -L zsh
  local __aa_v=$1
  case ${__atmos_auth_savedk[$__aa_v]-} in
    x) typeset -gx "$__aa_v=${__atmos_auth_saved[$__aa_v]}" ;;
    s) typeset -g +x "$__aa_v=${__atmos_auth_saved[$__aa_v]}" ;;
    *) unset "$__aa_v" ;;
  esac
  unset "__atmos_auth_saved[$__aa_v]" "__atmos_auth_savedk[$__aa_v]"
}

# Remember the shell's own values (or their absence) before the first identity is applied. Values
# inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's, not the
# user's: they are remembered as absent, and so are the extra variables its env: set (listed in the
# inherited ATMOS_AUTH_ENV_KEYS).
__atmos_auth_save() {
  emulate -L zsh
  local __aa_v
  integer __aa_inherited=${+ATMOS_AUTH_IDENTITY}
  __atmos_auth_saved=()
  __atmos_auth_savedk=()
  __atmos_auth_extra=()
  __atmos_auth_ikeys=()
  (( __aa_inherited )) && __atmos_auth_ikeys=(${=ATMOS_AUTH_ENV_KEYS-})
  for __aa_v in $__atmos_auth_vars; do
    (( __aa_inherited && ${__atmos_auth_managed[(Ie)$__aa_v]} )) && continue
    __atmos_auth_save_one $__aa_v
  done
}

# The extra variables (an identity's env:) named on the first line of export's output, in reply:
# export puts ATMOS_AUTH_ENV_KEYS first, and its value holds only names and spaces.
__atmos_auth_keys_of() {
  emulate -L zsh
  local __aa_first=${1%%$'\n'*}
  reply=()
  if [[ $__aa_first == "export ATMOS_AUTH_ENV_KEYS='"*"';" ]]; then
    __aa_first=${__aa_first#"export ATMOS_AUTH_ENV_KEYS='"}
    __aa_first=${__aa_first%"';"}
    [[ $__aa_first == *[^A-Za-z0-9_\ ]* ]] || reply=(${=__aa_first})
  fi
}

# Before applying an identity: remember the user's values of extra names not remembered yet.
__atmos_auth_save_extra() {
  emulate -L zsh
  local __aa_v
  for __aa_v in "$@"; do
    (( ${__atmos_auth_extra[(Ie)$__aa_v]} )) && continue
    if (( ${__atmos_auth_ikeys[(Ie)$__aa_v]} )); then
      unset "__atmos_auth_saved[$__aa_v]" "__atmos_auth_savedk[$__aa_v]"
    else
      __atmos_auth_save_one $__aa_v
    fi
    __atmos_auth_extra+=($__aa_v)
  done
}

# After applying an identity: extra names the previous one set and this one does not get the
# user's values back.
__atmos_auth_drop_extra() {
  emulate -L zsh
  local __aa_v
  local -a __aa_keep
  for __aa_v in $__atmos_auth_extra; do
    if (( ${argv[(Ie)$__aa_v]} )); then __aa_keep+=($__aa_v); else __atmos_auth_restore_one $__aa_v; fi
  done
  __atmos_auth_extra=($__aa_keep)
}

# Put back exactly what __atmos_auth_save (and __atmos_auth_save_extra) remembered.
__atmos_auth_restore() {
  emulate -L zsh
  local __aa_v
  for __aa_v in $__atmos_auth_vars $__atmos_auth_extra; do
    __atmos_auth_restore_one $__aa_v
  done
  __atmos_auth_saved=()
  __atmos_auth_savedk=()
  __atmos_auth_extra=()
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
  local __aa_root=$1 __aa_mode=$2 __aa_out REPLY
  integer __aa_rc __aa_quiet=0 __aa_said=0
  local -a __aa_cmd
  if [[ -n ${ATMOS_AUTH_BIN-} ]]; then __aa_cmd=("$ATMOS_AUTH_BIN"); else __aa_cmd=("${__atmos_auth_cmd[@]}"); fi
  [[ $__aa_mode != force ]] && (( ${__atmos_auth_tried[(Ie)$__aa_root]} )) && __aa_quiet=1
  [[ $__aa_mode != force ]] && (( ${__atmos_auth_unsup[(Ie)$__aa_root]} )) && __aa_said=1
  if (( __aa_quiet )); then
    __aa_out=$(__atmos_auth_as_user $__aa_said; "${__aa_cmd[@]}" export --format zsh --no-login 2>/dev/null)
    __aa_rc=$?
  else
    # Remembered before the run: Ctrl-C during a login ends this function right there.
    (( ${__atmos_auth_tried[(Ie)$__aa_root]} )) || __atmos_auth_tried+=("$__aa_root")
    __aa_out=$(__atmos_auth_as_user $__aa_said; "${__aa_cmd[@]}" export --format zsh)
    __aa_rc=$?
  fi
  if (( __aa_rc == __atmos_auth_unsup_rc )); then
    (( __atmos_auth_active )) && __atmos_auth_restore
    if (( ! __aa_quiet )); then
      __atmos_auth_tried=("${(@)__atmos_auth_tried:#${(b)__aa_root}}")
      (( ${__atmos_auth_unsup[(Ie)$__aa_root]} )) || __atmos_auth_unsup+=("$__aa_root")
    fi
    return 0
  fi
  if (( __aa_rc != 0 )); then
    __atmos_auth_retry=$(( EPOCHSECONDS + 60 ))
    return 0
  fi
  __atmos_auth_tried=("${(@)__atmos_auth_tried:#${(b)__aa_root}}")
  # export's lines are relative to the user's own values (see __atmos_auth_as_user).
  (( __atmos_auth_active )) && __atmos_auth_restore
  __atmos_auth_save
  local -a reply __aa_keys
  __atmos_auth_keys_of "$__aa_out"
  __aa_keys=($reply)
  __atmos_auth_save_extra $__aa_keys
  eval "$__aa_out"
  __atmos_auth_drop_extra $__aa_keys
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
  local __aa_mode=${1-precmd} REPLY
  local __aa_inputs="${ATMOS_PROFILE-}|${ATMOS_IDENTITY-}|${ATMOS_CLI_CONFIG_PATH-}|${ATMOS_BASE_PATH-}|${ATMOS_AUTH_BIN-}|${ATMOS_AUTH_MODE-}"
  if [[ $__aa_mode != force && $PWD == "$__atmos_auth_pwd" && $__aa_inputs == "$__atmos_auth_inputs" ]]; then
    (( __atmos_auth_active )) || return 0
    [[ -n $__atmos_auth_exp ]] || return 0
    (( EPOCHSECONDS < __atmos_auth_exp - 300 || EPOCHSECONDS < __atmos_auth_retry )) && return 0
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

__atmos_auth_chpwd() { __atmos_auth_hook chpwd; }
__atmos_auth_precmd() { __atmos_auth_hook precmd; }

# Run atmos-auth now, even if nothing seems to have changed (edited config, a login elsewhere),
# with its messages shown.
atmos_auth_refresh() { __atmos_auth_hook force; }

autoload -Uz add-zsh-hook
add-zsh-hook chpwd __atmos_auth_chpwd
add-zsh-hook precmd __atmos_auth_precmd
# Tells `atmos-auth doctor` (a child process, which cannot see the variables above) that this shell
# loaded the hook. Only this marker is exported; `export` never sets or clears it.
export ATMOS_AUTH_HOOK=zsh
