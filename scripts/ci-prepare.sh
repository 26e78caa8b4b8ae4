#!/usr/bin/env bash
# What the test suite needs on a fresh Debian machine, before the README's test command runs
# (.ci/run): the resolvers and firewall tools that check our exports, chromium for the
# console's end-to-end tests, a Chinese font, and the machine's PostgreSQL cluster started.
set -euo pipefail

need=()
command -v named-checkzone >/dev/null || need+=(bind9-utils)
command -v named >/dev/null || need+=(bind9)
command -v dig >/dev/null || need+=(bind9-dnsutils)
command -v nft >/dev/null || need+=(nftables)
command -v unbound >/dev/null || need+=(unbound)
command -v ip >/dev/null || need+=(iproute2)
command -v chromium >/dev/null || need+=(chromium)
# A Chinese font, so the console's screenshots show characters rather than boxes.
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL: start the machine's cluster if it is installed but stopped.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
