/* RPC handlers of `pcap trace` and `show pcap trace`; the capture itself
 * is control/pcap/pcap_capture.c. Both reply with the capture's state. */
#include <errno.h>
#include <string.h>

#include "pcap_capture.h"
#include "rpc_call.h"

static int reply_state(struct vhostd *d, struct rpc_call *c)
{
        const struct vsw_pcap *p = &d->st->pcap;
        Vsw__PcapTraceReply *r = rpc_alloc(c, sizeof(*r));
        int active = atomic_load(&p->writer_generation) != 0;

        if (!r)
                return rpc_no_memory(c);
        vsw__pcap_trace_reply__init(r);
        r->active = active;
        if (p->file[0]) {
                r->has_rx = r->has_tx = r->has_max = r->has_written = 1;
                r->rx = !!(p->dirs & VSW_PCAP_RX);
                r->tx = !!(p->dirs & VSW_PCAP_TX);
                r->max = p->max_packets;
                r->written = p->written;
                r->intfc = rpc_strdup(c, p->intfc);
                r->file = rpc_strdup(c, p->file);
                if (!r->intfc || !r->file)
                        return rpc_no_memory(c);
        }
        if (active) {
                r->has_lost = 1;
                r->lost = pcap_capture_lost(d);
        } else if (p->status[0] && !(r->status = rpc_strdup(c, p->status))) {
                return rpc_no_memory(c);
        }
        c->reply.body_case = VSW__REPLY__BODY_PCAP;
        c->reply.pcap = r;
        return 0;
}

int rpc_pcap_trace(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        const Vsw__PcapTraceRequest *t = req->pcap_trace;
        struct pcap_capture_opts o = {0};
        char err[256];
        int rc;

        if (t->has_off && t->off) {
                if (pcap_capture_stop(d, "stopped by 'pcap trace off'") < 0)
                        return rpc_fail(c, ENOENT, "no capture is running");
                return reply_state(d, c);
        }
        o.dirs = (t->has_rx && t->rx ? VSW_PCAP_RX : 0) | (t->has_tx && t->tx ? VSW_PCAP_TX : 0);
        if (!o.dirs)
                return rpc_fail(c, EINVAL, "pcap trace needs rx, tx or both");
        if (!t->has_max || t->max == 0)
                return rpc_fail(c, EINVAL, "pcap trace needs max <packets>, at least 1");
        if (!t->file || t->file[0] != '/' || strlen(t->file) >= sizeof(d->st->pcap.file))
                return rpc_fail(c, EINVAL,
                                "pcap trace needs file <absolute path>, under %zu "
                                "characters",
                                sizeof(d->st->pcap.file));
        o.max = t->max;
        o.intfc = t->intfc;
        o.file = t->file;
        rc = pcap_capture_start(d, &o, err, sizeof(err));
        if (rc < 0)
                return rpc_fail(c, -rc, "%s", err);
        return reply_state(d, c);
}

int rpc_show_pcap_trace(struct vhostd *d, const Vsw__Request *req, struct rpc_call *c)
{
        (void)req;
        return reply_state(d, c);
}
