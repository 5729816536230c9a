#!/usr/bin/env bash
# Reserves 2 MB hugepages for DPDK and mounts hugetlbfs on /dev/hugepages
# if nothing is mounted there. Used by tools/bootstrap.sh and, as
# ExecStartPre, by deploy/vhostsw.service.
#
# usage: deploy/hugepages.sh [N]   (N: pages wanted, default $VSW_HUGEPAGES or 512)
# Never lowers a larger reservation. Exit 0 once at least N pages are
# reserved and /dev/hugepages is a mount point; 1 with one line on stderr
# saying what failed otherwise.
set -eu

want=${1:-${VSW_HUGEPAGES:-512}}
nr=/proc/sys/vm/nr_hugepages
mnt=/dev/hugepages

die() {
	echo "hugepages: $*" >&2
	exit 1
}

case "$want" in
'' | *[!0-9]*) die "page count must be a number, not '$want'" ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (writes $nr, mounts $mnt)"
[ -r "$nr" ] || die "$nr not readable: kernel without hugetlb support?"

have=$(cat "$nr") || die "cannot read $nr"
if [ "$have" -lt "$want" ]; then
	echo "$want" >"$nr" || die "cannot write $want to $nr"
	have=$(cat "$nr") || die "cannot read $nr"
fi
# The kernel reserves what it can: fewer pages when memory is fragmented.
[ "$have" -ge "$want" ] ||
	die "only $have of $want 2 MB pages could be reserved (free memory, or fragmentation: try at boot, hugepages=$want)"

if ! mountpoint -q "$mnt"; then
	mkdir -p "$mnt" || die "cannot create $mnt"
	mount -t hugetlbfs nodev "$mnt" || die "mount -t hugetlbfs nodev $mnt failed"
fi
fstype=$(stat -f -c %T "$mnt") || die "cannot stat $mnt"
[ "$fstype" = hugetlbfs ] || die "$mnt is mounted, but as $fstype, not hugetlbfs"
echo "hugepages: $have 2 MB pages reserved, hugetlbfs on $mnt"
