# atmos-auth segment for powerlevel10k: source this after `eval "$(atmos-auth hook zsh)"` and add
# `atmos_auth` to POWERLEVEL9K_LEFT_PROMPT_ELEMENTS or POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS.
# Environment variables only: no process per prompt. atmos_auth_prompt doubles `%` (p10k expands
# prompt sequences in segment text).
function prompt_atmos_auth() {
  (( $+functions[atmos_auth_prompt] )) || return
  local text
  atmos_auth_prompt -v text
  [[ -n $text ]] || return
  local color=70
  [[ ${ATMOS_AUTH_ACCESS-} == apply ]] && color=208
  [[ $text == *' expired' ]] && color=160
  p10k segment -f $color -i '☁' -t "$text"
}

# Instant prompt: the same segment from the same variables (nothing printed, no process).
function instant_prompt_atmos_auth() {
  prompt_atmos_auth
}
