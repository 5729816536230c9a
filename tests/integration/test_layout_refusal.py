"""A vhostd built for another memzone layout version refuses to take over:
`vhost-ctl restart control binary <vhostd-abi-test>` starts it beside the
running vhostd, it exits non-zero with one clear line naming both layout
versions, the supervisor logs why, and the running vhostd keeps serving
(same generation and pid in `show version`, the front end still
negotiated on the same socket). A plain `restart control` afterwards hands
over to the usual vhostd again."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vswtest as t  # noqa: E402


def rings_up(sw, name):
    ifc = sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]
    vqs = ifc["virtqueues"]
    return (ifc["conn_state"] == "connected" and len(vqs) >= 2
            and all(q["enabled"] and q["qsz"] > 0 for q in vqs[:2]))



def main():
    t.hugepages_ensure()
    abi_test = os.path.join(t.build_dir(), "control", "vhostd-abi-test")
    t.check(os.access(abi_test, os.X_OK), "vhostd-abi-test is built (%s)" % abi_test)
    sock = os.path.join(t.workdir(), "lr.sock")
    sw = t.Switch("lr", workers=1, interfaces=[{"socket": sock, "server": True}]).start()
    name = sw.ctl("show", "interface", json=True)["interfaces"][0]["name"]
    tp = t.Testpmd(t.unique("lrtp"), vdevs=["net_virtio_user0,path=%s,queues=1" % sock]).start()
    t.wait_until(lambda: rings_up(sw, name), 30, 0.5, "%s negotiated" % name)
    before = sw.ctl("show", "version", json=True)
    tp_socks = t.socket_inodes(tp.pid)

    sw.ctl("restart", "control", "binary", abi_test)
    line = t.wait_until(
        lambda: next((ln for ln in sw.log_text().splitlines() if "refused to take over" in ln),
                     None), 15, 0.1, "the supervisor to log the refusal")
    t.check("does not know the memzone layout" in line and abi_test in line,
            "the supervisor says which binary refused and why: %s" % line)
    t.check("keeps running" in line, "the supervisor says the running vhostd stays")
    refusal = [ln for ln in sw.log_text().splitlines()
               if "memzone layout version" in ln and "refusing to attach" in ln]
    t.check(len(refusal) == 1 and "(999)" in refusal[0],
            "the refusing vhostd logged one clear line naming both versions: %s" % refusal)

    after = sw.ctl("show", "version", json=True)
    t.check(after["generation"] == before["generation"] and after["pid"] == before["pid"],
            "show version still answers from generation %d pid %d (got %s)"
            % (before["generation"], before["pid"], after))
    t.check(sw.vhostd_pid() == before["pid"], "the running vhostd is the only one")
    t.check(rings_up(sw, name), "%s still negotiated" % name)
    t.check(t.socket_inodes(tp.pid) == tp_socks, "testpmd kept its connection")

    # SIGHUP (no binary asked for) goes back to the usual vhostd.
    os.kill(sw.pid, signal.SIGHUP)
    v = t.wait_until(
        lambda: (lambda d: d if d["pid"] != before["pid"] else None)(
            sw.ctl("show", "version", json=True)), 15, 0.1, "a handover to the usual vhostd")
    t.check(v["generation"] > before["generation"], "a newer generation (%d) took over"
            % v["generation"])
    t.check(rings_up(sw, name) and t.socket_inodes(tp.pid) == tp_socks,
            "%s still negotiated on the same connection" % name)
    tp.quit()
    sw.stop()


t.main(main)
