#!/usr/bin/env python3
"""vhostsw-cni driven exactly as a container runtime drives it: the CNI_*
variables in the environment, the network config on stdin, the result or
a CNI error object on stdout. Two "pods" are ADDed (IPs from the standard
host-local IPAM plugin, in a data dir of this run's own); a dpdk-testpmd
virtio-user front end per pod opens the socket the result names and one
sends to the other through the bridge domain (frames counted on the far
side); CHECK passes (a pod in a VLAN too), and fails once the attachment
is gone or differs; DEL leaves no
socket, no pod directory, no interface in `show vhost-user` and no lease,
and a second DEL (and a DEL of a pod never added) succeeds. Bad configs
and environments get the spec's error codes; a failed IPAM leaves nothing
behind. A device-info file (Multus, NPWG spec) describes the socket; the
example NetworkAttachmentDefinition's config works. With vhostd down ADD and DEL say "try again later" (11)."""

import json
import os
import re
import stat
import subprocess

import dp_traffic as d
import vswtest as t

CNI_PATH = "/usr/lib/cni"
BD = 7
SEND_SECONDS = 2
LEASE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def plugin():
    return os.path.join(t.build_dir(), "tools", "cni", "vhostsw-cni")


def cni(command, conf, cid="", ifname="eth0", netns="/var/run/netns/pod", env=None):
    """Runs the plugin as a runtime does; returns (exit status, stdout JSON
    or None when it printed nothing)."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CNI_COMMAND": command,
         "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": ifname,
         "CNI_PATH": CNI_PATH, "CNI_ARGS": ""}
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    stdin = conf if isinstance(conf, str) else json.dumps(conf)
    r = subprocess.run([plugin()], input=stdin, capture_output=True, text=True, env=e,
                       timeout=30)
    out = json.loads(r.stdout) if r.stdout.strip() else None
    if r.stderr.strip():
        print("vhostsw-cni %s %s stderr: %s" % (command, cid, r.stderr.strip()), flush=True)
    return r.returncode, out


def expect_error(label, code, command, conf, **kw):
    rc, out = cni(command, conf, **kw)
    t.check(rc != 0 and out is not None and out.get("code") == code and out.get("msg"),
            "%s: CNI error %d (exit %d, %s)" % (label, code, rc, out))


def network(sw, data_dir, socket_dir, **extra):
    conf = {"cniVersion": "1.0.0", "name": "vsw-test", "type": "vhostsw-cni",
            "endpoint": sw.endpoint, "socketDir": socket_dir, "bridgeDomain": BD,
            "socketMode": "0660",
            "ipam": {"type": "host-local", "dataDir": data_dir,
                     "ranges": [[{"subnet": "10.77.0.0/24"}]]}}
    conf.update(extra)
    return conf


def leases(data_dir):
    path = os.path.join(data_dir, "vsw-test")
    if not os.path.isdir(path):
        return {}
    out = {}
    for f in os.listdir(path):
        if LEASE.match(f):
            with open(os.path.join(path, f)) as fh:
                out[f] = fh.read().split()[0]
    return out


def vhost_sockets(sw):
    return {i["socket"]: i for i in sw.ctl("show", "vhost-user", json=True)["interfaces"]}


def bd_members(sw):
    bds = sw.ctl("show", "bridge-domain", json=True)["bridge_domains"]
    return {m["name"] for b in bds if b["bd_id"] == BD for m in b["members"]}


def add_pod(sw, conf, cid, data_dir):
    rc, res = cni("ADD", conf, cid)
    t.check(rc == 0 and res, "ADD %s succeeds (exit %d, %s)" % (cid, rc, res))
    t.check(res["cniVersion"] == "1.0.0", "ADD %s: result in the config's cniVersion" % cid)
    host, pod = res["interfaces"]
    sock = pod["socketPath"]
    t.check(pod["name"] == "eth0" and pod["sandbox"] == "/var/run/netns/pod"
            and re.match(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", pod["mac"])
            and int(pod["mac"][:2], 16) & 3 == 2,
            "ADD %s: the pod interface with a local unicast MAC: %s" % (cid, pod))
    t.check(os.path.dirname(sock) == os.path.join(conf["socketDir"], cid),
            "ADD %s: socket %s in the pod's own directory" % (cid, sock))
    mode = os.stat(sock).st_mode
    t.check(stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660,
            "ADD %s: %s is a socket with mode 0660 (%o)" % (cid, sock, stat.S_IMODE(mode)))
    ifc = vhost_sockets(sw).get(sock)
    t.check(ifc is not None and ifc["type"] == "server" and ifc["name"] == host["name"],
            "ADD %s: vhostd serves %s as %s" % (cid, sock, host["name"]))
    t.check(host["name"] in bd_members(sw), "ADD %s: %s in bridge domain %d"
            % (cid, host["name"], BD))
    ips = res.get("ips", [])
    t.check(len(ips) == 1 and ips[0]["address"].startswith("10.77.0.")
            and ips[0]["address"].endswith("/24") and ips[0]["interface"] == 1,
            "ADD %s: an IP from host-local on the pod interface: %s" % (cid, ips))
    ip = ips[0]["address"].split("/")[0]
    t.check(leases(data_dir).get(ip) == cid, "ADD %s: host-local leased %s to it" % (cid, ip))
    return res


def pod_testpmd(name, pod, fwd):
    vdev = "net_virtio_user0,path=%s,queues=1,mac=%s" % (pod["socketPath"], pod["mac"])
    tp = d.PinnedTestpmd(t.unique(name), vdevs=[vdev], app_args=[
        "--total-num-mbufs=16384", "--nb-cores=1", "--no-lsc-interrupt"])
    tp.start()
    tp.cmd("set fwd %s" % fwd)
    tp.wait_for(r"Set %s packet forwarding mode" % fwd)
    return tp


def check_gone(sw, conf, cid, res, data_dir):
    sock = res["interfaces"][1]["socketPath"]
    t.check(not os.path.exists(sock), "DEL %s: socket %s removed" % (cid, sock))
    t.check(not os.path.exists(os.path.dirname(sock)), "DEL %s: pod directory removed" % cid)
    t.check(sock not in vhost_sockets(sw), "DEL %s: no interface on its socket" % cid)
    t.check(res["interfaces"][0]["name"] not in bd_members(sw),
            "DEL %s: out of bridge domain %d" % (cid, BD))
    t.check(cid not in leases(data_dir).values(), "DEL %s: no IP lease left (%s)"
            % (cid, leases(data_dir)))


def vlan_pod(sw, conf, data_dir):
    """A pod in VLAN 100 of the bridge domain: CHECK holds it to that VLAN."""
    cid, vconf = "pod-v", dict(conf, vlan=100)
    res = add_pod(sw, vconf, cid, data_dir)
    name = res["interfaces"][0]["name"]
    bds = sw.ctl("show", "bridge-domain", json=True)["bridge_domains"]
    vlans = [m["vlan"] for b in bds if b["bd_id"] == BD for m in b["members"] if m["name"] == name]
    t.check(vlans == [100], "ADD %s: %s in VLAN 100 (%s)" % (cid, name, vlans))
    rc, out = cni("CHECK", dict(vconf, prevResult=res), cid)
    t.check(rc == 0 and out is None, "CHECK %s in VLAN 100 passes (exit %d, %s)" % (cid, rc, out))
    expect_error("CHECK %s against VLAN 200" % cid, 102, "CHECK",
                 dict(vconf, vlan=200, prevResult=res), cid=cid)
    rc, out = cni("DEL", vconf, cid)
    t.check(rc == 0 and out is None, "DEL %s succeeds (exit %d, %s)" % (cid, rc, out))
    check_gone(sw, vconf, cid, res, data_dir)


def devinfo_pod(sw, conf, data_dir):
    """Multus hands a device-info file path in runtimeConfig: ADD describes
    the socket there (NPWG device-info spec), DEL removes it. Owner and
    group by number, as a pod's runAsUser/fsGroup are."""
    cid = "pod-d"
    path = os.path.join(t.workdir(), "devinfo", "cni", "vsw-test-%s-eth0-device.json" % cid)
    dconf = dict(conf, runtimeConfig={"CNIDeviceInfoFile": path}, socketOwner="4242",
                 socketGroup="4343")
    res = add_pod(sw, dconf, cid, data_dir)
    st = os.stat(res["interfaces"][1]["socketPath"])
    t.check((st.st_uid, st.st_gid) == (4242, 4343),
            "ADD %s: socket owned by the numeric socketOwner/socketGroup, no passwd entry "
            "needed (%d:%d)" % (cid, st.st_uid, st.st_gid))
    with open(path) as f:
        info = json.load(f)
    want = {"type": "vhost-user", "version": "1.1.0",
            "vhost-user": {"mode": "client", "path": res["interfaces"][1]["socketPath"]}}
    t.check(info == want, "ADD %s: device-info file %s describes the socket: %s"
            % (cid, path, info))
    rc, out = cni("DEL", dconf, cid)
    t.check(rc == 0 and out is None, "DEL %s succeeds (exit %d, %s)" % (cid, rc, out))
    check_gone(sw, dconf, cid, res, data_dir)
    t.check(not os.path.exists(path), "DEL %s: device-info file removed" % cid)


