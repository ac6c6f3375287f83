#!/usr/bin/env bash
# An sshd on 127.0.0.1 for the tests, with a generated host key and client key, root login by
# key only. Prints the line to eval: export CHUNKRUN_TEST_SSH="ssh ... 127.0.0.1" (also written
# to $ROOT/env). Stop with stop-sshd.sh.
set -euo pipefail
ROOT=${CHUNKRUN_SSHD_ROOT:-/tmp/chunkrun-sshd}
PORT=${CHUNKRUN_SSHD_PORT:-2222}
rm -rf "$ROOT"
mkdir -p "$ROOT" /run/sshd
chmod 700 "$ROOT"
ssh-keygen -q -t ed25519 -N '' -f "$ROOT/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$ROOT/client_key"
cp "$ROOT/client_key.pub" "$ROOT/authorized_keys"
cat > "$ROOT/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $PORT
HostKey $ROOT/host_key
PidFile $ROOT/sshd.pid
AuthorizedKeysFile $ROOT/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
CONF
/usr/sbin/sshd -f "$ROOT/sshd_config" -E "$ROOT/sshd.log"
CLIENT="ssh -p $PORT -i $ROOT/client_key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR 127.0.0.1"
for _ in $(seq 1 40); do
  if $CLIENT true 2>/dev/null; then
    echo "export CHUNKRUN_TEST_SSH=\"$CLIENT\"" > "$ROOT/env"
    cat "$ROOT/env"
    exit 0
  fi
  sleep 0.25
done
echo "sshd did not accept the test key; see $ROOT/sshd.log" >&2
exit 1
