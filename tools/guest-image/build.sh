#!/usr/bin/env bash
# Builds the tiny test guest used by the integration tests:
#   OUTDIR/vmlinuz     Debian's cloud kernel (newest linux-image-*-cloud-amd64)
#   OUTDIR/initrd.img  busybox-static initramfs whose /init loads virtio-net,
#                      configures lo and eth0 from the kernel cmdline
#                      (vsw.ip=<addr/prefix>, vsw.ipv6=0), prints a marker on
#                      the console and runs a root shell on ttyS0. Markers:
#                      VSW-GUEST-READY ip=.. mac=..  eth0 up and configured
#                      VSW-GUEST-NO-ETH0             no eth0 after 20 s
#                      VSW-GUEST-ERROR: <what>       insmod/ip failed
#   OUTDIR/stamp       what the two files were built from (cache key)
# --iperf3: the host's iperf3 (tools/install-deps.sh --bench) and its
# libraries in the initramfs too, for tools/bench/offload_bench.py.
# Idempotent: does nothing when the stamp matches this script, the installed
# busybox-static and the kernel package apt would pick.
#
# --vhostsw BUILD: a guest that runs vhostsw itself on a PCI NIC (the VMDq
# test on QEMU 10's emulated igb): no virtio NIC is waited for (READY at
# once, mac=none); /vsw/bin holds BUILD's vhost-supervisor, vhostd,
# vhost-dp and vhost-ctl, /usr/bin dpdk-testpmd, with their libraries (ldd
# closure, at their host paths) and DPDK's bus_pci, bus_vdev, mempool_ring,
# net_e1000 and net_virtio drivers; uio and uio_pci_generic are loaded (the
# cloud kernel has no vfio no-IOMMU). The stamp covers those files too.
#
# usage: tools/guest-image/build.sh [--vhostsw BUILD] [--iperf3] [OUTDIR]
#        (default OUTDIR: <repo>/build/guest, with --vhostsw BUILD/guest-vhostsw,
#        with --iperf3 <repo>/build/guest-iperf3)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vsw_build=
iperf3=
while [ $# -gt 0 ]; do
	case "$1" in
	--vhostsw)
		[ -n "${2:-}" ] || { echo "guest-image: --vhostsw needs a build directory" >&2; exit 1; }
		vsw_build=$(cd "$2" && pwd)
		shift 2
		;;
	--iperf3)
		iperf3=$(command -v iperf3) ||
			{ echo "guest-image: no iperf3 (tools/install-deps.sh --bench)" >&2; exit 1; }
		shift
		;;
	*) break ;;
	esac
done
outdir=${1:-${vsw_build:+$vsw_build/guest-vhostsw}}
outdir=${outdir:-${iperf3:+$top/build/guest-iperf3}}
outdir=${outdir:-$top/build/guest}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# virtio-net and its dependencies, in load order. Some may be built in.
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	virtio_pci failover net_failover virtio_net)
# Without these there is no eth0; the others are optional (older kernels).
required_modules=" virtio_ring virtio virtio_pci virtio_net "
# DPDK's uplink PMD reaches its PCI NIC through uio_pci_generic.
if [ -n "$vsw_build" ]; then
	modules+=(uio uio_pci_generic)
	required_modules+="uio uio_pci_generic "
fi
vsw_bins=(tools/supervisor/vhost-supervisor control/vhostd dataplane/vhost-dp tools/ctl/vhost-ctl)
dpdk_pmds=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
vsw_pmds=(librte_bus_pci librte_bus_vdev librte_mempool_ring librte_net_e1000 librte_net_virtio)

log() { echo "guest-image: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

for tool in apt-cache apt-get dpkg dpkg-query cpio gzip flock sha256sum; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static)"
# A dynamically linked busybox (package busybox) would not run in the
# initramfs, which has no libc.
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is dynamically linked: install busybox-static"
fi
# (No `cmd | grep -q` in this script: with pipefail, grep's early exit
# kills the writer with SIGPIPE and fails the pipeline at random.)
applets=$("$busybox" --list)
for applet in sh cttyhack setsid insmod ip ping nc sha256sum ifconfig dd cat stty; do
	grep -qx "$applet" <<<"$applets" || die "$busybox has no $applet applet"
done

# One build at a time per OUTDIR (tests may call this concurrently).
exec 9>"$outdir/.lock"
flock 9

# Prints "<package> <version>" of the kernel the metapackage's candidate
# version depends on (Depends: linux-image-X-cloud-amd64 (= V)).
resolve_kernel() {
	local dep pkg ver
	dep=$(apt-cache show --no-all-versions linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		grep -E '^ *linux-image-[0-9][^ ]*-cloud-amd64') || return 1
	dep=${dep%%$'\n'*}
	pkg=$(echo "$dep" | awk '{print $1}')
	ver=$(echo "$dep" | sed -n 's/.*(= *\([^)]*\)).*/\1/p')
	[ -n "$pkg" ] || return 1
	if [ -z "$ver" ]; then
		ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p')
		ver=${ver%%$'\n'*}
	fi
	[ -n "$ver" ] || return 1
	echo "$pkg $ver"
}

