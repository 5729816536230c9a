/* libFuzzer target for the packed virtqueue engine (virtq_packed.c): a
 * hostile driver on the synthetic guest of fuzz_ring_guest.h, TX (the
 * worker dequeues) and RX (it enqueues) on one ring.
 *
 * Input:
 *   u8  features: bit 0 VERSION_1 header (12 bytes), bit 1 MRG_RXBUF,
 *       bit 2 EVENT_IDX, bit 3 dirty log, bit 4 IN_ORDER, bit 5 progress word,
 *       bit 6 every offload negotiated (virtio-net headers parsed)
 *   u16 ring size: 1 + v % 256 (a packed ring need not be a power of 2)
 *   u16 position both avail and used start at: index (mod size) | wrap << 15
 *   then commands, each an opcode byte and its operands (see run_op), among
 *   them the one-copy path's peek, consume, put and publish.
 * The descriptor ring ends where region A does, at a guard page. The
 * input done, one good frame is offered where the engine expects it. After
 * every engine call no byte outside the descriptor ring, the device event
 * area and, for RX, the device-writable buffers may have changed; after
 * the input every mbuf is back in the pool. */
#include "fuzz_ring_guest.h"
#include "virtq_arm.h"
#include "virtq_packed.h"

#define MAX_OPS 64
#define F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED  (1u << VRING_PACKED_DESC_F_USED)

struct pdrv {
        uint32_t size;
        uint64_t desc_gpa;
        struct vring_packed_desc *desc;
        struct vring_packed_desc_event *drv_ev;
        uint16_t avail_idx, next_id;
        bool avail_wrap;
        uint64_t progress;
        struct virtq_packed_params p;
        struct virtq_packed vq;
        bool up; /* init succeeded */
};

static struct pdrv drv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fz_eal_init("packed");
        fz_guest_init();
        return 0;
}

static void setup(struct fz_in *in)
{
        struct pdrv *d = &drv;
        uint8_t f = fz_u8(in);
        uint32_t n = 1 + fz_u16(in) % 256;
        uint16_t start = fz_u16(in);
        char err[256];

        memset(d, 0, sizeof(*d));
        d->size = n;
        d->desc_gpa = FZ_A_GPA + FZ_A_SIZE - 16 * n;
        d->desc = (struct vring_packed_desc *)fz_ptr(d->desc_gpa, 16 * n);
        d->drv_ev = (struct vring_packed_desc_event *)fz_ptr(FZ_A_GPA, 4);
        memset(d->desc, 0, 16 * n);
        memset(d->drv_ev, 0, 4);
        d->avail_idx = (uint16_t)((start & ~VIRTQ_PACKED_WRAP) % n);
        d->avail_wrap = !!(start & VIRTQ_PACKED_WRAP);
        start = (uint16_t)(d->avail_idx | (start & VIRTQ_PACKED_WRAP));
        d->p = (struct virtq_packed_params){
            .size = n,
            .desc_gpa = d->desc_gpa,
            .driver_event_gpa = FZ_A_GPA,
            .device_event_gpa = FZ_A_GPA + 4,
            .last_avail_idx = start,
            .last_used_idx = start,
            .hdr_len = (f & 3) ? 12 : 10,
            .mrg_rxbuf = !!(f & 2),
            .host_ol = (f & 0x40) ? 0xf : 0,
            .guest_ol = (f & 0x40) ? 0xf : 0,
            .event_idx = !!(f & 4),
            .in_order = !!(f & 0x10),
            .log = (f & 8) ? &fz_g.log : NULL,
            .progress = (f & 0x20) ? &d->progress : NULL,
        };
        fz_g.check_log = (f & 8) != 0;
        d->up = virtq_packed_init(&d->vq, &fz_g.gm, &d->p, err, sizeof(err)) == 0;
}

/* Flags that make a slot available in the driver's current lap. */
static uint16_t avail_bits(void)
{
        return drv.avail_wrap ? F_AVAIL : F_USED;
}

static void step(void)
{
        if (++drv.avail_idx == drv.size) {
                drv.avail_idx = 0;
                drv.avail_wrap = !drv.avail_wrap;
        }
}

/* A chain of nd buffers in consecutive slots (the head's flags written
 * last), or one slot pointing at an indirect table in C. Open-ended, its
 * last slot claims a successor too: the chain runs on into whatever
 * follows, other chains or slots not made available. */
