#!/usr/bin/env bash
# lab/require.sh -- make sure system tools are present, installing missing ones
# from Debian apt.
#
# Source it and call:   nw_require COMMAND [APT_PACKAGE]
# or run it directly:   lab/require.sh COMMAND[:PACKAGE] ...
#
# If COMMAND is not on PATH (or in /usr/sbin, /sbin), the Debian package
# (defaults to COMMAND) is installed with `apt-get install -y`. Nothing is
# installed from anywhere but apt. Needs root to install.

nw_require() {
    local cmd=$1 pkg=${2:-$1}
    if command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd || -x /sbin/$cmd ]]; then
        return 0
    fi
    echo "[require] '$cmd' not found; installing Debian package '$pkg' (apt-get install -y $pkg)" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "[require] ERROR: need root to install '$pkg'. Run: sudo apt-get install -y $pkg" >&2
        return 1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >&2; then
        echo "[require] ERROR: apt-get install -y $pkg failed (try 'apt-get update' first)" >&2
        return 1
    fi
    command -v "$cmd" >/dev/null 2>&1 || [[ -x /usr/sbin/$cmd || -x /sbin/$cmd ]] || {
        echo "[require] ERROR: package '$pkg' installed but '$cmd' is still missing" >&2
        return 1
    }
}

# Executed (not sourced): treat arguments as COMMAND[:PACKAGE] pairs.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    for spec in "$@"; do
        nw_require "${spec%%:*}" "${spec#*:}"
    done
fi
