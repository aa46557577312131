#!/bin/sh
# The test BROWSER: BROWSER=/abs/path/test/fake-aws/browser.sh. Runs browser.ts with the node of the
# tests: FAKE_AWS_NODE when set, else the project's Node 24 (scripts/with-node.sh), else `node`.
here=$(cd "$(dirname "$0")" && pwd)
node_bin=${FAKE_AWS_NODE:-}
if [ -z "$node_bin" ] && [ -f "$here/../../scripts/with-node.sh" ]; then
  node_bin=$(sh "$here/../../scripts/with-node.sh" --print 2>/dev/null)
fi
exec "${node_bin:-node}" "$here/browser.ts" "$@"
