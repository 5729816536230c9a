/* The metrics page: the memzone as Prometheus text exposition (format
 * 0.0.4). A pure function of the state and the clock, so a unit test can
 * feed it a state it built; metrics_http.c serves it. */
#ifndef VSW_METRICS_FORMAT_H
#define VSW_METRICS_FORMAT_H

#include <stdint.h>

#include "vsw_state.h"

struct evbuffer;

#define VSW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Appends every metric family to out. now_ns: CLOCK_MONOTONIC, for ages.
 * Returns 0, or -1 when out could not grow. */
int vsw_metrics_format(const struct vsw_state *st, uint64_t now_ns, struct evbuffer *out);

#endif
