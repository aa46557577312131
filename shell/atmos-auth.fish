# atmos-auth hook for fish. Load it with `atmos-auth hook fish | source` in
# ~/.config/fish/config.fish: that command fills in the variable list and the CLI's path (the @...@
# words in the source file).
#
# On `cd` (--on-variable PWD) and before each prompt (fish_prompt event) the hook decides with
# builtins whether anything changed: a new $PWD, new ATMOS_PROFILE/ATMOS_IDENTITY/
# ATMOS_CLI_CONFIG_PATH/ATMOS_BASE_PATH, or credentials within 5 minutes of
# AWS_CREDENTIAL_EXPIRATION. Only then, and only inside an Atmos repository, does it start
# `atmos-auth export`. Leaving restores, without any process, the values the shell had before (kept
# in non-exported global variables).

# Every variable an identity may set or unset (src/shell/env.ts), and the ones atmos-auth owns.
set -g __atmos_auth_vars @ATMOS_AUTH_VARS@
set -g __atmos_auth_managed @ATMOS_AUTH_MANAGED@
# The CLI as it was when this script was generated; $ATMOS_AUTH_BIN (one command) overrides it.
set -g __atmos_auth_cmd @ATMOS_AUTH_CMD@

# State survives a second `source` of this file (functions are replaced, handlers register once).
set -q __atmos_auth_pwd; or set -g __atmos_auth_pwd ''
set -q __atmos_auth_inputs; or set -g __atmos_auth_inputs ''
set -q __atmos_auth_active; or set -g __atmos_auth_active 0
set -q __atmos_auth_retry; or set -g __atmos_auth_retry 0
set -q __atmos_auth_exp; or set -g __atmos_auth_exp ''
# Repositories where a run failed: later runs there are quiet and never log in.
set -q __atmos_auth_tried; or set -g __atmos_auth_tried
# Repositories where export said (exit @ATMOS_AUTH_UNSUPPORTED_EXIT@) that the identity's kind is
# Atmos's alone: said once.
set -q __atmos_auth_unsup; or set -g __atmos_auth_unsup
# export's exit status for such an identity.
set -g __atmos_auth_unsup_rc @ATMOS_AUTH_UNSUPPORTED_EXIT@

# The Atmos repository holding $argv[1] (nearest atmos.yaml, .atmos.yaml, atmos.d or .atmos.d).
function __atmos_auth_root --argument-names d
    if test -n "$ATMOS_CLI_CONFIG_PATH"
        printf '%s\n' $ATMOS_CLI_CONFIG_PATH
        return 0
    end
    while true
        if test -e "$d/atmos.yaml" -o -e "$d/.atmos.yaml" -o -d "$d/atmos.d" -o -d "$d/.atmos.d"
            printf '%s\n' $d
            return 0
        end
        test "$d" = / -o -z "$d"; and return 0
        set d (string replace -r -- '/[^/]*$' '' $d)
        test -n "$d"; or set d /
    end
end

# Remember the shell's own values (or their absence) before the first identity is applied: the value
# in __atmos_auth_saved_<NAME>, its kind (x: exported, s: shell only) in __atmos_auth_savedk_<NAME>.
# Values inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's, not
# the user's: they are remembered as absent.
function __atmos_auth_save
    set -l inherited 0
    set -q ATMOS_AUTH_IDENTITY; and set inherited 1
    for v in $__atmos_auth_vars
        set -e __atmos_auth_saved_$v
        set -e __atmos_auth_savedk_$v
        test $inherited = 1; and contains -- $v $__atmos_auth_managed; and continue
        set -q $v; or continue
        set -g __atmos_auth_saved_$v $$v
        if set -qx $v
            set -g __atmos_auth_savedk_$v x
        else
            set -g __atmos_auth_savedk_$v s
        end
    end
end

# Put back exactly what __atmos_auth_save remembered.
function __atmos_auth_restore
    for v in $__atmos_auth_vars
        set -l k __atmos_auth_savedk_$v
        set -l s __atmos_auth_saved_$v
        if set -q $k
            if test "$$k" = x
                set -gx $v $$s
            else
                set -e $v
                set -g $v $$s
            end
        else
            set -e $v
        end
        set -e $k
        set -e $s
    end
    set -g __atmos_auth_active 0
    set -g __atmos_auth_exp ''
end

