# atmos-auth prompt segment for fish: `atmos_auth_prompt` prints e.g. `plat-dev/terraform (plan) 42m`
# from environment variables only (builtins: no process).

# Seconds since the epoch. fish has no clock variable: on Linux /proc/uptime (read by a builtin)
# advances an anchor taken with one `date +%s` per shell; elsewhere one `date +%s` per call, which
# only happens while an identity with an expiry is active (the only time a clock is needed).
function __atmos_auth_now
    if test -r /proc/uptime
        read -l up _rest </proc/uptime
        set up (string split -m1 . -- $up)[1]
        if not set -q __atmos_auth_clock_epoch[1]; or test $up -lt $__atmos_auth_clock_up
            set -g __atmos_auth_clock_epoch (command date +%s)
            set -g __atmos_auth_clock_up $up
        end
        math "$__atmos_auth_clock_epoch + $up - $__atmos_auth_clock_up"
    else
        command date +%s
    end
end

# RFC 3339 (`2025-01-02T03:04:05Z`, optional fraction, `Z` or `+hh:mm`) -> epoch seconds, nothing
# when the text is not one. Arithmetic with builtins (days from civil date), no `date` process.
function __atmos_auth_epoch --argument-names s
    set -l p (string match -r -- '^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?([Zz]|[+-]\d\d:\d\d)$' $s)
    or return 0
    # math reads 08 as eight: no octal trap.
    set -l y $p[2]
    set -l m (math $p[3])
    set -l d $p[4]
    set -l off 0
    if string match -qr -- '^[+-]' $p[8]
        set off (math (string sub -s 2 -l 2 -- $p[8]) '* 3600 +' (string sub -s 5 -l 2 -- $p[8]) '* 60')
        string match -q -- '-*' $p[8]; and set off (math 0 - $off)
    end
    set -l mp (math $m + 9)
    if test $m -gt 2
        set mp (math $m - 3)
    else
        set y (math $y - 1)
    end
    set -l era (math "floor($y / 400)")
    set -l yoe (math "$y - $era * 400")
    set -l doe (math "$yoe * 365 + floor($yoe / 4) - floor($yoe / 100) + floor((153 * $mp + 2) / 5) + $d - 1")
    math "($era * 146097 + $doe - 719468) * 86400 + $p[5] * 3600 + $p[6] * 60 + $p[7] - $off"
end

# The segment text.
function atmos_auth_prompt
    set -q ATMOS_AUTH_IDENTITY[1]; and test -n "$ATMOS_AUTH_IDENTITY"; or return 0
    set -l out $ATMOS_AUTH_IDENTITY
    if test -n "$ATMOS_AUTH_ACCESS"
        set out "$out ($ATMOS_AUTH_ACCESS)"
    end
    # Profile mode exports no credential expiry, only the SSO session's end (ATMOS_AUTH_EXPIRATION).
    set -l expstr "$AWS_CREDENTIAL_EXPIRATION"
    test -n "$expstr"; or set expstr "$ATMOS_AUTH_EXPIRATION"
    if test -n "$expstr"
        set -l exp (__atmos_auth_epoch $expstr)
        if test -n "$exp"
            set -l left (math $exp - (__atmos_auth_now))
            if test $left -le 0
                set out "$out expired"
            else if test $left -lt 3600
                set out "$out "(math "floor($left / 60)")m
            else
                set out "$out "(math "floor($left / 3600)")h(math "floor($left % 3600 / 60)")m
            end
        end
    end
    # Opt-in: the kube context kubectl uses here (an aws/eks integration), e.g. `k8s:plat-dev`.
    if test -n "$ATMOS_AUTH_PROMPT_KUBE"; and test -n "$ATMOS_AUTH_KUBE_CONTEXT"
        set out "$out k8s:$ATMOS_AUTH_KUBE_CONTEXT"
    end
    printf '%s' $out
end
