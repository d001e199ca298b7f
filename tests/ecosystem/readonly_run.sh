#!/bin/sh
# readonly_run.sh DIR COMMAND [ARG...]: runs COMMAND with DIR read-only, for the read-only checkout
# test (make test-sdist, mk/wheel.mk). Root ignores permission bits, so as root DIR is bind-mounted
# read-only in a private mount namespace (unshare -m) that ends with COMMAND; as another user
# `chmod -R a-w DIR` (done by the caller) is enough and COMMAND runs as it is.
set -eu
dir=$1
shift
if [ "$(id -u)" != 0 ]; then
    exec "$@"
fi
exec unshare -m --propagation private sh -c '
    mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 97
    exec "$@"' "$dir" "$@"
