/* `pcap trace`: vhostd turns the workers' copies on per interface and
 * direction (vsw_state.pcap.on), drains the capture ring into the file
 * from a timer, and stops at max packets or `pcap trace off`. A capture
 * belongs to the vhostd generation that started it: one that exits
 * closes the file; a successor finding one its predecessor left (killed)
 * stops it. Either way the file holds whole blocks only. */
#ifndef VSW_PCAP_CAPTURE_H
#define VSW_PCAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct vhostd;

struct pcap_capture_opts {
        unsigned dirs;     /* VSW_PCAP_RX | VSW_PCAP_TX */
        uint32_t max;      /* packets, at least 1 */
        const char *intfc; /* an interface name, or NULL: any */
        const char *file;  /* absolute path */
};

int pcap_capture_start(struct vhostd *d, const struct pcap_capture_opts *o, char *err,
                       size_t errlen);
/* Stops the running capture: 0, or -1 when none runs. */
int pcap_capture_stop(struct vhostd *d, const char *why);
/* At GO: settles a capture a predecessor left running. */
void pcap_capture_go(struct vhostd *d);
/* When this vhostd exits: closes its capture's file. */
void pcap_capture_exit(struct vhostd *d);
/* Packets the workers could not copy since the capture started. */
uint64_t pcap_capture_lost(const struct vhostd *d);

#endif
