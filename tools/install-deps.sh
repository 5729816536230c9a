#!/usr/bin/env bash
# Installs the Debian 12 packages vhostsw builds, runs and tests with.
# Idempotent: only calls apt-get when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libdpdk-dev dpdk dpdk-dev
  libevent-dev libprotobuf-c-dev protobuf-c-compiler libnanomsg-dev libsystemd-dev systemd
  qemu-system-x86 busybox-static cpio iproute2 procps kmod
  python3 clang libclang-rt-14-dev
  libvirt-daemon-system libvirt-clients
  prometheus
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
