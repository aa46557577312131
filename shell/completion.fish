# atmos-auth completion for fish: `atmos-auth completion fish | source`, or saved as
# ~/.config/fish/completions/atmos-auth.fish (install.sh --shell fish). Every TAB asks
# `atmos-auth __complete`, which reads the repository of the current directory offline
# (src/commands/complete.ts).

# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
set -g __atmos_auth_complete_cmd @ATMOS_AUTH_CMD@

function __atmos_auth_complete
    set -l __aa_cmd $__atmos_auth_complete_cmd
    set -q ATMOS_AUTH_BIN; and test -n "$ATMOS_AUTH_BIN"; and set __aa_cmd $ATMOS_AUTH_BIN
    # The words before the cursor (unescaped) and the one being completed.
    set -l __aa_words (commandline -opc) (commandline -ct)
    set -l __aa_out ($__aa_cmd __complete fish -- $__aa_words 2>/dev/null </dev/null); or return 0
    switch "$__aa_out[1]"
        case dirs
            __fish_complete_directories (commandline -ct)
        case files
            __fish_complete_path (commandline -ct)
        case values
            set -e __aa_out[1]
            printf '%s\n' $__aa_out
    end
end

complete -c atmos-auth -e
complete -c atmos-auth -f -a '(__atmos_auth_complete)'