script_sum=$(sha256sum "$0" | cut -d' ' -f1)
busybox_ver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)
have_outputs() { [ -s "$outdir/vmlinuz" ] && [ -s "$outdir/initrd.img" ] && [ -s "$outdir/stamp" ]; }
stamp_base="script=$script_sum busybox=$busybox_ver"
if [ -n "$vsw_build" ]; then
	for b in "${vsw_bins[@]}"; do
		[ -x "$vsw_build/$b" ] || die "$vsw_build/$b missing (build vhostsw first)"
	done
	command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found"
	vsw_sum=$(cd "$vsw_build" && cat "${vsw_bins[@]}" "$(command -v dpdk-testpmd)" | sha256sum | cut -d' ' -f1)
	stamp_base="$stamp_base vhostsw=$vsw_sum"
fi
if [ -n "$iperf3" ]; then
	stamp_base="$stamp_base iperf3=$(dpkg-query -W -f='${Version}' iperf3 2>/dev/null || echo unknown)"
fi

if kernel=$(resolve_kernel); then
	:
elif have_outputs && grep -qF "$stamp_base " "$outdir/stamp"; then
	# apt knows no kernel (no lists) but we already built one: keep it
	# rather than going to the network.
	log "apt-cache does not know linux-image-cloud-amd64; keeping $(cat "$outdir/stamp")"
	exit 0
else
	log "apt-cache does not know linux-image-cloud-amd64; running apt-get update"
	apt-get update -q >&2 || log "apt-get update failed"
	if ! kernel=$(resolve_kernel); then
		if have_outputs; then
			log "warning: cannot resolve linux-image-cloud-amd64; keeping the existing image"
			exit 0
		fi
		die "cannot resolve linux-image-cloud-amd64 with apt-cache"
	fi
fi
kpkg=${kernel% *}
kver=${kernel#* }
stamp="$stamp_base kernel=$kpkg=$kver"

if have_outputs && [ "$(cat "$outdir/stamp")" = "$stamp" ]; then
	exit 0 # up to date
fi
log "building guest image in $outdir from $kpkg $kver"

tmp=$(mktemp -d /tmp/vsw-guest-image.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- kernel package ---------------------------------------------------------
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$kpkg=$kver" >&2) ||
	die "apt-get download $kpkg=$kver failed"
deb=$(ls "$tmp"/*.deb)
mkdir "$tmp/kpkg"
dpkg -x "$deb" "$tmp/kpkg"
shopt -s nullglob
vmlinuz=("$tmp"/kpkg/boot/vmlinuz-*)
kmoddir=("$tmp"/kpkg/lib/modules/*/)
shopt -u nullglob
[ "${#vmlinuz[@]}" -eq 1 ] || die "expected one boot/vmlinuz-* in $deb, got ${#vmlinuz[@]}"
[ "${#kmoddir[@]}" -eq 1 ] || die "expected one lib/modules/<version> in $deb, got ${#kmoddir[@]}"
vmlinuz=${vmlinuz[0]}
kmoddir=${kmoddir[0]%/}

# --- initramfs tree ---------------------------------------------------------
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules}
cp "$busybox" "$root/bin/busybox"
# The shell /init runs first must exist before `busybox --install`.
ln -s busybox "$root/bin/sh"

: >"$root/etc/vsw-modules"
for m in "${modules[@]}"; do
	# modules.builtin lists paths with the source file name (- or _).
	alt=${m//_/-}
	if grep -qE "/($m|$alt)\.ko\$" "$kmoddir/modules.builtin" 2>/dev/null; then
		log "module $m: built in"
		continue
	fi
	f=$(find "$kmoddir" \( -name "$m.ko" -o -name "$m.ko.*" -o -name "$alt.ko" -o -name "$alt.ko.*" \) -print -quit)
	if [ -z "$f" ]; then
		case "$required_modules" in
		*" $m "*) die "module $m neither built in nor in $deb" ;;
		*) log "module $m: absent in this kernel, skipped" && continue ;;
		esac
	fi
	# busybox insmod may not read compressed modules: store them plain.
	case "$f" in
	*.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$root/lib/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/lib/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$root/lib/modules/$m.ko" ;;
	*) die "unknown module format: $f" ;;
	esac
	echo "$m" >>"$root/etc/vsw-modules"
	log "module $m: ${f#"$kmoddir/"}"
done

