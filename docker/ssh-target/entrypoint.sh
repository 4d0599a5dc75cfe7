#!/bin/sh
# The host key is made once (kept in a volume) and published so the broker can pin it.
set -eu
mkdir -p /etc/ssh/keys /run/sshd
[ -f /etc/ssh/keys/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/keys/ssh_host_ed25519_key
cp /etc/ssh/keys/ssh_host_ed25519_key.pub /target-public/ssh_host_ed25519_key.pub
[ -s /etc/ssh/breakglass/ca.pub ] || { echo "target: no CA public key at /etc/ssh/breakglass/ca.pub" >&2; exit 1; }
exec /usr/sbin/sshd -D -e
