#!/bin/sh
# The Debian packages the test suites drive for real, installed when missing: by .ci/run, and by
# `npm test` itself (scripts/test.ts) so that the README's test command works on a fresh machine.
# As root (or with passwordless sudo) it installs them with apt-get; otherwise it names them and the
# command to run, and the suites that need them fail saying so. Exit 1 only when an install failed.
#
#   the shells and direnv (hooks), tmux (interactive terminals), shellcheck, dash (the sh format),
#   python3-dotenv (a dotenv reader), python3-boto3 (botocore reads the SSO caches), strace (what
#   the hook opens in an un-allowed repository), a Secret Service with a second client
#   (gnome-keyring, dbus, dbus-bin, libsecret-tools; python3-cryptography for the file keyring
#   cross-check, bsdutils' script for a pty), kubectl (kubernetes-client) and openssl for the EKS
#   tests, a registry with a client (docker-registry, skopeo, apache2-utils' htpasswd) for ECR.
packages="zsh fish direnv shellcheck tmux dash python3-dotenv python3-boto3 strace gnome-keyring dbus dbus-bin libsecret-tools python3-cryptography bsdutils kubernetes-client openssl docker-registry skopeo apache2-utils"

command -v dpkg >/dev/null 2>&1 || { echo "test packages: not a Debian system; the suites need: $packages"; exit 0; }
need=''
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
[ -n "$need" ] || exit 0
if [ "$(id -u)" = 0 ]; then sudo=''; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo='sudo'; else
  echo "test packages: missing:$need; install them with: sudo apt-get install$need"
  exit 0
fi
echo "test packages: installing$need from Debian"
export DEBIAN_FRONTEND=noninteractive
# $need is a list of package names (split on purpose), as is $sudo (empty or sudo).
# shellcheck disable=SC2086
if ! { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq $need >/dev/null; }; then
  echo "test packages: apt-get install failed"
  exit 1
fi
