#!/bin/sh
# Runs a script with Node.js 22.3 or newer. The system's node is used when it is new enough;
# otherwise the official Node binary package from the npm registry is installed once into
# .tools/node (no download from anywhere else) and used from there.
# Usage: sh scripts/with-node.sh FILE [ARGS...]   (or with --print: just print the node path)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
node_bin=$(sh "$here/scripts/find-node.sh")
if [ "${1:-}" = "--print" ]; then echo "$node_bin"; exit 0; fi
exec "$node_bin" "$@"
