#!/usr/bin/env python3
"""deploy/libvirt-domain.xml works: libvirtd boots it on a vhostsw socket.

The switch serves a vhost-user socket created with `group libvirt-qemu mode
0660`; the test turns deploy/libvirt-domain.xml into a transient TCG domain
(`virsh create`) booting the test guest (<build>/guest) with its NIC on that
socket, and checks: the domain runs, QEMU runs as libvirt-qemu (not root)
and connected through the socket's group and mode (socket unchanged by
libvirt, no "Permission denied" in the domain log), `show vhost-user -j`
shows VIRTIO_F_VERSION_1 and the guest's memory regions, the guest has
eth0 up; `virsh destroy` disconnects the interface.

libvirtd and virtlogd come from tools/install-deps.sh. The test starts them
(`-d`) when they are not running and stops, by pid, only those it started.
If they are missing or libvirtd cannot run here, it prints why and exits 77
(ctest: skipped).
"""

import grp
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402
import negotiation as n  # noqa: E402

URI = "qemu:///system"
QEMU_USER = "libvirt-qemu"  # Debian's qemu.conf default user and group
QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
GUEST_MEM = 256 << 20
NIC_ALIAS = "ua-vsw0"
# The example's 2 queue pairs: QEMU runs one vhost device per queue pair on
# the one socket and each adds the same guest RAM (ADD_MEM_REG), which
# vhostsw must count, not refuse. One vCPU: the guest enables one pair.

# (program, pid file it writes when started with -d)
DAEMONS = (("virtlogd", "/run/virtlogd.pid"), ("libvirtd", "/run/libvirtd.pid"))
LIBVIRT_HUGE_DIR = "/dev/hugepages/libvirt"
_ours = {"hugedir": False}  # LIBVIRT_HUGE_DIR appeared when the test started libvirtd


def skip(why, started=()):
    """This machine cannot run the test: says why, stops what we started,
    exits 77 (ctest SKIP_RETURN_CODE)."""
    print("SKIP: %s" % why, flush=True)
    stop_daemons(started)
    sys.exit(77)


