#!/bin/sh
# Installs atmos-auth for the current user, without sudo, and idempotently (a second run changes
# nothing). What it does:
#   - finds Node.js 22.3+ or installs the official node-<os>-<arch>@24 package from the npm registry
#   - installs the npm dependencies and builds dist/ (from this checkout)
#   - copies the build to $ATMOS_AUTH_HOME (default ~/.local/share/atmos-auth) and links
#     ~/.local/bin/atmos-auth to it, with Node's absolute path in its first line (and
#     ~/.local/bin/docker-credential-atmos-auth, the docker credential helper for ECR logins)
#   - installs the direnv library when direnv is present
#   - with --shell zsh|bash|fish: adds the hook line to that shell's rc file (printed otherwise),
#     and installs that shell's completion (zsh: a `source` line after the hook; bash: a file in
#     ~/.local/share/bash-completion/completions, which the bash-completion package loads; fish: a
#     file in ~/.config/fish/completions)
# Options: --shell NAME, --uninstall (removes exactly what it added), --demo (then runs the demo).
set -eu

src=$(cd "$(dirname "$0")" && pwd)
home_dir=${ATMOS_AUTH_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/atmos-auth}
bin_dir=${ATMOS_AUTH_BIN_DIR:-$HOME/.local/bin}
direnv_lib=${XDG_CONFIG_HOME:-$HOME/.config}/direnv/lib/use_atmos.sh
marker='# added by atmos-auth install.sh'
shell_name=''
uninstall=0
demo=0

while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell_name=${2:-}; shift 2 ;;
    --shell=*) shell_name=${1#--shell=}; shift ;;
    --uninstall) uninstall=1; shift ;;
    --demo) demo=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

rc_file() {
  case "$1" in
    zsh) echo "${ZDOTDIR:-$HOME}/.zshrc" ;;
    bash) echo "$HOME/.bashrc" ;;
    fish) echo "${XDG_CONFIG_HOME:-$HOME/.config}/fish/conf.d/atmos-auth.fish" ;;
    *) echo "install.sh: --shell takes zsh, bash or fish" >&2; exit 2 ;;
  esac
}

completion_file() { # where the completion script of $1 goes
  case "$1" in
    zsh) echo "$home_dir/completion.zsh" ;;
    bash) echo "${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion/completions/atmos-auth" ;;
    fish) echo "${XDG_CONFIG_HOME:-$HOME/.config}/fish/completions/atmos-auth.fish" ;;
  esac
}

# zsh has no completion directory every setup reads: the rc file sources the script.
completion_line() {
  echo "[ -r '$(completion_file zsh)' ] && source '$(completion_file zsh)' # atmos-auth completion, $marker"
}

hook_line() {
  case "$1" in
    zsh) echo "eval \"\$(atmos-auth hook zsh)\" $marker" ;;
    bash) echo "eval \"\$(atmos-auth hook bash)\" $marker" ;;
    fish) echo "atmos-auth hook fish | source $marker" ;;
  esac
}

remove_marked_lines() { # $1: file; removes only the lines this script added
  [ -f "$1" ] || return 0
  if grep -qF "$marker" "$1"; then
    tmp="$1.atmos-auth.$$"
    grep -vF "$marker" "$1" > "$tmp" || true
    cat "$tmp" > "$1" && rm -f "$tmp"
    echo "removed the atmos-auth line from $1"
  fi
}

if [ "$uninstall" = 1 ]; then
  for s in zsh bash fish; do remove_marked_lines "$(rc_file "$s")"; done
  # The completion files, when they are ours (the zsh one goes with $home_dir).
  for s in bash fish; do
    f=$(completion_file "$s")
    if [ -f "$f" ] && grep -qF "atmos-auth completion for $s" "$f"; then rm -f "$f"; echo "removed $f"; fi
  done
  fish_rc=$(rc_file fish)
  [ -f "$fish_rc" ] && [ ! -s "$fish_rc" ] && rm -f "$fish_rc"
  if [ -f "$direnv_lib" ] && grep -qF 'atmos-auth' "$direnv_lib"; then rm -f "$direnv_lib"; echo "removed $direnv_lib"; fi
  for link in atmos-auth docker-credential-atmos-auth; do
    if [ -L "$bin_dir/$link" ]; then rm -f "$bin_dir/$link"; echo "removed $bin_dir/$link"; fi
  done
  if [ -d "$home_dir" ]; then rm -rf "$home_dir"; echo "removed $home_dir"; fi
  echo "atmos-auth uninstalled (cached credentials stay in ~/.cache/atmos-auth: 'atmos-auth logout --all' before uninstalling removes them)"
  exit 0
fi

node_bin=$(ATMOS_AUTH_TOOLS="$home_dir/tools" sh "$src/scripts/find-node.sh")
node_dir=$(dirname "$node_bin")

