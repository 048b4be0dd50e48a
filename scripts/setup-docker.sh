#!/bin/bash
# Install Debian's docker.io and mmdebstrap when missing, and start dockerd when it is not
# answering. The default bridge stays off (--bridge=none): no box ever gets a private address.
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
if ((${#need[@]})); then
  echo "setup: installing ${need[*]} from Debian" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

if docker info >/dev/null 2>&1; then
  exit 0
fi
echo "setup: starting dockerd --bridge=none" >&2
mkdir -p /var/log
nohup dockerd --bridge=none >/var/log/mirror-dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "setup: dockerd did not answer within 60 s; see /var/log/mirror-dockerd.log" >&2
tail -20 /var/log/mirror-dockerd.log >&2 || true
exit 1