static void chain(struct fz_in *in)
{
        struct pdrv *d = &drv;
        uint8_t shape = fz_u8(in);
        unsigned nd = 1 + (shape & 7), i;
        bool indirect = shape & 0x10, mixed = shape & 0x20, open = shape & 0x40;
        uint16_t dir = (shape & 0x08) ? VRING_DESC_F_WRITE : 0, id = d->next_id++;
        uint16_t head = d->avail_idx, head_flags = 0;

        if (indirect) {
                uint64_t tgpa = FZ_C_GPA + (fz_u8(in) * 16u) % (FZ_C_SIZE - 16 * 8);
                struct vring_packed_desc *t = (struct vring_packed_desc *)fz_ptr(tgpa, 16 * nd);

                for (i = 0; i < nd; i++) {
                        uint32_t len = fz_u8(in) * 8u;
                        uint16_t flags = mixed ? (fz_u8(in) & VRING_DESC_F_WRITE) : dir;

                        t[i] = (struct vring_packed_desc){fz_buf(len), len, 0, flags};
                }
                d->desc[head] = (struct vring_packed_desc){tgpa, 16 * nd, id, 0};
                head_flags = VRING_DESC_F_INDIRECT | avail_bits();
                step();
        } else {
                for (i = 0; i < nd; i++) {
                        uint32_t len = fz_u8(in) * 8u;
                        uint16_t flags = mixed ? (fz_u8(in) & VRING_DESC_F_WRITE) : dir;

                        flags |= avail_bits() | (i + 1 < nd || open ? VRING_DESC_F_NEXT : 0);
                        d->desc[d->avail_idx] = (struct vring_packed_desc){
                            fz_buf(len), len, id, i == 0 ? d->desc[d->avail_idx].flags : flags};
                        if (i == 0)
                                head_flags = flags;
                        step();
                }
        }
        __atomic_store_n(&d->desc[head].flags, head_flags, __ATOMIC_RELEASE);
}

/* Many one-slot chains of one length: RX buffers by the dozen. */
static void many(struct fz_in *in)
{
        struct pdrv *d = &drv;
        unsigned k = 1 + fz_u8(in);
        uint8_t l = fz_u8(in);
        uint32_t len = (l & 0x80) ? (l & 0x7f) * 32u : l;
        uint16_t dir = (l & 1) ? 0 : VRING_DESC_F_WRITE;

        for (unsigned i = 0; i < k; i++) {
                d->desc[d->avail_idx] =
                    (struct vring_packed_desc){fz_buf(len), len, d->next_id++, dir | avail_bits()};
                step();
        }
}

/* The device may write the descriptor ring (used descriptors), its event
 * area and, with RX, every device-writable buffer the guest described. */
static void check(bool rx, const char *op)
{
        if (!fz_changed())
                return;
        memset(fz_g.may, 0, fz_g.arena_len);
        fz_may_write(drv.desc_gpa, 16ull * drv.size);
        fz_may_write(FZ_A_GPA + 4, 4);
        if (rx)
                fz_may_write_descs(drv.desc_gpa, drv.size, true, false);
        fz_check_writes(op);
}

static void op_tx(struct fz_in *in)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t n;

        fz_snapshot();
        n = virtq_packed_dequeue(&drv.vq, fz_pool, pkts, fz_u8(in) % (VIRTQ_BURST + 1));
        check(false, "dequeue");
        fz_free_frames(pkts, n);
}

static void op_rx(struct fz_in *in)
{
        struct rte_mbuf *pkts[4];
        unsigned n = 1 + fz_u8(in) % 4, k;
        uint16_t done;

        for (k = 0; k < n; k++) {
                uint32_t len = 1 + fz_u16(in) % 9300;

                pkts[k] = fz_frame(len, fz_u16(in));
                if (pkts[k] == NULL)
                        abort();
        }
        fz_snapshot();
        done = virtq_packed_enqueue(&drv.vq, pkts, (uint16_t)n);
        check(true, "enqueue");
        if (done > n)
                abort();
        rte_pktmbuf_free_bulk(pkts, n);
}

static void op_notify(struct fz_in *in)
{
        drv.drv_ev->flags = fz_u8(in) % 4;
        drv.drv_ev->off_wrap = fz_u16(in);
        fz_snapshot();
        (void)virtq_packed_need_notify(&drv.vq);
        check(false, "need_notify");
}

/* rx-mode: a worker arming the guest's kicks before it sleeps (its answer
 * must be whether a chain is waiting at the engine's position), or
 * disarming them on waking. Only our device event area may change. */