# --- vhostsw and DPDK (--vhostsw) ------------------------------------------
# Puts a library at its host path: the file at its real path, the path
# asked for a symlink to it, so that every name of it is one inode (glibc
# loads a library once per inode: two copies of a DPDK driver would register
# its tailq twice and panic). The host's merged /usr is mirrored.
copy_lib() {
	local real
	real=$(realpath "$1")
	if [ ! -e "$root$real" ]; then
		mkdir -p "$root$(dirname "$real")"
		cp "$real" "$root$real"
	fi
	if [ "$1" != "$real" ] && [ ! -e "$root$1" ]; then
		mkdir -p "$root$(dirname "$1")"
		ln -s "$real" "$root$1"
	fi
}
# The shared libraries of the programs given (ldd closure) at their host
# paths, each also by its name in the loader's default directory: a driver
# found through another's RUNPATH on the host must be found here too.
# libgcc_s: dlopen'ed by glibc for thread cancellation, not in ldd's list.
copy_libs_of() {
	local libs l
	if [ ! -e "$root/lib64" ]; then
		mkdir -p "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64"
		ln -s ../usr/lib/x86_64-linux-gnu "$root/lib/x86_64-linux-gnu"
		ln -s usr/lib64 "$root/lib64"
	fi
	libs=$(for o in "$@"; do ldd "$o"; done | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
	for l in $libs /usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
		copy_lib "$l"
		[ -e "$root/usr/lib/x86_64-linux-gnu/$(basename "$l")" ] ||
			ln -s "$(realpath "$l")" "$root/usr/lib/x86_64-linux-gnu/$(basename "$l")"
	done
}
if [ -n "$vsw_build" ]; then
	mkdir -p "$root/vsw/bin"
	objs=()
	for b in "${vsw_bins[@]}"; do
		cp "$vsw_build/$b" "$root/vsw/bin/"
		objs+=("$vsw_build/$b")
	done
	cp "$(command -v dpdk-testpmd)" "$root/usr/bin/dpdk-testpmd"
	objs+=("$(command -v dpdk-testpmd)")
	for p in "${vsw_pmds[@]}"; do
		shopt -s nullglob
		files=("$dpdk_pmds/$p".so.*)
		shopt -u nullglob
		[ "${#files[@]}" -gt 0 ] || die "DPDK driver $p not in $dpdk_pmds"
		for f in "${files[@]}"; do
			copy_lib "$f"
		done
		objs+=("${files[0]}")
	done
	copy_libs_of "${objs[@]}"
	touch "$root/etc/vsw-no-nic"
	log "vhostsw from $vsw_build: ${#objs[@]} programs and drivers"
fi

# --- iperf3 (--iperf3) -----------------------------------------------------
if [ -n "$iperf3" ]; then
	cp "$iperf3" "$root/usr/bin/iperf3"
	copy_libs_of "$iperf3"
	log "iperf3 from $iperf3"
fi

cat >"$root/init" <<'EOF'
#!/bin/sh
# vhostsw test guest init (generated by tools/guest-image/build.sh).
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
# Kernel messages would interleave with command output on the console.
echo "1 4 1 7" >/proc/sys/kernel/printk
hostname vsw-guest

for m in $(cat /etc/vsw-modules); do
	insmod "/lib/modules/$m.ko" || echo "VSW-GUEST-ERROR: insmod $m failed"
done

# Cmdline: vsw.ip=<addr/prefix> for eth0 (optional); vsw.ipv6=0 keeps the
# link free of IPv6 autoconf traffic (DAD, router solicitations, MLD).
ip=
ipv6=1
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vsw.ip=*) ip=${arg#vsw.ip=} ;;
	vsw.ipv6=*) ipv6=${arg#vsw.ipv6=} ;;
	esac
done
if [ "$ipv6" = 0 ]; then
	for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do
		[ -e "$f" ] && echo 1 >"$f"
	done
fi

ip link set lo up
if [ -e /etc/vsw-no-nic ]; then
	# vhostsw's guest (--vhostsw): its NIC is DPDK's, not the kernel's.
	echo "VSW-GUEST-READY ip=none mac=none"
	export PS1='vsw-guest# '
	while :; do
		setsid cttyhack sh
		sleep 0.2
	done
fi
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -e /sys/class/net/eth0 ]; then
	[ "$ipv6" = 0 ] && echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6
	ip link set eth0 up
	if [ -n "$ip" ] && ! ip addr add "$ip" dev eth0; then
		echo "VSW-GUEST-ERROR: ip addr add $ip dev eth0 failed"
	else
		echo "VSW-GUEST-READY ip=${ip:-none} mac=$(cat /sys/class/net/eth0/address)"
	fi
else
	echo "VSW-GUEST-NO-ETH0"
fi

# Root shell on the serial console; respawned so that `exit` does not panic.
export PS1='vsw-guest# '
while :; do
	setsid cttyhack sh
	sleep 0.2
done
EOF
chmod 755 "$root/init"

# --- outputs (atomically replaced) ------------------------------------------
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
	gzip -9 >"$tmp/initrd.img"
cp "$vmlinuz" "$tmp/vmlinuz"
mv -f "$tmp/vmlinuz" "$outdir/vmlinuz"
mv -f "$tmp/initrd.img" "$outdir/initrd.img"
echo "$stamp" >"$outdir/stamp.new"
mv -f "$outdir/stamp.new" "$outdir/stamp"
log "done: $outdir/vmlinuz $outdir/initrd.img ($kpkg $kver)"
