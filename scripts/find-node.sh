#!/bin/sh
# Prints the path of a Node.js >= 22.3 binary, installing node-<os>-<arch>@24 from the npm
# registry into .tools/node when neither ATMOS_AUTH_NODE, the PATH's node nor an earlier
# install qualifies. Messages go to stderr; only the path goes to stdout.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
min=22
ok() { # $1: a node binary; true when it runs and is new enough (22.3+: process.getBuiltinModule)
  [ -x "$1" ] || return 1
  major=$("$1" -p 'typeof process.getBuiltinModule === "function" ? process.versions.node.split(".")[0] : 0' 2>/dev/null) || return 1
  [ "$major" -ge "$min" ] 2>/dev/null
}
if [ -n "${ATMOS_AUTH_NODE:-}" ] && ok "$ATMOS_AUTH_NODE"; then echo "$ATMOS_AUTH_NODE"; exit 0; fi
sys=$(command -v node 2>/dev/null || true)
if [ -n "$sys" ] && ok "$sys"; then echo "$sys"; exit 0; fi
case "$(uname -s)" in
  Linux) os=linux ;; Darwin) os=darwin ;; *) echo "atmos-auth: unsupported OS $(uname -s): install Node.js 22.3+ yourself" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "atmos-auth: unsupported CPU $(uname -m): install Node.js 22.3+ yourself" >&2; exit 1 ;;
esac
pkg="node-$os-$arch"
dest="${ATMOS_AUTH_TOOLS:-$here/.tools}/node"
bin="$dest/node_modules/$pkg/bin/node"
if ! ok "$bin"; then
  command -v npm >/dev/null 2>&1 || { echo "atmos-auth: Node.js 22.3+ is needed and npm is missing to install it" >&2; exit 1; }
  echo "atmos-auth: system Node.js is older than $min; installing $pkg@24 from the npm registry into $dest" >&2
  mkdir -p "$dest"
  npm install --silent --no-save --no-package-lock --prefix "$dest" "$pkg@24" >&2
  ok "$bin" || { echo "atmos-auth: $pkg@24 did not give a working node at $bin" >&2; exit 1; }
fi
echo "$bin"
