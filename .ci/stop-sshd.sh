#!/usr/bin/env bash
# Stop the sshd of start-sshd.sh.
ROOT=${CHUNKRUN_SSHD_ROOT:-/tmp/chunkrun-sshd}
[ -f "$ROOT/sshd.pid" ] && kill "$(cat "$ROOT/sshd.pid")" 2>/dev/null
echo "sshd stopped"
