#!/usr/bin/env bash
# Installs the Debian 12 packages vhostsw builds, runs and tests with.
# Idempotent: only calls apt-get when something is missing.
#   --bench  also what tools/bench/ compares against and measures with:
#            OVS-DPDK (openvswitch-switch-dpdk; its services are not started:
#            the benchmarks run their own ovsdb-server and ovs-vswitchd) and
#            iperf3 (put into the benchmark's guest image: guest-image/build.sh --iperf3).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libdpdk-dev dpdk dpdk-dev
  libevent-dev libprotobuf-c-dev protobuf-c-compiler libnanomsg-dev libsystemd-dev systemd
  libjansson-dev containernetworking-plugins
  qemu-system-x86 busybox-static cpio iproute2 procps kmod
  python3 clang libclang-rt-14-dev
  libvirt-daemon-system libvirt-clients
  prometheus
  tshark
)

bench_packages=(openvswitch-switch-dpdk iperf3)
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

# QEMU 10 (Debian bookworm-backports), unpacked, not installed: only
# test_uplink_vmdq_igb uses it, for its emulated igb NIC (QEMU 7.2 has none).
# Into VSW_QEMU10_DIR, default <repo>/build/qemu10, where the test looks.
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/qemu10/fetch.sh" "${VSW_QEMU10_DIR:-$top/build/qemu10}" ||
  echo "install-deps: QEMU 10 not fetched: test_uplink_vmdq_igb will be skipped" >&2
