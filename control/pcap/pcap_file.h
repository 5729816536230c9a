/* One `pcap trace` file: a pcapng section, an interface block per vhostsw
 * interface seen, and the packet blocks the workers made. */
#ifndef VSW_PCAP_FILE_H
#define VSW_PCAP_FILE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "vsw_state.h"

struct pcap_file;

/* Creates (or truncates) path and writes the section header. NULL with
 * errno set on failure. */
struct pcap_file *pcap_file_open(const char *path);
/* Writes m, a packet block from rte_pcapng_copy whose port is the
 * interface slot, after that interface's block the first time (name: the
 * interface's). Frees m. 0, or -1 with errno set. */
int pcap_file_write(struct pcap_file *f, struct rte_mbuf *m, const struct vsw_state *st);
/* Closes the file (its fd too). */
void pcap_file_close(struct pcap_file *f);

#endif
