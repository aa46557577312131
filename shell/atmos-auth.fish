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
# Extra variables saved beyond __atmos_auth_vars (an identity's env:), and those inherited as ours.
set -q __atmos_auth_extra; or set -g __atmos_auth_extra
# Repositories where export said (exit @ATMOS_AUTH_UNSUPPORTED_EXIT@) that the identity's kind is
# Atmos's alone: said once.
set -q __atmos_auth_unsup; or set -g __atmos_auth_unsup
# export's exit status for such an identity.
set -g __atmos_auth_unsup_rc @ATMOS_AUTH_UNSUPPORTED_EXIT@
set -q __atmos_auth_ikeys; or set -g __atmos_auth_ikeys

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

# Locals are __aa_*: an identity's env: may name any variable outside the _* names it may not set,
# and `set -e NAME` in export's lines removes a local of that name first.
# Remember one variable's value (or its absence): the value in __atmos_auth_saved_<NAME>, its kind
# (x: exported, s: shell only) in __atmos_auth_savedk_<NAME>.
function __atmos_auth_save_one --argument-names __aa_v
    set -e __atmos_auth_saved_$__aa_v
    set -e __atmos_auth_savedk_$__aa_v
    set -q $__aa_v; or return 0
    set -g __atmos_auth_saved_$__aa_v $$__aa_v
    if set -qx $__aa_v
        set -g __atmos_auth_savedk_$__aa_v x
    else
        set -g __atmos_auth_savedk_$__aa_v s
    end
end

# Put one variable back exactly as __atmos_auth_save_one found it.
function __atmos_auth_restore_one --argument-names __aa_v
    set -l __aa_k __atmos_auth_savedk_$__aa_v
    set -l __aa_s __atmos_auth_saved_$__aa_v
    if set -q $__aa_k
        if test "$$__aa_k" = x
            set -gx $__aa_v $$__aa_s
        else
            set -e $__aa_v
            set -g $__aa_v $$__aa_s
        end
    else
        set -e $__aa_v
    end
    set -e $__aa_k
    set -e $__aa_s
end

# Remember the shell's own values (or their absence) before the first identity is applied. Values
# inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's, not the
# user's: they are remembered as absent, and so are the extra variables its env: set (listed in the
# inherited ATMOS_AUTH_ENV_KEYS).
function __atmos_auth_save
    set -l __aa_inherited 0
    set -q ATMOS_AUTH_IDENTITY; and set __aa_inherited 1
    set -g __atmos_auth_extra
    set -g __atmos_auth_ikeys
    test $__aa_inherited = 1; and set -g __atmos_auth_ikeys (string split -n ' ' -- "$ATMOS_AUTH_ENV_KEYS")
    for __aa_v in $__atmos_auth_vars
        if test $__aa_inherited = 1; and contains -- $__aa_v $__atmos_auth_managed
            set -e __atmos_auth_saved_$__aa_v
            set -e __atmos_auth_savedk_$__aa_v
            continue
        end
        __atmos_auth_save_one $__aa_v
    end
end

# The extra variables (an identity's env:) named on the first line of export's output: export puts
# ATMOS_AUTH_ENV_KEYS first, and its value holds only names and spaces.
function __atmos_auth_keys_of --argument-names __aa_out
    set -l __aa_first (string split -m1 \n -- $__aa_out)[1]
    set -l __aa_m (string match -r "^set -gx ATMOS_AUTH_ENV_KEYS '([A-Za-z0-9_ ]*)';\$" -- $__aa_first)
    and string split -n ' ' -- $__aa_m[2]
    return 0
end

# Before applying an identity: remember the user's values of extra names not remembered yet.
function __atmos_auth_save_extra
    for __aa_v in $argv
        contains -- $__aa_v $__atmos_auth_extra; and continue
        if contains -- $__aa_v $__atmos_auth_ikeys
            set -e __atmos_auth_saved_$__aa_v
            set -e __atmos_auth_savedk_$__aa_v
        else
            __atmos_auth_save_one $__aa_v
        end
        set -g -a __atmos_auth_extra $__aa_v
    end
end

# After applying an identity: extra names the previous one set and this one does not get the
# user's values back.
function __atmos_auth_drop_extra
    set -l __aa_keep
    for __aa_v in $__atmos_auth_extra
        if contains -- $__aa_v $argv
            set -a __aa_keep $__aa_v
        else
            __atmos_auth_restore_one $__aa_v
        end
    end
    set -g __atmos_auth_extra $__aa_keep
end

# Put back exactly what __atmos_auth_save (and __atmos_auth_save_extra) remembered.
function __atmos_auth_restore
    for __aa_v in $__atmos_auth_vars $__atmos_auth_extra
        __atmos_auth_restore_one $__aa_v
    end
    set -g __atmos_auth_extra
    set -g __atmos_auth_active 0
    set -g __atmos_auth_exp ''
end

