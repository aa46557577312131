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

# Remember one variable's value (or its absence): the value in __atmos_auth_saved_<NAME>, its kind
# (x: exported, s: shell only) in __atmos_auth_savedk_<NAME>.
function __atmos_auth_save_one --argument-names v
    set -e __atmos_auth_saved_$v
    set -e __atmos_auth_savedk_$v
    set -q $v; or return 0
    set -g __atmos_auth_saved_$v $$v
    if set -qx $v
        set -g __atmos_auth_savedk_$v x
    else
        set -g __atmos_auth_savedk_$v s
    end
end

# Put one variable back exactly as __atmos_auth_save_one found it.
function __atmos_auth_restore_one --argument-names v
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

# Remember the shell's own values (or their absence) before the first identity is applied. Values
# inherited from a parent shell's hook (ATMOS_AUTH_IDENTITY already set) are atmos-auth's, not the
# user's: they are remembered as absent, and so are the extra variables its env: set (listed in the
# inherited ATMOS_AUTH_ENV_KEYS).
function __atmos_auth_save
    set -l inherited 0
    set -q ATMOS_AUTH_IDENTITY; and set inherited 1
    set -g __atmos_auth_extra
    set -g __atmos_auth_ikeys
    test $inherited = 1; and set -g __atmos_auth_ikeys (string split -n ' ' -- "$ATMOS_AUTH_ENV_KEYS")
    for v in $__atmos_auth_vars
        if test $inherited = 1; and contains -- $v $__atmos_auth_managed
            set -e __atmos_auth_saved_$v
            set -e __atmos_auth_savedk_$v
            continue
        end
        __atmos_auth_save_one $v
    end
end

# The extra variables (an identity's env:) named on the first line of export's output: export puts
# ATMOS_AUTH_ENV_KEYS first, and its value holds only names and spaces.
function __atmos_auth_keys_of --argument-names out
    set -l first (string split -m1 \n -- $out)[1]
    set -l m (string match -r "^set -gx ATMOS_AUTH_ENV_KEYS '([A-Za-z0-9_ ]*)';\$" -- $first)
    and string split -n ' ' -- $m[2]
    return 0
end

# Before applying an identity: remember the user's values of extra names not remembered yet.
function __atmos_auth_save_extra
    for v in $argv
        contains -- $v $__atmos_auth_extra; and continue
        if contains -- $v $__atmos_auth_ikeys
            set -e __atmos_auth_saved_$v
            set -e __atmos_auth_savedk_$v
        else
            __atmos_auth_save_one $v
        end
        set -g -a __atmos_auth_extra $v
    end
end

# After applying an identity: extra names the previous one set and this one does not get the
# user's values back.
function __atmos_auth_drop_extra
    set -l keep
    for v in $__atmos_auth_extra
        if contains -- $v $argv
            set -a keep $v
        else
            __atmos_auth_restore_one $v
        end
    end
    set -g __atmos_auth_extra $keep
end

# Put back exactly what __atmos_auth_save (and __atmos_auth_save_extra) remembered.
function __atmos_auth_restore
    for v in $__atmos_auth_vars $__atmos_auth_extra
        __atmos_auth_restore_one $v
    end
    set -g __atmos_auth_extra
    set -g __atmos_auth_active 0
    set -g __atmos_auth_exp ''
end

# Runs `atmos-auth export` for the repository $argv[1] and applies its lines. On failure the export
# command has said why on stderr (shown once per repository: later runs there are quiet and never
# log in), and nothing changes.
function __atmos_auth_run --argument-names root mode
    set -l cmd $__atmos_auth_cmd
    test -n "$ATMOS_AUTH_BIN"; and set cmd $ATMOS_AUTH_BIN
    set -l out
    set -l rc 0
    if test "$mode" != force; and contains -- $root $__atmos_auth_tried
        set out ($cmd export --format fish --no-login 2>/dev/null | string collect)
        set rc $pipestatus[1]
    else
        # Remembered before the run: Ctrl-C during a login ends this function right there.
        contains -- $root $__atmos_auth_tried; or set -g -a __atmos_auth_tried $root
        set out ($cmd export --format fish | string collect)
        set rc $pipestatus[1]
    end
    if test $rc -ne 0
        set -g __atmos_auth_retry (math (__atmos_auth_now) + 60)
        return 0
    end
    if set -l i (contains -i -- $root $__atmos_auth_tried)
        set -e __atmos_auth_tried[$i]
    end
    test $__atmos_auth_active = 1; or __atmos_auth_save
    set -l keys (__atmos_auth_keys_of "$out")
    __atmos_auth_save_extra $keys
    eval $out
    __atmos_auth_drop_extra $keys
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
