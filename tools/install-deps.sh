#!/usr/bin/env bash
# Installs the Debian 12 packages vhostsw builds, runs and tests with.
# Idempotent: only calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libdpdk-dev dpdk dpdk-dev
  libevent-dev libprotobuf-c-dev protobuf-c-compiler libnanomsg-dev
  qemu-system-x86 busybox-static cpio iproute2 procps kmod
  python3 clang libclang-rt-14-dev
  libvirt-daemon-system libvirt-clients
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: must run as root to install packages" >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# QEMU 10 (Debian bookworm-backports), unpacked, not installed: only
# test_uplink_vmdq_igb uses it, for its emulated igb NIC (QEMU 7.2 has none).
# Into VSW_QEMU10_DIR, default <repo>/build/qemu10, where the test looks.
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/qemu10/fetch.sh" "${VSW_QEMU10_DIR:-$top/build/qemu10}" ||
  echo "install-deps: QEMU 10 not fetched: test_uplink_vmdq_igb will be skipped" >&2
