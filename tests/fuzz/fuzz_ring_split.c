/* libFuzzer target for the split virtqueue engine (virtq_split.c): a hostile
 * driver on the synthetic guest of fuzz_ring_guest.h, TX (the worker
 * dequeues) and RX (it enqueues) on one ring.
 *
 * Input:
 *   u8  features: bit 0 VERSION_1 header (12 bytes), bit 1 MRG_RXBUF,
 *       bit 2 EVENT_IDX, bit 3 dirty log, bit 4 descriptor table (not the
 *       used ring) at the end of region A, bit 5 log_used_gpa from the input,
 *       bit 6 every offload negotiated (virtio-net headers parsed)
 *   u8  ring size: 1 << (v % 9), 1..256
 *   u16 avail and used index the ring starts at
 *   then commands, each an opcode byte and its operands (see run_op), among
 *   them rx-mode's arming and disarming of the guest's kicks (virtq_arm.h)
 *   and the one-copy path's peek, consume, put and publish (virtq_chain.h).
 * After every engine call no byte outside the used ring and, for RX, the
 * device-writable buffers may have changed; after the input every mbuf is
 * back in the pool. */
#include "fuzz_ring_guest.h"
#include "virtq_arm.h"
#include "virtq_split.h"

#define MAX_OPS 64

struct sdrv {
        uint32_t size;
        uint64_t desc_gpa, avail_gpa, used_gpa;
        struct vring_desc *desc;
        struct vring_avail *avail;
        struct vring_used *used;
        uint16_t avail_idx, next_desc;
        struct virtq_split_params p;
        struct virtq_split vq;
        bool up; /* init succeeded */
};

static struct sdrv drv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        fz_eal_init("split");
        fz_guest_init();
        return 0;
}

static void setup(struct fz_in *in)
{
        struct sdrv *d = &drv;
        uint8_t f = fz_u8(in);
        uint32_t n = 1u << (fz_u8(in) % 9);
        uint16_t base = fz_u16(in);
        uint64_t a_end = FZ_A_GPA + FZ_A_SIZE;
        char err[256];

        memset(d, 0, sizeof(*d));
        d->size = n;
        if (f & 0x10) {
                d->used_gpa = FZ_A_GPA;
                d->avail_gpa = FZ_A_GPA + ((6 + 8 * n + 1) & ~1u);
                d->desc_gpa = a_end - 16 * n;
        } else {
                d->desc_gpa = FZ_A_GPA;
                d->avail_gpa = FZ_A_GPA + 16 * n;
                d->used_gpa = (a_end - (6 + 8 * n)) & ~3ull;
        }
        d->desc = (struct vring_desc *)fz_ptr(d->desc_gpa, 16 * n);
        d->avail = (struct vring_avail *)fz_ptr(d->avail_gpa, 6 + 2 * n);
        d->used = (struct vring_used *)fz_ptr(d->used_gpa, 6 + 8 * n);
        d->avail->flags = 0;
        d->avail->idx = base;
        d->used->idx = base;
        d->avail_idx = base;
        d->p = (struct virtq_split_params){
            .size = n,
            .desc_gpa = d->desc_gpa,
            .avail_gpa = d->avail_gpa,
            .used_gpa = d->used_gpa,
            .last_avail_idx = base,
            .hdr_len = (f & 3) ? 12 : 10,
            .mrg_rxbuf = !!(f & 2),
            .host_ol = (f & 0x40) ? 0xf : 0,
            .guest_ol = (f & 0x40) ? 0xf : 0,
            .event_idx = !!(f & 4),
            .log = (f & 8) ? &fz_g.log : NULL,
            .log_used_gpa = (f & 0x20) ? fz_u64(in) : d->used_gpa,
        };
        /* Used ring writes logged elsewhere cannot be matched to pages. */
        fz_g.check_log = (f & 8) && !(f & 0x20);
        d->up = virtq_split_init(&d->vq, &fz_g.gm, &d->p, err, sizeof(err)) == 0;
}

