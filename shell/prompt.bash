# shellcheck shell=bash
# atmos-auth prompt segment for bash: `atmos_auth_prompt` prints e.g. `plat-dev/terraform (plan) 42m`
# from environment variables only (no process; no fork either with `-v VAR`).

# Seconds since the epoch in REPLY, from the shell's own clock when it has one.
__atmos_auth_now() {
  if [[ -n ${EPOCHSECONDS-} ]]; then
    REPLY=$EPOCHSECONDS
  elif (( BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 2) )); then
    printf -v REPLY '%(%s)T' -1
  else
    REPLY=$(date +%s)
  fi
}

# RFC 3339 (`2025-01-02T03:04:05Z`, optional fraction, `Z` or `+hh:mm`) -> epoch seconds in REPLY,
# '' when the text is not one. Pure arithmetic (days from civil date), no `date` process.
__atmos_auth_epoch() {
  REPLY=''
  local s=$1 rest off=0 y m d H M S era yoe mp doe
  [[ $s == [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt\ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]* ]] || return 0
  y=$((10#${s:0:4})) m=$((10#${s:5:2})) d=$((10#${s:8:2}))
  H=$((10#${s:11:2})) M=$((10#${s:14:2})) S=$((10#${s:17:2}))
  rest=${s:19}
  if [[ $rest == .* ]]; then
    rest=${rest:1}
    while [[ $rest == [0-9]* ]]; do rest=${rest:1}; done
  fi
  case $rest in
    [Zz]) off=0 ;;
    [+-][0-9][0-9]:[0-9][0-9]) off=$(( (10#${rest:1:2} * 3600 + 10#${rest:4:2} * 60) * ${rest:0:1}1 )) ;;
    *) return 0 ;;
  esac
  (( y -= m <= 2, era = y / 400, yoe = y - era * 400, mp = m > 2 ? m - 3 : m + 9 )) || true
  (( doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * mp + 2) / 5 + d - 1 )) || true
  REPLY=$(( (era * 146097 + doe - 719468) * 86400 + H * 3600 + M * 60 + S - off ))
}

# The segment text. `atmos_auth_prompt -v NAME` stores it in NAME instead of printing it.
atmos_auth_prompt() {
  local __aap_var='' __aap_out='' __aap_left REPLY
  # Profile mode exports no credential expiry, only the SSO session's end (ATMOS_AUTH_EXPIRATION).
  local __aap_exp=${AWS_CREDENTIAL_EXPIRATION:-${ATMOS_AUTH_EXPIRATION-}}
  while (( $# )); do
    case $1 in
      -v) __aap_var=${2-}; shift ;;
    esac
    shift
  done
  if [[ -n ${ATMOS_AUTH_IDENTITY-} ]]; then
    __aap_out=$ATMOS_AUTH_IDENTITY
    if [[ -n ${ATMOS_AUTH_ACCESS-} ]]; then __aap_out+=" ($ATMOS_AUTH_ACCESS)"; fi
    if [[ -n $__aap_exp ]]; then
      __atmos_auth_epoch "$__aap_exp"
      if [[ -n $REPLY ]]; then
        __aap_left=$REPLY
        __atmos_auth_now
        __aap_left=$(( __aap_left - REPLY ))
        if (( __aap_left <= 0 )); then __aap_out+=' expired'
        elif (( __aap_left < 3600 )); then __aap_out+=" $(( __aap_left / 60 ))m"
        else __aap_out+=" $(( __aap_left / 3600 ))h$(( __aap_left % 3600 / 60 ))m"
        fi
      fi
    fi
    # Opt-in: the kube context kubectl uses here (an aws/eks integration), e.g. `k8s:plat-dev`.
    if [[ -n ${ATMOS_AUTH_PROMPT_KUBE-} && -n ${ATMOS_AUTH_KUBE_CONTEXT-} ]]; then __aap_out+=" k8s:$ATMOS_AUTH_KUBE_CONTEXT"; fi
  fi
  if [[ -n $__aap_var ]]; then
    printf -v "$__aap_var" '%s' "$__aap_out"
  else
    printf '%s' "$__aap_out"
  fi
  return 0
}
