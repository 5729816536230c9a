"""Helpers the dataplane traffic tests share: testpmd front ends on CPU 0
sending (txonly) or receiving (rxonly) through two switch interfaces, and
the switch's view of them."""

import time

import vswtest as t


class PinnedTestpmd(t.Testpmd):
    """testpmd with its main and forwarding lcores both on CPU 0, leaving
    the other CPUs to the switch's workers; niceness `nice` (nice execs
    testpmd, so the pid stays testpmd's)."""

    nice = 0

    def argv(self):
        argv = super().argv()
        i = argv.index("-l")
        argv[i:i + 2] = ["--lcores", "0@0,1@0"]
        return (["nice", "-n", str(self.nice)] if self.nice else []) + argv


def start_switch(socks, workers):
    """A switch with one server interface per socket, all in bridge domain
    1. Long retries (up to about 1 s): the receiver shares CPU 0 with the
    sender and, on a loaded machine, sleeps for many time slices; the
    workers wait for it rather than drop."""
    sw = t.Switch("sw", workers=workers, interfaces=[
        {"socket": s, "server": True, "bridge": 1} for s in socks])
    conf = sw.conf_text().replace(
        "vhost {\n", "vhost {\n  rx-retry on\n  rx-retry-delay 1000\n  rx-retry-num 1024\n", 1)
    return sw.start(conf=conf)


def testpmd(name, sock, packed, mrg, queues, fwd, nice=0, in_order=0):
    vdev = ("net_virtio_user0,path=%s,queues=%d,packed_vq=%d,mrg_rxbuf=%d,in_order=%d"
            % (sock, queues, packed, mrg, in_order))
    tp = PinnedTestpmd(t.unique(name), vdevs=[vdev], app_args=[
        "--total-num-mbufs=16384", "--nb-cores=1", "--rxq=%d" % queues, "--txq=%d" % queues,
        "--no-lsc-interrupt"])
    tp.nice = nice
    tp.start()
    tp.cmd("set fwd %s" % fwd)
    tp.wait_for(r"Set %s packet forwarding mode" % fwd)
    return tp


def vhost_user(sw, name):
    return sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]


def vrings_enabled(sw, name, queues):
    vqs = vhost_user(sw, name)["virtqueues"][:2 * queues]
    return len(vqs) == 2 * queues and all(q["enabled"] and q["qsz"] > 0 for q in vqs)


def iface_counters(sw, name):
    return sw.ctl("show", "interface", name, json=True)["interfaces"][0]


def start_traffic(tx, rx):
    """Starts the receiver, then the sender."""
    rx.cmd("start")
    rx.wait_for(r"rxonly packet forwarding")
    tx.cmd("start")
    tx.wait_for(r"txonly packet forwarding")


def overload_drops(sw):
    """Frames the workers dropped because a ring stayed full past rx-retry
    (another worker's ring, or the receiver's RX ring): counted, and what a
    receiver starved of CPU on a loaded machine can cause."""
    workers = sw.ctl("show", "workers", json=True)["workers"]
    rings = sum(q["counters"]["drops_full"]
                for i in sw.ctl("show", "vhost-user", json=True)["interfaces"]
                for q in i["virtqueues"])
    return sum(w["xw_drops"] for w in workers) + rings


def stop_and_count(sw, label, tx, rx, names, before, seconds, overload_before=None):
    """Stops the sender, then checks that the receiver counted every packet
    the sender counted as sent, and the switch as many towards the receiver
    since `before` (iface_counters of names[1]). With overload_before (an
    overload_drops() value), frames dropped as counted overload since then
    are allowed for, and nothing else. Returns the number sent."""
    tx.cmd("stop")
    tx.wait_for(r"Done\.", 20)
    sent = tx.port_stats(0)["tx_packets"]
    if overload_before is not None:
        time.sleep(0.5)  # the workers publish at housekeeping
        dropped = overload_drops(sw) - overload_before
        print("%s: %d frames dropped as counted overload" % (label, dropped), flush=True)
        sent -= dropped

    def received():
        got = rx.port_stats(0)["rx_packets"]
        return got if got >= sent else None

    try:
        got = t.wait_until(received, 20, 0.5, "%s: receiver to count %d packets" % (label, sent))
    except TimeoutError:
        got = rx.port_stats(0)["rx_packets"]
    print("%s: sent %d, received %d (%.2f Mpps, CPU shared with the receiver)"
          % (label, sent, got, sent / seconds / 1e6), flush=True)
    t.check(sent > 10000, "%s: the sender sent traffic (%d packets)" % (label, sent))
    if got != sent:
        print("%s: switch counters %s" % (label, [iface_counters(sw, n) for n in names]),
              flush=True)
        print("%s: workers %s" % (label, sw.ctl("show", "workers", json=True)["workers"]),
              flush=True)
    t.check(got == sent, "%s: every packet sent was received (%d of %d)" % (label, got, sent))

    def switch_sent():
        n = iface_counters(sw, names[1])["tx_packets"] - before["tx_packets"]
        return n if n >= sent else None

    try:  # the workers publish counters at housekeeping
        n = t.wait_until(switch_sent, 10, 0.3, "%s: switch counters" % label)
    except TimeoutError:
        n = iface_counters(sw, names[1])["tx_packets"] - before["tx_packets"]
    t.check(n == sent, "%s: the switch counted %d packets to the receiver (%d)" % (label, sent, n))
    return sent


def send_and_count(sw, label, tx, rx, names, seconds):
    """Runs the sender for `seconds`, then stop_and_count()."""
    before = iface_counters(sw, names[1])
    start_traffic(tx, rx)
    time.sleep(seconds)
    return stop_and_count(sw, label, tx, rx, names, before, seconds)
