# shellcheck shell=bash
# atmos-auth library for direnv: `use atmos` (the directory's identity) or `use atmos IDENTITY` in an
# .envrc. Install with:
#   mkdir -p "${XDG_CONFIG_HOME:-$HOME/.config}/direnv/lib"
#   atmos-auth direnv > "${XDG_CONFIG_HOME:-$HOME/.config}/direnv/lib/use_atmos.sh"
# It evals `atmos-auth export --format bash` (on failure: the error is shown and nothing of ours is
# set) and watches atmos.yaml, the profile files, the stack manifests used and the credentials cache
# entry, so that edited config and refreshed credentials are picked up at the next prompt.
# $ATMOS_AUTH_BIN (one command) overrides the CLI path filled in below.

use_atmos() {
  local out w d
  local -a cmd=(@ATMOS_AUTH_CMD@) sel=()
  if [[ -n ${ATMOS_AUTH_BIN-} ]]; then cmd=("$ATMOS_AUTH_BIN"); fi
  if [[ -n ${1-} ]]; then sel=(--identity "$1"); fi
  if w=$("${cmd[@]}" direnv --watch-files "${sel[@]}"); then
    eval "$w"
  else
    # Still watch the nearest Atmos config, so that fixing it reloads.
    d=$PWD
    while [[ -n $d ]]; do
      if [[ -e $d/atmos.yaml ]]; then watch_file "$d/atmos.yaml"; break; fi
      if [[ -e $d/.atmos.yaml ]]; then watch_file "$d/.atmos.yaml"; break; fi
      d=${d%/*}
    done
  fi
  if ! out=$("${cmd[@]}" export --format bash "${sel[@]}"); then
    log_error "use atmos: atmos-auth export failed; environment unchanged"
    return 1
  fi
  eval "$out"
}