def nad_config(sw, conf):
    """deploy/vhostsw-cni-nad.yaml's network config is one the plugin takes:
    pointed at this switch and this run's dirs, ADD and DEL of it succeed."""
    with open(os.path.join(t.repo_root(), "deploy", "vhostsw-cni-nad.yaml")) as f:
        text = f.read()
    start = text.index("config: |") + len("config: |")
    nad = json.loads(text[start:text.index("\n---", start)])
    nad["endpoint"], nad["socketDir"] = conf["endpoint"], conf["socketDir"]
    nad["ipam"]["dataDir"] = conf["ipam"]["dataDir"]
    rc, res = cni("ADD", nad, "pod-nad")
    t.check(rc == 0 and res["ips"][0]["address"].startswith("10.10.0."),
            "the example NetworkAttachmentDefinition's config: ADD succeeds (%d, %s)" % (rc, res))
    rc, out = cni("DEL", nad, "pod-nad")
    t.check(rc == 0 and out is None, "the example's config: DEL succeeds (%d, %s)" % (rc, out))


def bad_input(sw, conf):
    cid = "bad"
    expect_error("not JSON", 6, "ADD", "{\"cniVersion\": ", cid=cid)
    expect_error("cniVersion 9.9.9", 1, "ADD", dict(conf, cniVersion="9.9.9"), cid=cid)
    expect_error("unknown field", 2, "ADD", dict(conf, bridgeDomian=3), cid=cid)
    no_bd = dict(conf)
    del no_bd["bridgeDomain"]
    expect_error("no bridgeDomain", 7, "ADD", no_bd, cid=cid)
    expect_error("bridgeDomain 0", 7, "ADD", dict(conf, bridgeDomain=0), cid=cid)
    expect_error("vlan 4095", 7, "ADD", dict(conf, vlan=4095), cid=cid)
    expect_error("socketMode 999", 7, "ADD", dict(conf, socketMode="999"), cid=cid)
    expect_error("relative CNIDeviceInfoFile", 7, "ADD",
                 dict(conf, runtimeConfig={"CNIDeviceInfoFile": "x/../y"}), cid=cid)
    expect_error("relative socketDir", 7, "ADD", dict(conf, socketDir="run/x"), cid=cid)
    expect_error("socketDir too long", 7, "ADD", dict(conf, socketDir="/" + "d" * 110), cid=cid)
    expect_error("network name with a slash", 7, "ADD", dict(conf, name="../x"), cid=cid)
    rc, out = cni("ADD", dict(conf, **{"bad\nkey": 1}), cid)
    t.check(rc != 0 and out["code"] == 2 and "\n" not in out["msg"],
            "a key with a newline: CNI error 2 in one line (%s)" % out)
    expect_error("container id with a slash", 4, "ADD", conf, cid="../etc")
    expect_error("no container id", 4, "ADD", conf, cid="")
    expect_error("no CNI_IFNAME", 4, "ADD", conf, cid=cid, env={"CNI_IFNAME": None})
    expect_error("no CNI_NETNS", 4, "ADD", conf, cid=cid, netns="")
    expect_error("CNI_COMMAND FOO", 4, "FOO", conf, cid=cid)
    expect_error("CHECK without prevResult", 7, "CHECK", conf, cid=cid)
    # A failed IPAM leaves nothing behind: no interface, no pod directory.
    before = set(vhost_sockets(sw))
    no_ipam = dict(conf, ipam={"type": "no-such-ipam-plugin"})
    expect_error("unknown IPAM plugin", 7, "ADD", no_ipam, cid=cid)
    t.check(set(vhost_sockets(sw)) == before, "failed IPAM: the interface was deleted again")
    t.check(not os.path.exists(os.path.join(conf["socketDir"], cid)),
            "failed IPAM: the pod directory was removed")