static void op_arm(struct fz_in *in)
{
        struct virtq_packed *vq = &drv.vq;
        const struct vring_packed_desc_event *ev = vq->device_event;
        uint16_t fl;
        bool waiting, got;

        fz_snapshot();
        if (fz_u8(in) & 1) {
                fl = vq->desc[vq->last_avail_idx].flags;
                waiting = !!(fl & F_AVAIL) == vq->avail_wrap && !!(fl & F_USED) != vq->avail_wrap;
                got = virtq_packed_arm(vq);
                if (got != (waiting && !vq->broken))
                        abort();
                if (!vq->broken && (vq->event_idx ? ev->flags != VRING_PACKED_EVENT_FLAG_DESC ||
                                                        ev->off_wrap != virtq_packed_avail_state(vq)
                                                  : ev->flags != VRING_PACKED_EVENT_FLAG_ENABLE))
                        abort(); /* not armed */
                check(false, "arm");
        } else {
                virtq_packed_disarm(vq);
                if (!vq->broken && ev->flags != VRING_PACKED_EVENT_FLAG_DISABLE)
                        abort();
                check(false, "disarm");
        }
}

/* A worker restarted over the ring: init again from the positions it
 * saved (or any), then resume from the progress word. */
static void op_restart(struct fz_in *in)
{
        uint8_t how = fz_u8(in);
        char err[256];

        if (how & 1) {
                drv.p.last_avail_idx = fz_u16(in);
                drv.p.last_used_idx = fz_u16(in);
        } else {
                drv.p.last_avail_idx = virtq_packed_avail_state(&drv.vq);
                drv.p.last_used_idx = virtq_packed_used_state(&drv.vq);
        }
        if (how & 2)
                drv.progress = fz_u64(in);
        fz_snapshot();
        drv.up = virtq_packed_init(&drv.vq, &fz_g.gm, &drv.p, err, sizeof(err)) == 0;
        if (drv.up)
                virtq_packed_resume(&drv.vq);
        check(false, "init");
}

FZ_ONECOPY_OPS(packed)

static void run_op(struct fz_in *in)
{
        struct pdrv *d = &drv;
        uint8_t op = fz_u8(in);

        switch (op % 12) {
        case 0: { /* one slot, anything in it */
                uint16_t slot = fz_u16(in) % d->size, id = fz_u16(in);
                uint8_t fl = fz_u8(in);
                uint16_t flags = fl & 7;
                uint64_t gpa;
                uint32_t len;

                fz_addr_len(in, &gpa, &len);
                if (fl & 0x80)
                        flags = fz_u16(in);
                else if (fl & 0x40)
                        flags |= avail_bits() ^ (F_AVAIL | F_USED); /* the other lap */
                else
                        flags |= avail_bits();
                d->desc[slot] = (struct vring_packed_desc){gpa, len, id, flags};
                break;
        }
        case 1:
                chain(in);
                break;
        case 2:
                many(in);
                break;
        case 3:
                op_tx(in);
                break;
        case 4:
                op_rx(in);
                break;
        case 5:
                op_notify(in);
                break;
        case 6:
                op_restart(in);
                break;
        case 8:
                op_arm(in);
                break;
        case 7: { /* the driver's position moves: it skips slots */
                unsigned k = fz_u8(in);

                while (k--)
                        step();
                break;
        }
        case 10:
                op_peek(in);
                break;
        case 11:
                op_put(in);
                break;
        default: { /* an indirect table entry in C, anything in it */
                uint64_t gpa;
                uint32_t len;
                struct vring_packed_desc *e = (struct vring_packed_desc *)fz_ptr(
                    FZ_C_GPA + (fz_u16(in) % (FZ_C_SIZE / 16)) * 16, 16);

                fz_addr_len(in, &gpa, &len);
                *e = (struct vring_packed_desc){gpa, len, fz_u16(in), (uint16_t)(fz_u8(in) & 7)};
                break;
        }
        }
}

/* After the input the driver, back in step with the engine, offers one
 * good frame where the engine expects the next chain: whatever state the
 * input left the positions in, the used descriptor for it is written. */
static void good_frame_at_engine(void)
{
        struct virtq_packed *vq = &drv.vq;
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint32_t len = 64;
        uint16_t n;

        if (vq->broken != NULL || vq->last_avail_idx >= drv.size)
                return;
        drv.desc[vq->last_avail_idx] = (struct vring_packed_desc){
            fz_buf(len), len, 0xbeef, (uint16_t)(vq->avail_wrap ? F_AVAIL : F_USED)};
        fz_snapshot();
        n = virtq_packed_dequeue(vq, fz_pool, pkts, VIRTQ_BURST);
        check(false, "dequeue");
        fz_free_frames(pkts, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size};
        unsigned ops = 0;

        fz_guest_reset();
        setup(&in);
        while (drv.up && in.n > 0 && ops++ < MAX_OPS)
                run_op(&in);
        if (drv.up)
                good_frame_at_engine();
        fz_no_mbuf_leak();
        return 0;
}