static void post(uint16_t head)
{
        drv.avail->ring[drv.avail_idx & (drv.size - 1)] = head;
        drv.avail_idx++;
}

static void publish(void)
{
        __atomic_store_n(&drv.avail->idx, drv.avail_idx, __ATOMIC_RELEASE);
}

/* A chain of nd buffers, in the ring or in an indirect table in C; dir is
 * the WRITE flag of every buffer unless mixed. Open-ended, its last
 * descriptor links on to the next one in the ring (or table), whatever
 * that holds. */
static void chain(struct fz_in *in)
{
        struct sdrv *d = &drv;
        uint8_t shape = fz_u8(in);
        unsigned nd = 1 + (shape & 7), i;
        bool indirect = shape & 0x10, mixed = shape & 0x20, open = shape & 0x40;
        uint16_t dir = (shape & 0x08) ? VRING_DESC_F_WRITE : 0;
        struct vring_desc *t = d->desc;
        uint32_t tsize = d->size;
        uint16_t idx[8], head;

        if (indirect) {
                uint64_t tgpa = FZ_C_GPA + (fz_u8(in) * 16u) % (FZ_C_SIZE - 16 * 8);

                t = (struct vring_desc *)fz_ptr(tgpa, 16 * nd);
                tsize = nd;
                head = d->next_desc++ & (d->size - 1);
                d->desc[head] = (struct vring_desc){tgpa, 16 * nd, VRING_DESC_F_INDIRECT, 0};
        }
        for (i = 0; i < nd; i++)
                idx[i] = indirect ? (uint16_t)i : (uint16_t)(d->next_desc++ & (tsize - 1));
        if (!indirect)
                head = idx[0];
        for (i = 0; i < nd; i++) {
                uint32_t len = fz_u8(in) * 8u;
                uint16_t flags = mixed ? (fz_u8(in) & VRING_DESC_F_WRITE) : dir;

                uint16_t next = i + 1 < nd ? idx[i + 1] : (uint16_t)((idx[i] + 1) & (tsize - 1));

                if (i + 1 < nd || open)
                        flags |= VRING_DESC_F_NEXT;
                t[idx[i]] = (struct vring_desc){fz_buf(len), len, flags, next};
        }
        post(head);
        publish();
}

/* Many one-buffer chains of one length: RX buffers by the dozen. */
static void many(struct fz_in *in)
{
        struct sdrv *d = &drv;
        unsigned k = 1 + fz_u8(in);
        uint8_t l = fz_u8(in);
        uint32_t len = (l & 0x80) ? (l & 0x7f) * 32u : l;
        uint16_t dir = (l & 1) ? 0 : VRING_DESC_F_WRITE;

        for (unsigned i = 0; i < k; i++) {
                uint16_t head = d->next_desc++ & (d->size - 1);

                d->desc[head] = (struct vring_desc){fz_buf(len), len, dir, 0};
                post(head);
        }
        publish();
}

/* The device may write the used ring (flags, idx, ring, avail_event) and,
 * with RX, every device-writable buffer the guest described. */
static void check(bool rx, const char *op)
{
        if (!fz_changed())
                return;
        memset(fz_g.may, 0, fz_g.arena_len);
        fz_may_write(drv.used_gpa, 6 + 8ull * drv.size);
        if (rx)
                fz_may_write_descs(drv.desc_gpa, drv.size, false, false);
        fz_check_writes(op);
}

static void op_tx(struct fz_in *in)
{
        struct rte_mbuf *pkts[VIRTQ_BURST];
        uint16_t n;

        fz_snapshot();
        n = virtq_split_dequeue(&drv.vq, fz_pool, pkts, fz_u8(in) % (VIRTQ_BURST + 1));
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
        done = virtq_split_enqueue(&drv.vq, pkts, (uint16_t)n);
        check(true, "enqueue");
        if (done > n)
                abort();
        rte_pktmbuf_free_bulk(pkts, n);
}

