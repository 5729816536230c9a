/* libFuzzer target for VXLAN's decapsulation parser (dataplane/uplink/
 * vxlan_hdr.c): any frame off the uplink, cut into a first segment of any
 * length, any address. The first segment is a heap buffer of exactly its
 * length, so a read past it is ASan's to see. An inner frame the parser
 * hands on has an Ethernet header in the first segment and lies inside
 * the frame; a drop names a reason; the flow key of any frame stays in its
 * bytes; headers built for the inner frame parse back to the same tunnel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vxlan_hdr.h"

static void require(int cond)
{
        if (!cond)
                abort();
}

static void round_trip(const struct vxlan_rx *rx, uint32_t ip)
{
        struct vxlan_tx tx = {.src_ip = rx->src_ip,
                              .dst_ip = ip,
                              .vni = rx->vni,
                              .sport = 50000,
                              .inner_len = rx->inner_len};
        uint8_t *f = malloc(VXLAN_HLEN + rx->inner_len);
        struct vxlan_rx back;

        require(f != NULL);
        memset(tx.dst_mac, 0x02, 6);
        memset(tx.src_mac, 0x04, 6);
        vxlan_build(f, &tx);
        memset(f + VXLAN_HLEN, 0, rx->inner_len);
        require(vxlan_parse(f, VXLAN_HLEN + rx->inner_len, VXLAN_HLEN + rx->inner_len, ip, &back) ==
                VXLAN_INNER);
        require(back.vni == rx->vni && back.src_ip == rx->src_ip &&
                back.inner_len == rx->inner_len && back.inner_off == VXLAN_HLEN);
        free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t key[VXLAN_FLOW_KEY_MAX], *seg;
        struct vxlan_rx rx;
        enum vxlan_verdict v;
        size_t total, len;
        uint32_t ip;

        if (size < 6)
                return 0;
        memcpy(&ip, data, 4);
        if (ip == 0)
                return 0;
        total = size - 6;
        len = (size_t)(data[4] << 8 | data[5]);
        if (len > total)
                len = total;
        seg = malloc(len ? len : 1);
        require(seg != NULL);
        memcpy(seg, data + 6, len);
        v = vxlan_parse(seg, len, total, ip, &rx);
        if (v == VXLAN_INNER) {
                require(rx.inner_len >= 14 && rx.inner_off + 14 <= len);
                require(rx.inner_off + rx.inner_len <= total);
                require(rx.vni <= VSW_VXLAN_VNI_MAX);
                round_trip(&rx, ip);
        } else if (v == VXLAN_DROP) {
                require(rx.drop < VSW_VXLAN_DROPS);
        }
        require(vxlan_flow_key(seg, len, key) <= VXLAN_FLOW_KEY_MAX);
        free(seg);
        return 0;
}
