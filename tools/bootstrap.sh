#!/usr/bin/env bash
# The two entry points a new user (and CI) needs on a fresh Debian 12 box:
#   tools/bootstrap.sh run   install what is missing, build, reserve hugepages,
#                            start the switch from deploy/startup.conf (foreground)
#   tools/bootstrap.sh test  install what is missing, build, run every test
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${VSW_BUILD_DIR:-$top/build}

usage() {
	echo "usage: $0 {run|test}" >&2
	exit 2
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: run as root (hugepages, vhost-user sockets under /run)" >&2
		exit 1
	fi
}

build_all() {
	"$top/tools/install-deps.sh"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j "$(nproc)"
}

# 2 MB pages for DPDK: the switch and, in tests, testpmd front ends.
reserve_hugepages() {
	"$top/deploy/hugepages.sh" "${VSW_HUGEPAGES:-512}"
}

[ $# -eq 1 ] || usage
case "$1" in
run)
	need_root
	build_all
	reserve_hugepages
	exec "$build/tools/supervisor/vhost-supervisor" -c "$top/deploy/startup.conf"
	;;
test)
	need_root
	build_all
	reserve_hugepages
	"$top/tools/guest-image/build.sh" "$build/guest"
	cd "$build"
	ctest --output-on-failure --timeout 900
	;;
*)
	usage
	;;
esac
