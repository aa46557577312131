# Plain prompts with atmos_auth_prompt (defined by `atmos-auth hook <shell>`, or alone by
# `atmos-auth prompt --init <shell>`). `-v VAR` stores the text without a fork.
#
# zsh (~/.zshrc):
#   __atmos_auth_rprompt() { atmos_auth_prompt -v ATMOS_AUTH_PROMPT_TEXT; }
#   precmd_functions+=(__atmos_auth_rprompt)
#   setopt prompt_subst
#   RPROMPT='${ATMOS_AUTH_PROMPT_TEXT}'
#
# bash (~/.bashrc, after the hook):
#   __atmos_auth_ps1() { atmos_auth_prompt -v ATMOS_AUTH_PROMPT_TEXT; }
#   PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__atmos_auth_ps1"
#   PS1='${ATMOS_AUTH_PROMPT_TEXT:+[$ATMOS_AUTH_PROMPT_TEXT] }\w \$ '
#
# fish (~/.config/fish/functions/fish_right_prompt.fish):
#   function fish_right_prompt
#       atmos_auth_prompt
#   end
#
# Anything else (tmux status line, other shells): `atmos-auth prompt` (one process per call).