def virsh(*args, timeout=30, check=True):
    r = subprocess.run(["virsh", "-c", URI] + list(args), capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("virsh %s: exit %d: %s"
                           % (" ".join(args), r.returncode, (r.stderr or r.stdout).strip()))
    return r


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def running_pid(prog, pidfile):
    """The pid in pidfile if a process named prog runs with it, else None."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if t.pid_alive(pid) and comm(pid) == prog else None


def start_daemons():
    """Starts virtlogd and libvirtd unless they run; returns [(prog, pid)]
    of those this test started. Skips (77) when they cannot run."""
    paths = {}
    for prog, _ in DAEMONS:
        # /usr/sbin may be missing from PATH (ctest run by a user shell).
        paths[prog] = shutil.which(prog) or shutil.which(prog, path="/usr/sbin:/sbin")
        if not paths[prog]:
            skip("%s not installed (tools/install-deps.sh installs libvirt-daemon-system)"
                 % prog)
    if not shutil.which("virsh"):
        skip("virsh not installed (tools/install-deps.sh installs libvirt-clients)")
    started = []
    for prog, pidfile in DAEMONS:
        pid = running_pid(prog, pidfile)
        if pid:
            print("%s already running (pid %d): left running" % (prog, pid), flush=True)
            continue
        if prog == "libvirtd":
            _ours["hugedir"] = not os.path.exists(LIBVIRT_HUGE_DIR)
        try:
            r = subprocess.run([paths[prog], "-d"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            skip("cannot run `%s -d`: %s" % (paths[prog], exc), started)
        if r.returncode != 0:
            skip("`%s -d` exited %d: %s" % (paths[prog], r.returncode,
                                            (r.stderr or r.stdout).strip()), started)
        try:
            pid = t.wait_until(lambda: running_pid(prog, pidfile), 10, 0.1,
                               "%s to write %s" % (prog, pidfile))
        except TimeoutError as exc:
            skip("%s did not stay up: %s" % (prog, exc), started)
        started.append((prog, pid))
        print("started %s (pid %d)" % (prog, pid), flush=True)
    try:
        t.wait_until(lambda: virsh("version", timeout=20, check=False).returncode == 0,
                     30, 0.5, "libvirtd to answer `virsh version`")
    except TimeoutError as exc:
        skip("libvirtd does not answer on %s: %s" % (URI, exc), started)
    caps = virsh("domcapabilities", "--virttype", "qemu", "--arch", "x86_64",
                 check=False)
    if caps.returncode != 0:
        skip("libvirtd cannot run TCG x86_64 guests: %s" % caps.stderr.strip(), started)
    return started


def stop_daemons(started):
    """SIGTERM, then SIGKILL after 10 s, to the daemons we started (newest
    first), by pid; then libvirt's directory in /dev/hugepages if it was
    not there before."""
    for prog, pid in reversed(list(started)):
        if not t.pid_alive(pid) or comm(pid) != prog:
            continue
        os.kill(pid, signal.SIGTERM)
        try:
            t.wait_until(lambda: not t.pid_alive(pid), 10, 0.1, "%s (pid %d) to exit" % (prog, pid))
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
        print("stopped %s (pid %d)" % (prog, pid), flush=True)
    # libvirtd makes it at start-up, for guests backed by hugepages.
    if _ours["hugedir"] and not any(t.pid_alive(pid) for _, pid in started):
        shutil.rmtree(LIBVIRT_HUGE_DIR, ignore_errors=True)


def domain_xml(name, sock, kernel, initrd, console):
    """deploy/libvirt-domain.xml made to run here: TCG, the test guest's
    kernel and initrd instead of a disk, the test's socket, a console file,
    256M, one vCPU, the example's queue pairs, and vectors=0 on the NIC (QEMU 7.2 under TCG crashes in
    MSI-X setup with vhost-user; libvirt has no attribute for it, so
    <qemu:override> sets the property on the NIC's device by its alias)."""
    ET.register_namespace("qemu", QEMU_NS)
    path = os.path.join(t.repo_root(), "deploy", "libvirt-domain.xml")
    dom = ET.parse(path).getroot()
    dom.set("type", "qemu")
    dom.find("name").text = name
    mem = dom.find("memory")
    mem.set("unit", "MiB")
    mem.text = str(GUEST_MEM >> 20)
    dom.find("vcpu").text = "1"

    os_el = dom.find("os")
    for child in list(os_el):
        if child.tag != "type":
            os_el.remove(child)
    ET.SubElement(os_el, "kernel").text = kernel
    ET.SubElement(os_el, "initrd").text = initrd
    ET.SubElement(os_el, "cmdline").text = (
        "console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off vsw.ip=10.0.0.1/24 vsw.ipv6=0")
    dom.find("on_reboot").text = "destroy"

    devices = dom.find("devices")
    for tag in ("disk", "serial", "console"):
        for el in devices.findall(tag):
            devices.remove(el)
    nics = devices.findall("interface[@type='vhostuser']")
    if len(nics) != 1 or nics[0].find("alias").get("name") != NIC_ALIAS:
        raise RuntimeError("%s: expected one vhostuser interface with alias %s" % (path, NIC_ALIAS))
    nics[0].find("source").set("path", sock)
    serial = ET.SubElement(devices, "serial", type="file")
    ET.SubElement(serial, "source", path=console)
    ET.SubElement(serial, "target", port="0")
    ET.SubElement(devices, "memballoon", model="none")

    override = ET.SubElement(dom, "{%s}override" % QEMU_NS)
    device = ET.SubElement(override, "{%s}device" % QEMU_NS, alias=NIC_ALIAS)
    frontend = ET.SubElement(device, "{%s}frontend" % QEMU_NS)
    ET.SubElement(frontend, "{%s}property" % QEMU_NS, name="vectors", type="unsigned",
                  value="0")
    return ET.tostring(dom, encoding="unicode")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def proc_ids(pid):
    """(uid, gid) of a process from /proc/<pid>/status (real ids)."""
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Uid", "Gid"):
                ids[key] = int(value.split()[0])
    return ids["Uid"], ids["Gid"]


def main(started):
    t.register_cleanup(lambda: stop_daemons(started))
    try:
        qemu_uid = pwd.getpwnam(QEMU_USER).pw_uid
        qemu_gid = grp.getgrnam(QEMU_USER).gr_gid
    except KeyError:
        t.check(False, "user and group %s exist (libvirt-daemon-system creates them)" % QEMU_USER)

    wd = t.workdir()
    os.chmod(wd, 0o755)  # libvirt-qemu must reach the socket and the guest files
    gdir = t.guest_dir()
    kernel, initrd = os.path.join(wd, "vmlinuz"), os.path.join(wd, "initrd.img")
    # Copies: libvirt chowns the files it gives QEMU while the domain runs.
    shutil.copyfile(os.path.join(gdir, "vmlinuz"), kernel)
    shutil.copyfile(os.path.join(gdir, "initrd.img"), initrd)
    sock = os.path.join(wd, "vm1.sock")
    console = os.path.join(wd, "console.log")
    name = t.unique("vm1")
    domain_log = "/var/log/libvirt/qemu/%s.log" % name
    t.register_cleanup(lambda: os.path.exists(domain_log) and os.unlink(domain_log))
    t.register_cleanup(lambda: virsh("destroy", name, check=False))

    sw = t.Switch("sw").start()
    ifname = sw.ctl("create", "vhost-user", "socket", sock, "server",
                    "group", QEMU_USER, "mode", "0660").strip()
    st = os.stat(sock)
    t.check(st.st_gid == qemu_gid and stat.S_IMODE(st.st_mode) == 0o660,
            "%s: socket group %s, mode 0660 (gid %d, mode %o)"
            % (ifname, QEMU_USER, st.st_gid, stat.S_IMODE(st.st_mode)))

    xml_path = os.path.join(wd, "domain.xml")
    with open(xml_path, "w") as f:
        f.write(domain_xml(name, sock, kernel, initrd, console))
    t0 = time.monotonic()
    r = virsh("create", xml_path, timeout=60, check=False)
    if r.returncode != 0:
        print(read(domain_log)[-3000:], flush=True)
    t.check(r.returncode == 0, "virsh create %s: %s" % (name, (r.stderr or r.stdout).strip()))
    state = virsh("domstate", name).stdout.strip()
    t.check(state == "running", "domain %s is running (%s)" % (name, state))

    qemu_pid = int(read("/run/libvirt/qemu/%s.pid" % name).split()[0])
    uid, gid = proc_ids(qemu_pid)
    t.check(uid == qemu_uid and gid == qemu_gid,
            "QEMU (pid %d) runs as %s, not root (uid %d gid %d)" % (qemu_pid, QEMU_USER, uid, gid))

    try:
        ifc = n.wait_negotiated(sw, ifname, queue_pairs=1, timeout=60)
    except TimeoutError:
        print("domain log:\n%s" % read(domain_log)[-3000:], flush=True)
        raise
    n.check_features(ifc, ["VIRTIO_F_VERSION_1"])
    n.check_guest_memory(ifc, GUEST_MEM)

    try:
        t.wait_until(lambda: "VSW-GUEST-READY" in read(console), 60, 0.5,
                     "VSW-GUEST-READY on the guest console")
    except TimeoutError as exc:
        t.check(False, "guest boots with eth0 up: %s\n%s" % (exc, read(console)[-1500:]))
    print("guest up %.1fs after virsh create" % (time.monotonic() - t0), flush=True)
    ready = next((line for line in read(console).splitlines() if "VSW-GUEST-READY" in line), None)
    t.check(ready is not None, "guest booted with eth0 up: %s" % ready)

    st = os.stat(sock)
    t.check(st.st_uid == 0 and st.st_gid == qemu_gid and stat.S_IMODE(st.st_mode) == 0o660,
            "socket still root:%s 0660 (libvirt did not relabel it; QEMU got in by the group)"
            % QEMU_USER)
    log = read(domain_log)
    t.check(bool(log), "domain log %s is there" % domain_log)
    t.check("Permission denied" not in log, "no \"Permission denied\" in %s" % domain_log)

    virsh("destroy", name)
    t.check(virsh("domstate", name, check=False).returncode != 0,
            "transient domain %s gone after virsh destroy" % name)
    t.wait_until(lambda: n.iface(sw, ifname)["conn_state"] != "connected", 15, 0.3,
                 "%s: not connected once the domain is destroyed" % ifname)
    state = n.iface(sw, ifname)["conn_state"]
    t.check(state != "connected", "%s: disconnected after virsh destroy (%s)" % (ifname, state))
    sw.ctl("delete", "vhost-user", ifname)
    sw.stop()


if __name__ == "__main__":
    if os.geteuid() != 0:
        skip("must run as root (libvirtd, hugepages)")
    daemons = start_daemons()
    t.main(lambda: main(daemons))
