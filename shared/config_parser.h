/* Internal to the startup.conf parser: the tokenizer state, the key table
 * entries and the value helpers the per-section key handlers share. */
#ifndef VSW_CONFIG_PARSER_H
#define VSW_CONFIG_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

enum tok_type { TOK_EOF, TOK_OPEN, TOK_CLOSE, TOK_WORD };

struct parser {
        const char *path; /* for messages */
        const char *p;
        unsigned line;
        char *err;
        unsigned errlen;
        struct vsw_config *cfg;
        struct vsw_boot_iface *iface; /* the `interface { }` being read */
        enum tok_type type;           /* the token just read */
        unsigned tok_line;
        char tok[VSW_CONF_STR];
};

struct vsw_conf_key {
        const char *name;
        const char *expect; /* what its value should look like */
        int (*parse)(struct parser *ps, const struct vsw_conf_key *k, unsigned line);
};

struct vsw_conf_section {
        const char *name;
        const struct vsw_conf_key *keys;
};

/* vsw_config_parse over the given sections (ending with a NULL name). */
int vsw_conf_parse(struct vsw_config *cfg, const struct vsw_conf_section *sections,
                   const char *path, const char *text, char *err, unsigned errlen);

/* Writes "<path>:<line>: <message>" to the caller's error buffer; returns -1. */
int vsw_conf_fail(struct parser *ps, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value of k: the next word, on the same line as the key; NULL after an error. */
const char *vsw_conf_value(struct parser *ps, const struct vsw_conf_key *k, unsigned line);
/* Digits only in the given base (10 or 16), no sign; -1 if not or if it overflows. */
int vsw_conf_parse_u64(const char *s, int base, uint64_t *out);
/* The value helpers below read k's value and store it, or fail naming k. */
int vsw_conf_number(struct parser *ps, const struct vsw_conf_key *k, unsigned line, uint64_t min,
                    uint64_t max, uint32_t *out);
int vsw_conf_on_off(struct parser *ps, const struct vsw_conf_key *k, unsigned line, uint8_t *out);
/* An absolute path that, with `reserve` more characters, fits in size bytes. */
int vsw_conf_abs_path(struct parser *ps, const struct vsw_conf_key *k, unsigned line, char *out,
                      size_t size, size_t reserve);
/* A word of letters, digits and `extra`, shorter than size. */
int vsw_conf_plain_name(struct parser *ps, const struct vsw_conf_key *k, unsigned line,
                        const char *extra, char *out, size_t size);
/* `{ key value ... }` after the section (or interface) named at line. */
int vsw_conf_parse_block(struct parser *ps, const char *section, unsigned line,
                         const struct vsw_conf_key *keys);

#endif
