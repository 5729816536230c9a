#!/usr/bin/env bash
# Fetches QEMU 10 from Debian's bookworm-backports suite and unpacks it into
# OUTDIR (default <repo>/build/qemu10), for the one test that needs an
# emulated igb NIC (-device igb, an 82576 with VMDq pools; QEMU 7.2 has
# none): tests/integration/test_uplink_vmdq_igb.py. Nothing is installed:
# the system's QEMU 7.2 stays for every other test.
#   OUTDIR/root/usr/bin/qemu-system-x86_64   run with -L OUTDIR/root/usr/share/qemu
#                                            -L OUTDIR/root/usr/share/seabios and
#                                            QEMU_MODULE_DIR=OUTDIR/root/usr/lib/x86_64-linux-gnu/qemu
#                                            (else it loads the system 7.2's modules)
#   OUTDIR/stamp                             the package versions unpacked
# apt works on a private copy of its state: the backports source list and the
# package lists live in a temporary directory, removed on exit; /etc/apt is
# not touched. Idempotent: does nothing when OUTDIR/stamp exists and the
# binary runs.
#
# usage: tools/qemu10/fetch.sh [OUTDIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
outdir=${1:-$top/build/qemu10}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
packages=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
mirror=${VSW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

log() { echo "qemu10: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

exec 9>"$outdir/.lock"
flock 9

qemu=$outdir/root/usr/bin/qemu-system-x86_64
has_igb() {
	QEMU_MODULE_DIR=$1/root/usr/lib/x86_64-linux-gnu/qemu \
		"$1/root/usr/bin/qemu-system-x86_64" -device igb,help >/dev/null 2>&1
}
if [ -s "$outdir/stamp" ] && has_igb "$outdir"; then
	exit 0
fi
for tool in apt-get dpkg flock; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[ -r "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

tmp=$(mktemp -d /tmp/vsw-qemu10.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/debs"
echo "deb [signed-by=$keyring] $mirror bookworm-backports main" >"$tmp/backports.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$tmp/backports.list" -o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
	-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o APT::Sandbox::User=root)
log "reading bookworm-backports from $mirror"
apt-get "${apt_opts[@]}" update >&2 || die "apt-get update of bookworm-backports failed"
specs=()
for p in "${packages[@]}"; do
	specs+=("$p/bookworm-backports")
done
(cd "$tmp/debs" && apt-get "${apt_opts[@]}" download "${specs[@]}" >&2) ||
	die "apt-get download ${specs[*]} failed"
rm -rf "$outdir/root.new"
mkdir "$outdir/root.new"
: >"$tmp/stamp"
for deb in "$tmp"/debs/*.deb; do
	dpkg -x "$deb" "$outdir/root.new"
	dpkg-deb -f "$deb" Package Version | tr '\n' ' ' >>"$tmp/stamp"
	echo >>"$tmp/stamp"
done
rm -rf "$outdir/root"
mv "$outdir/root.new" "$outdir/root"
has_igb "$outdir" || die "$qemu does not run or has no igb device (missing libraries?)"
mv "$tmp/stamp" "$outdir/stamp"
log "done: $("$qemu" --version | head -1) in $outdir"