def main():
    t.hugepages_ensure()
    data_dir = os.path.join(t.workdir(), "ipam")
    socket_dir = os.path.join(t.workdir(), "cni")
    sw = d.start_switch([], [1])
    conf = network(sw, data_dir, socket_dir)

    rc, ver = cni("VERSION", {"cniVersion": "1.0.0"})
    t.check(rc == 0 and "1.0.0" in ver["supportedVersions"], "VERSION lists 1.0.0: %s" % ver)

    pods = {cid: add_pod(sw, conf, cid, data_dir) for cid in ("pod-a", "pod-b")}
    ips = {res["ips"][0]["address"] for res in pods.values()}
    t.check(len(ips) == 2, "the two pods got different IPs: %s" % ips)
    for cid, res in pods.items():
        rc, out = cni("CHECK", dict(conf, prevResult=res), cid)
        t.check(rc == 0 and out is None, "CHECK %s passes (exit %d, %s)" % (cid, rc, out))
    expect_error("ADD pod-a again", 100, "ADD", conf, cid="pod-a")
    rc, out = cni("CHECK", dict(conf, prevResult=pods["pod-a"]), "pod-a")
    t.check(rc == 0 and os.path.exists(pods["pod-a"]["interfaces"][1]["socketPath"]),
            "a repeated ADD refused leaves the first attachment whole (CHECK %d, %s)" % (rc, out))
    wrong = json.loads(json.dumps(pods["pod-a"]))
    wrong["interfaces"][1]["socketPath"] = "/nowhere.sock"
    expect_error("CHECK with another socket in prevResult", 102, "CHECK",
                 dict(conf, prevResult=wrong), cid="pod-a")

    # The pods' traffic: pod-b sends, pod-a receives, counted on both ends.
    rx = pod_testpmd("pod-a", pods["pod-a"]["interfaces"][1], "rxonly")
    tx = pod_testpmd("pod-b", pods["pod-b"]["interfaces"][1], "txonly")
    names = [pods[c]["interfaces"][0]["name"] for c in ("pod-b", "pod-a")]
    for name in names:
        t.wait_until(lambda n=name: d.vrings_enabled(sw, n, 1), 20, 0.3, "%s vrings" % name)
    d.send_and_count(sw, "pod-b to pod-a", tx, rx, names, SEND_SECONDS)
    rx.quit()
    tx.quit()

    vlan_pod(sw, conf, data_dir)
    devinfo_pod(sw, conf, data_dir)
    nad_config(sw, conf)
    bad_input(sw, conf)

    for cid, res in pods.items():
        rc, out = cni("DEL", conf, cid)
        t.check(rc == 0 and out is None, "DEL %s succeeds (exit %d, %s)" % (cid, rc, out))
        check_gone(sw, conf, cid, res, data_dir)
        rc, out = cni("DEL", conf, cid)
        t.check(rc == 0 and out is None, "a second DEL %s succeeds (exit %d, %s)" % (cid, rc, out))
        expect_error("CHECK %s after DEL" % cid, 102, "CHECK", dict(conf, prevResult=res),
                     cid=cid)
    rc, out = cni("DEL", conf, "never-added", netns=None)
    t.check(rc == 0 and out is None, "DEL of a pod never added succeeds (exit %d, %s)" % (rc, out))

    sw.stop()
    expect_error("ADD with vhostd down", 11, "ADD", conf, cid="pod-c")
    t.check(not os.path.exists(os.path.join(socket_dir, "pod-c")),
            "ADD with vhostd down leaves no pod directory")
    t.check(leases(data_dir) == {}, "ADD with vhostd down leases no IP: %s" % leases(data_dir))
    expect_error("DEL with vhostd down", 11, "DEL", conf, cid="pod-c")


t.main(main)