# Dependencies and build, in the checkout. npm runs on the Node we found.
if [ ! -d "$src/node_modules" ] || [ "$src/package-lock.json" -nt "$src/node_modules/.package-lock.json" ]; then
  (cd "$src" && PATH="$node_dir:$PATH" npm ci --no-audit --no-fund --loglevel=error >&2)
fi
(cd "$src" && "$node_bin" scripts/build.ts)

# Copy the build; rewrite the shebang to this Node so the hook never meets an older node on PATH.
mkdir -p "$home_dir" "$bin_dir"
stage="$home_dir/.stage.$$"
rm -rf "$stage" && mkdir -p "$stage"
cp -R "$src/dist" "$stage/dist"
cp -R "$src/shell" "$stage/shell"
cp "$src/package.json" "$stage/package.json"
{ echo "#!$node_bin"; tail -n +2 "$src/dist/atmos-auth.mjs"; } > "$stage/dist/atmos-auth.mjs"
chmod 755 "$stage/dist/atmos-auth.mjs"
changed=1
if [ -d "$home_dir/dist" ] && diff -r "$stage/dist" "$home_dir/dist" >/dev/null 2>&1 && diff -r "$stage/shell" "$home_dir/shell" >/dev/null 2>&1; then
  changed=0
fi
if [ "$changed" = 1 ]; then
  rm -rf "$home_dir/dist" "$home_dir/shell"
  mv "$stage/dist" "$home_dir/dist"; mv "$stage/shell" "$home_dir/shell"; mv "$stage/package.json" "$home_dir/package.json"
  echo "installed atmos-auth into $home_dir"
else
  echo "atmos-auth in $home_dir is up to date"
fi
rm -rf "$stage"
ln -sfn "$home_dir/dist/atmos-auth.mjs" "$bin_dir/atmos-auth"
# The docker credential helper for ECR logins under a credsStore (src/commands/docker-credential.ts).
ln -sfn "$home_dir/dist/atmos-auth.mjs" "$bin_dir/docker-credential-atmos-auth"

case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "note: $bin_dir is not on your PATH; add it, e.g. export PATH=\"$bin_dir:\$PATH\"" ;;
esac

if command -v direnv >/dev/null 2>&1; then
  mkdir -p "$(dirname "$direnv_lib")"
  tmp="$direnv_lib.tmp.$$"
  if "$bin_dir/atmos-auth" direnv > "$tmp" 2>/dev/null && [ -s "$tmp" ]; then
    if cmp -s "$tmp" "$direnv_lib"; then rm -f "$tmp"; else mv "$tmp" "$direnv_lib"; echo "installed the direnv library $direnv_lib (use 'use atmos' in .envrc)"; fi
  else
    rm -f "$tmp"
  fi
fi

if [ -n "$shell_name" ]; then
  rc=$(rc_file "$shell_name")
  line=$(hook_line "$shell_name")
  mkdir -p "$(dirname "$rc")"
  # The hook's own marked line (the completion line carries the marker too).
  if [ -f "$rc" ] && grep -F "$marker" "$rc" | grep -qF "atmos-auth hook $shell_name"; then
    echo "the hook is already in $rc"
  else
    printf '%s\n' "$line" >> "$rc"
    echo "added the hook to $rc: $line"
  fi
  # Completion: the script as this installation prints it, replaced only when it changed.
  comp=$(completion_file "$shell_name")
  mkdir -p "$(dirname "$comp")"
  tmp="$comp.tmp.$$"
  if "$bin_dir/atmos-auth" completion "$shell_name" > "$tmp" 2>/dev/null && [ -s "$tmp" ]; then
    if cmp -s "$tmp" "$comp"; then rm -f "$tmp"; else mv "$tmp" "$comp"; echo "installed the $shell_name completion $comp"; fi
  else
    rm -f "$tmp"; echo "install.sh: could not write the $shell_name completion" >&2
  fi
  if [ "$shell_name" = zsh ]; then
    cline=$(completion_line)
    if ! grep -qF "$cline" "$rc"; then printf '%s\n' "$cline" >> "$rc"; echo "added the completion to $rc"; fi
  fi
  if [ "$shell_name" = bash ] && [ ! -f /usr/share/bash-completion/bash_completion ] && [ ! -f /etc/bash_completion ]; then
    echo "note: bash loads $comp through the bash-completion package; without it, add to ~/.bashrc: source '$comp'"
  fi
else
  echo "to enable the hook, add to your shell's rc file one of:"
  for s in zsh bash fish; do echo "  ($s)  $(hook_line "$s" | sed "s| $marker||")"; done
  echo "or run: ./install.sh --shell zsh|bash|fish"
fi

if [ "$demo" = 1 ]; then
  exec "$node_bin" "$src/scripts/demo.ts"
fi
