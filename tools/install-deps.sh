#!/usr/bin/env bash
# Installs the Debian 12 packages vhostsw builds, runs and tests with.
# Idempotent: only calls apt-get when something is missing.
#   --bench  also what tools/bench/vhost_bench.py compares against: OVS-DPDK
#            (openvswitch-switch-dpdk). Its services are not started: the
#            benchmark runs its own ovsdb-server and ovs-vswitchd.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libdpdk-dev dpdk dpdk-dev
  libevent-dev libprotobuf-c-dev protobuf-c-compiler libnanomsg-dev libsystemd-dev systemd
  qemu-system-x86 busybox-static cpio iproute2 procps kmod
  python3 clang libclang-rt-14-dev
  libvirt-daemon-system libvirt-clients
  prometheus
  tshark
)

bench_packages=(openvswitch-switch-dpdk)
bench=0
for a in "$@"; do
  case "$a" in
    --bench) bench=1; packages+=("${bench_packages[@]}") ;;
    *) echo "install-deps: unknown option '$a', expected --bench" >&2; exit 2 ;;
  esac
done

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
  # No package's service may start here (OVS's would run a system-wide
  # ovs-vswitchd): a policy-rc.d of our own for the install only.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
if [ "$bench" = 1 ] && [ ! -x /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ]; then
  echo "install-deps: /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk missing" >&2
  exit 1
fi