# The words that run export with the user's own values instead of the active identity's (fish's
# command substitutions are no subshell: `env` gets them), so that export sees the environment as
# it is without atmos-auth (an ambient identity keeps exactly that); $argv[1] = 1 when the
# unsupported-kind advice was already shown for this repository.
function __atmos_auth_as_user --argument-names said
    # env takes its -u options before the NAME=VALUE words.
    set -l unset
    set -l assign
    if test $__atmos_auth_active = 1
        for v in $__atmos_auth_vars
            set -l k __atmos_auth_savedk_$v
            set -l s __atmos_auth_saved_$v
            if set -q $k; and test "$$k" = x
                set -a assign "$v=$$s"
            else
                set -a unset -u $v
            end
        end
    end
    test "$said" = 1; and set -a assign ATMOS_AUTH_UNSUPPORTED_SAID=1
    # NUL-separated: a saved value may hold a newline.
    test -n "$unset$assign"; and printf '%s\0' env $unset $assign
end

# Runs `atmos-auth export` for the repository $argv[1] and applies its lines. On failure the export
# command has said why on stderr (shown once per repository: later runs there are quiet and never
# log in), and nothing changes. Exit @ATMOS_AUTH_UNSUPPORTED_EXIT@ (an identity of a kind only Atmos
# handles) leaves the current identity; its advice is shown once per repository.
function __atmos_auth_run --argument-names root mode
    set -l cmd $__atmos_auth_cmd
    test -n "$ATMOS_AUTH_BIN"; and set cmd $ATMOS_AUTH_BIN
    set -l out
    set -l rc 0
    set -l quiet 0
    set -l said 0
    test "$mode" != force; and contains -- $root $__atmos_auth_tried; and set quiet 1
    test "$mode" != force; and contains -- $root $__atmos_auth_unsup; and set said 1
    # One list: an empty first word would leave fish with no command name.
    set -l run (__atmos_auth_as_user $said | string split0) $cmd
    if test $quiet = 1
        set out ($run export --format fish --no-login 2>/dev/null | string collect)
        set rc $pipestatus[1]
    else
        # Remembered before the run: Ctrl-C during a login ends this function right there.
        contains -- $root $__atmos_auth_tried; or set -g -a __atmos_auth_tried $root
        set out ($run export --format fish | string collect)
        set rc $pipestatus[1]
    end
    if test $rc -eq $__atmos_auth_unsup_rc
        test $__atmos_auth_active = 1; and __atmos_auth_restore
        if test $quiet = 0
            if set -l i (contains -i -- $root $__atmos_auth_tried)
                set -e __atmos_auth_tried[$i]
            end
            contains -- $root $__atmos_auth_unsup; or set -g -a __atmos_auth_unsup $root
        end
        return 0
    end
    if test $rc -ne 0
        set -g __atmos_auth_retry (math (__atmos_auth_now) + 60)
        return 0
    end
    if set -l i (contains -i -- $root $__atmos_auth_tried)
        set -e __atmos_auth_tried[$i]
    end
    # export's lines are relative to the user's own values (see __atmos_auth_as_user).
    test $__atmos_auth_active = 1; and __atmos_auth_restore
    __atmos_auth_save
    eval $out
    if set -q ATMOS_AUTH_IDENTITY
        set -g __atmos_auth_active 1
        set -g __atmos_auth_exp (__atmos_auth_epoch "$AWS_CREDENTIAL_EXPIRATION")
    else
        __atmos_auth_restore
    end
end

# The decision, with builtins only. $argv[1]: pwd, prompt or force.
function __atmos_auth_hook --argument-names mode
    set -l inputs "$ATMOS_PROFILE|$ATMOS_IDENTITY|$ATMOS_CLI_CONFIG_PATH|$ATMOS_BASE_PATH|$ATMOS_AUTH_BIN|$ATMOS_AUTH_MODE"
    if test "$mode" != force; and test "$PWD" = "$__atmos_auth_pwd"; and test "$inputs" = "$__atmos_auth_inputs"
        test $__atmos_auth_active = 1; or return 0
        test -n "$__atmos_auth_exp"; or return 0
        set -l now (__atmos_auth_now)
        test $now -lt (math $__atmos_auth_exp - 300); and return 0
        test $now -lt $__atmos_auth_retry; and return 0
    end
    set -g __atmos_auth_pwd $PWD
    set -g __atmos_auth_inputs $inputs
    set -l root (__atmos_auth_root $PWD)
    if test -z "$root"
        test $__atmos_auth_active = 1; and __atmos_auth_restore
        return 0
    end
    __atmos_auth_run $root $mode
    return 0
end

function __atmos_auth_on_pwd --on-variable PWD
    set -l s $status
    __atmos_auth_hook pwd
    return $s
end

function __atmos_auth_on_prompt --on-event fish_prompt
    set -l s $status
    __atmos_auth_hook prompt
    return $s
end

# Run atmos-auth now, even if nothing seems to have changed (edited config, a login elsewhere), with
# its messages shown.
function atmos_auth_refresh
    __atmos_auth_hook force
end
