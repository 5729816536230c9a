"""negotiation: what `vhost-ctl show vhost-user` must say about an interface
whose front end negotiated, shared by the negotiate and reconnect tests.
Every check reads the switch's own answer (JSON, and the text form where
the brief names the words) and records a PASS/FAIL through vswtest.check."""

import re

import vswtest as t


def iface(sw, name):
    """The interface's object from `show vhost-user <name>` JSON."""
    return sw.ctl("show", "vhost-user", name, json=True)["interfaces"][0]


def vq(sw, name, index):
    return iface(sw, name)["virtqueues"][index]


def is_negotiated(ifc, queue_pairs):
    """True once the front end is connected, its memory table is in and its
    first 2*queue_pairs virtqueues are enabled and started."""
    vqs = ifc["virtqueues"]
    want = 2 * queue_pairs
    return (ifc["conn_state"] == "connected" and bool(ifc["memory_regions"])
            and len(vqs) >= want
            and all(q["enabled"] and q["started"] and q["qsz"] > 0 for q in vqs[:want]))


def wait_negotiated(sw, name, queue_pairs=1, timeout=60):
    """Polls show vhost-user until the interface negotiated; returns it."""
    ifc = t.wait_until(lambda: (lambda i: i if is_negotiated(i, queue_pairs) else None)(
        iface(sw, name)), timeout, 0.3,
        "%s: connected, memory table in, %d virtqueues enabled and started"
        % (name, 2 * queue_pairs))
    print("%s: negotiated (connected, %d memory region(s), %d virtqueues up)"
          % (name, len(ifc["memory_regions"]), 2 * queue_pairs), flush=True)
    return ifc


def wait_gone(sw, name, timeout=20):
    """Polls until the interface shows no front end: not connected, no
    memory table, no enabled virtqueue. Returns it."""
    def gone():
        ifc = iface(sw, name)
        up = [q["index"] for q in ifc["virtqueues"] if q["enabled"]]
        return ifc if ifc["conn_state"] != "connected" and not ifc["memory_regions"] \
            and not up else None

    ifc = t.wait_until(gone, timeout, 0.2, "%s: front end gone from show vhost-user" % name)
    print("%s: shows %s, no memory table, no enabled virtqueue" % (name, ifc["conn_state"]),
          flush=True)
    return ifc


def feature_names(ifc):
    return {b["name"] for b in ifc["feature_bits"]}


def check_features(ifc, names, protocol=()):
    have = feature_names(ifc)
    for feature in names:
        bit = next((b["bit"] for b in ifc["feature_bits"] if b["name"] == feature), None)
        t.check(feature in have and ifc["features"] >> bit & 1,
                "%s: %s among the negotiated features (have %s)"
                % (ifc["name"], feature, sorted(have)))
    have_p = {b["name"] for b in ifc["protocol_feature_bits"]}
    for feature in protocol:
        t.check(feature in have_p, "%s: protocol feature %s negotiated (have %s)"
                % (ifc["name"], feature, sorted(have_p)))


# QEMU's pc machine leaves 0xa0000-0x100000 (VGA window, option ROMs, BIOS)
# out of the RAM it may hand over; everything else below 4G is guest RAM.
LEGACY_HOLE = 0x100000 - 0xa0000


def check_guest_memory(ifc, ram):
    """The memory table is QEMU's split of `ram` bytes of guest RAM (one
    memfd): regions at guest physical addresses inside [0, ram), not
    overlapping, each mapped from the same offset in the RAM block, and
    together covering all of it but at most the legacy hole."""
    regions = sorted(ifc["memory_regions"], key=lambda r: r["guest_phys_addr"])
    desc = ", ".join("0x%x+0x%x@0x%x" % (r["guest_phys_addr"], r["memory_size"],
                                         r["mmap_offset"]) for r in regions)
    t.check(bool(regions), "%s: memory regions present (%s)" % (ifc["name"], desc))
    end = 0
    for r in regions:
        gpa, size = r["guest_phys_addr"], r["memory_size"]
        t.check(size > 0 and gpa >= end and gpa + size <= ram,
                "%s: region gpa 0x%x size 0x%x within guest RAM, no overlap"
                % (ifc["name"], gpa, size))
        t.check(r["mmap_offset"] == gpa and r["userspace_addr"] != 0,
                "%s: region at 0x%x maps RAM offset 0x%x" % (ifc["name"], gpa, r["mmap_offset"]))
        end = gpa + size
    total = sum(r["memory_size"] for r in regions)
    t.check(end == ram and ram - LEGACY_HOLE <= total <= ram,
            "%s: regions cover the %dM of guest RAM (0x%x bytes, up to 0x%x)"
            % (ifc["name"], ram >> 20, total, end))


def check_virtqueues(ifc, count, qsz=None, packed=False):
    """Virtqueues 0..count-1: RX/TX alternating, enabled, started, with
    size qsz (when given), split or packed as asked."""
    vqs = ifc["virtqueues"]
    t.check(len(vqs) >= count, "%s: %d virtqueues shown (have %d)"
            % (ifc["name"], count, len(vqs)))
    for q in vqs[:count]:
        what = "%s: virtqueue %d (%s)" % (ifc["name"], q["index"], q["direction"])
        t.check(q["direction"] == ("TX" if q["index"] % 2 else "RX"), what + " direction")
        t.check(q["enabled"] and q["started"], what + " enabled and started")
        if qsz is not None:
            t.check(q["qsz"] == qsz, what + " qsz %d (got %d)" % (qsz, q["qsz"]))
        t.check(q["packed"] == packed, what + (" packed" if packed else " split"))
        t.check(q["worker"] is not None, what + " placed on a worker (lcore %s)" % q["lcore"])


def check_text(sw, name, ifc, count, qsz=None, packed=False):
    """The text form of show vhost-user says the same in words."""
    text = sw.ctl("show", "vhost-user", name)
    patterns = [r"^   VIRTIO_F_VERSION_1 \(32\)$",
                r"^ connection connected, queue pairs %d$" % (count // 2),
                r"^ Memory regions \(total %d\)$" % len(ifc["memory_regions"])]
    for q in range(count):
        patterns.append(r"^ Virtqueue %d \(%s\) enabled%s$"
                        % (q, "TX" if q % 2 else "RX", " packed" if packed else ""))
    if qsz is not None:
        patterns.append(r"^  qsz %d last_avail_idx \d+ last_used_idx \d+$" % qsz)
    for pattern in patterns:
        t.check(re.search(pattern, text, re.M) is not None,
                "%s: show vhost-user text has %r" % (name, pattern))
    return text