static void op_notify(struct fz_in *in)
{
        uint8_t v = fz_u8(in);

        drv.avail->flags = v & 1;
        *(uint16_t *)&drv.avail->ring[drv.size] = fz_u16(in); /* used_event */
        fz_snapshot();
        (void)virtq_split_need_notify(&drv.vq);
        check(false, "need_notify");
}

/* rx-mode: a worker arming the guest's kicks before it sleeps (its answer
 * must be whether a chain is waiting), or disarming them on waking. Only
 * the used ring (flags, avail_event) may change. */
static void op_arm(struct fz_in *in)
{
        bool waiting, got;

        fz_snapshot();
        if (fz_u8(in) & 1) {
                waiting = drv.avail->idx != drv.vq.last_avail_idx;
                got = virtq_split_arm(&drv.vq);
                if (got != (waiting && !drv.vq.broken))
                        abort();
                if (!drv.vq.broken &&
                    (drv.vq.event_idx ? *virtq_split_avail_event(&drv.vq) != drv.vq.last_avail_idx
                                      : drv.used->flags != 0))
                        abort(); /* not armed */
                check(false, "arm");
        } else {
                virtq_split_disarm(&drv.vq);
                if (!drv.vq.broken && !drv.vq.event_idx &&
                    drv.used->flags != VRING_USED_F_NO_NOTIFY)
                        abort();
                check(false, "disarm");
        }
}

/* A worker restarted over the ring: init again, resume where used is. */
static void op_restart(struct fz_in *in)
{
        char err[256];

        drv.p.last_avail_idx = fz_u16(in);
        fz_snapshot();
        drv.up = virtq_split_init(&drv.vq, &fz_g.gm, &drv.p, err, sizeof(err)) == 0;
        if (drv.up)
                virtq_split_resume(&drv.vq);
        check(false, "init");
}

FZ_ONECOPY_OPS(split)

static void run_op(struct fz_in *in)
{
        struct sdrv *d = &drv;
        uint8_t op = fz_u8(in);

        switch (op % 13) {
        case 0: { /* one descriptor, anything in it */
                uint16_t slot = fz_u16(in) & (d->size - 1);
                uint64_t gpa;
                uint32_t len;
                uint8_t fl;

                fz_addr_len(in, &gpa, &len);
                fl = fz_u8(in);
                d->desc[slot] = (struct vring_desc){
                    gpa, len, (fl & 0x80) ? fz_u16(in) : (uint16_t)(fl & 7), fz_u16(in)};
                break;
        }
        case 1: { /* one avail entry */
                uint16_t v = fz_u16(in);

                post((v & 0x8000) ? fz_u16(in) : (uint16_t)(v % d->size));
                break;
        }
        case 2: /* avail idx moved by anything */
                d->avail_idx = (uint16_t)(d->avail_idx + fz_u16(in));
                publish();
                break;
        case 3:
                chain(in);
                break;
        case 4:
                many(in);
                break;
        case 5:
                op_tx(in);
                break;
        case 6:
                op_rx(in);
                break;
        case 7:
                op_notify(in);
                break;
        case 8:
                op_restart(in);
                break;
        case 9:
                op_arm(in);
                break;
        case 11:
                op_peek(in);
                break;
        case 12:
                op_put(in);
                break;
        default: { /* an indirect table entry in C, anything in it */
                uint64_t gpa;
                uint32_t len;
                struct vring_desc *e = (struct vring_desc *)fz_ptr(
                    FZ_C_GPA + (fz_u16(in) % (FZ_C_SIZE / 16)) * 16, 16);

                fz_addr_len(in, &gpa, &len);
                *e = (struct vring_desc){gpa, len, (uint16_t)(fz_u8(in) & 7), fz_u16(in)};
                break;
        }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fz_in in = {data, size};
        unsigned ops = 0;

        fz_guest_reset();
        setup(&in);
        while (drv.up && in.n > 0 && ops++ < MAX_OPS)
                run_op(&in);
        fz_no_mbuf_leak();
        return 0;
}
