/* Big-endian 16-bit fields read and written at any byte offset of a frame
 * (header fields off the wire need not be aligned), shared by the uplink's
 * pure frame parsers and builders. */
#ifndef VSW_WIRE_BE16_H
#define VSW_WIRE_BE16_H

#include <stdint.h>

static inline uint16_t wire_be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wire_put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

#endif