# The words that run export with the user's own values instead of the active identity's (fish's
# command substitutions are no subshell: `env` gets them), so that export sees the environment as
# it is without atmos-auth (an ambient identity keeps exactly that); $argv[1] = 1 when the
# unsupported-kind advice was already shown for this repository.
function __atmos_auth_as_user --argument-names __aa_said
    # env takes its -u options before the NAME=VALUE words.
    set -l __aa_unset
    set -l __aa_assign
    if test $__atmos_auth_active = 1
        for __aa_v in $__atmos_auth_vars $__atmos_auth_extra
            set -l __aa_k __atmos_auth_savedk_$__aa_v
            set -l __aa_s __atmos_auth_saved_$__aa_v
            if set -q $__aa_k; and test "$$__aa_k" = x
                set -a __aa_assign "$__aa_v=$$__aa_s"
            else
                set -a __aa_unset -u $__aa_v
            end
        end
    end
    test "$__aa_said" = 1; and set -a __aa_assign ATMOS_AUTH_UNSUPPORTED_SAID=1
    # NUL-separated: a saved value may hold a newline.
    test -n "$__aa_unset$__aa_assign"; and printf '%s\0' env $__aa_unset $__aa_assign
end

# Runs `atmos-auth export` for the repository $argv[1] and applies its lines. On failure the export
# command has said why on stderr (shown once per repository: later runs there are quiet and never
# log in), and nothing changes. Exit @ATMOS_AUTH_UNSUPPORTED_EXIT@ (an identity of a kind only Atmos
# handles) leaves the current identity; its advice is shown once per repository.
function __atmos_auth_run --argument-names __aa_root __aa_mode
    set -l __aa_cmd $__atmos_auth_cmd
    test -n "$ATMOS_AUTH_BIN"; and set __aa_cmd $ATMOS_AUTH_BIN
    set -l __aa_out
    set -l __aa_rc 0
    set -l __aa_quiet 0
    set -l __aa_said 0
    test "$__aa_mode" != force; and contains -- $__aa_root $__atmos_auth_tried; and set __aa_quiet 1
    test "$__aa_mode" != force; and contains -- $__aa_root $__atmos_auth_unsup; and set __aa_said 1
    # One list: an empty first word would leave fish with no command name.
    set -l __aa_run (__atmos_auth_as_user $__aa_said | string split0) $__aa_cmd
    if test $__aa_quiet = 1
        set __aa_out ($__aa_run export --format fish --no-login 2>/dev/null | string collect)
        set __aa_rc $pipestatus[1]
    else
        # Remembered before the run: Ctrl-C during a login ends this function right there.
        contains -- $__aa_root $__atmos_auth_tried; or set -g -a __atmos_auth_tried $__aa_root
        set __aa_out ($__aa_run export --format fish | string collect)
        set __aa_rc $pipestatus[1]
    end
    if test $__aa_rc -eq $__atmos_auth_unsup_rc
        test $__atmos_auth_active = 1; and __atmos_auth_restore
        if test $__aa_quiet = 0
            if set -l __aa_i (contains -i -- $__aa_root $__atmos_auth_tried)
                set -e __atmos_auth_tried[$__aa_i]
            end
            contains -- $__aa_root $__atmos_auth_unsup; or set -g -a __atmos_auth_unsup $__aa_root
        end
        return 0
    end
    if test $__aa_rc -ne 0
        set -g __atmos_auth_retry (math (__atmos_auth_now) + 60)
        return 0
    end
    if set -l __aa_i (contains -i -- $__aa_root $__atmos_auth_tried)
        set -e __atmos_auth_tried[$__aa_i]
    end
    # export's lines are relative to the user's own values (see __atmos_auth_as_user).
    test $__atmos_auth_active = 1; and __atmos_auth_restore
    __atmos_auth_save
    set -l __aa_keys (__atmos_auth_keys_of "$__aa_out")
    __atmos_auth_save_extra $__aa_keys
    eval $__aa_out
    __atmos_auth_drop_extra $__aa_keys
    if set -q ATMOS_AUTH_IDENTITY
        set -g __atmos_auth_active 1
        set -g __atmos_auth_exp (__atmos_auth_epoch "$AWS_CREDENTIAL_EXPIRATION")
    else
        __atmos_auth_restore
    end
end

# The decision, with builtins only. $argv[1]: pwd, prompt or force.
function __atmos_auth_hook --argument-names __aa_mode
    set -l __aa_inputs "$ATMOS_PROFILE|$ATMOS_IDENTITY|$ATMOS_CLI_CONFIG_PATH|$ATMOS_BASE_PATH|$ATMOS_AUTH_BIN|$ATMOS_AUTH_MODE"
    if test "$__aa_mode" != force; and test "$PWD" = "$__atmos_auth_pwd"; and test "$__aa_inputs" = "$__atmos_auth_inputs"
        test $__atmos_auth_active = 1; or return 0
        test -n "$__atmos_auth_exp"; or return 0
        set -l __aa_now (__atmos_auth_now)
        test $__aa_now -lt (math $__atmos_auth_exp - 300); and return 0
        test $__aa_now -lt $__atmos_auth_retry; and return 0
    end
    set -g __atmos_auth_pwd $PWD
    set -g __atmos_auth_inputs $__aa_inputs
    set -l __aa_root (__atmos_auth_root $PWD)
    if test -z "$__aa_root"
        test $__atmos_auth_active = 1; and __atmos_auth_restore
        return 0
    end
    __atmos_auth_run $__aa_root $__aa_mode
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

# Tells `atmos-auth doctor` (a child process, which cannot see the variables above) that this shell
# loaded the hook. Only this marker is exported; `export` never sets or clears it.
set -gx ATMOS_AUTH_HOOK fish
