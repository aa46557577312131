# atmos-auth prompt segment for zsh: `atmos_auth_prompt` prints e.g. `plat-dev/terraform (plan) 42m`
# from environment variables only (no process, no fork with `-v VAR`). `%` is doubled for prompt
# expansion; pass -r for the raw text.

zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

# RFC 3339 (`2025-01-02T03:04:05Z`, optional fraction, `Z` or `+hh:mm`) -> epoch seconds in REPLY,
# '' when the text is not one. Pure arithmetic (days from civil date), no `date` process.
__atmos_auth_epoch() {
  emulate -L zsh
  REPLY=''
  local s=$1 rest
  [[ $s == [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt\ ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]* ]] || return 0
  integer y=10#${s[1,4]} m=10#${s[6,7]} d=10#${s[9,10]} H=10#${s[12,13]} M=10#${s[15,16]} S=10#${s[18,19]} off=0 era yoe mp doe
  rest=${s[20,-1]}
  if [[ $rest == .* ]]; then
    rest=${rest[2,-1]}
    while [[ $rest == [0-9]* ]]; do rest=${rest[2,-1]}; done
  fi
  case $rest in
    [Zz]) off=0 ;;
    [+-][0-9][0-9]:[0-9][0-9]) (( off = (10#${rest[2,3]} * 3600 + 10#${rest[5,6]} * 60) * (${rest[1]}1) )) ;;
    *) return 0 ;;
  esac
  (( y -= m <= 2, era = y / 400, yoe = y - era * 400, mp = m > 2 ? m - 3 : m + 9 ))
  (( doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * mp + 2) / 5 + d - 1 ))
  REPLY=$(( (era * 146097 + doe - 719468) * 86400 + H * 3600 + M * 60 + S - off ))
}

# The segment text. `atmos_auth_prompt -v NAME` stores it in NAME instead of printing it.
atmos_auth_prompt() {
  emulate -L zsh
  local var='' raw=0 out='' REPLY
  while (( $# )); do
    case $1 in
      -v) var=$2; shift ;;
      -r) raw=1 ;;
    esac
    shift
  done
  if [[ -n ${ATMOS_AUTH_IDENTITY-} ]]; then
    out=$ATMOS_AUTH_IDENTITY
    [[ -n ${ATMOS_AUTH_ACCESS-} ]] && out+=" ($ATMOS_AUTH_ACCESS)"
    # Profile mode exports no credential expiry, only the SSO session's end (ATMOS_AUTH_EXPIRATION).
    local exp=${AWS_CREDENTIAL_EXPIRATION:-${ATMOS_AUTH_EXPIRATION-}}
    if [[ -n $exp ]]; then
      __atmos_auth_epoch $exp
      if [[ -n $REPLY ]]; then
        integer left=$(( REPLY - EPOCHSECONDS ))
        if (( left <= 0 )); then out+=' expired'
        elif (( left < 3600 )); then out+=" $(( left / 60 ))m"
        else out+=" $(( left / 3600 ))h$(( left % 3600 / 60 ))m"
        fi
      fi
    fi
    # Opt-in: the kube context kubectl uses here (an aws/eks integration), e.g. `k8s:plat-dev`.
    [[ -n ${ATMOS_AUTH_PROMPT_KUBE-} && -n ${ATMOS_AUTH_KUBE_CONTEXT-} ]] && out+=" k8s:$ATMOS_AUTH_KUBE_CONTEXT"
  fi
  (( raw )) || out=${out//\%/%%}
  if [[ -n $var ]]; then
    typeset -g "$var=$out"
  else
    print -rn -- "$out"
  fi
  return 0
}
