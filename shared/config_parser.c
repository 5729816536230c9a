/* The startup.conf tokenizer (words, braces, # comments) and the loop over
 * the sections and keys of a table it is given; what each key accepts is in
 * config_keys.c, which passes its table in. Text is
 * parsed into a copy of the config, so a bad file leaves the caller's config
 * untouched. */
#include "config_parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMBEDDED_NAME "startup.conf (embedded)"

int vsw_conf_fail(struct parser *ps, unsigned line, const char *fmt, ...)
{
        if (!ps->err || ps->errlen == 0)
                return -1;
        int n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->path, line);
        if (n >= 0 && (unsigned)n < ps->errlen) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
                va_end(ap);
        }
        return -1;
}

static const char *describe_token(const struct parser *ps)
{
        switch (ps->type) {
        case TOK_EOF:
                return "end of file";
        case TOK_OPEN:
                return "'{'";
        case TOK_CLOSE:
                return "'}'";
        default:
                return ps->tok;
        }
}

static int is_space(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads the next token into ps->type / ps->tok / ps->tok_line. */
static int next_token(struct parser *ps)
{
        for (;;) {
                unsigned char c = *ps->p;
                if (c == '\n') {
                        ps->line++;
                        ps->p++;
                } else if (is_space(c)) {
                        ps->p++;
                } else if (c == '#') {
                        while (*ps->p && *ps->p != '\n')
                                ps->p++;
                } else {
                        break;
                }
        }
        ps->tok_line = ps->line;
        ps->tok[0] = '\0';
        unsigned char c = *ps->p;
        if (c == '\0') {
                ps->type = TOK_EOF;
                return 0;
        }
        if (c == '{' || c == '}') {
                ps->type = c == '{' ? TOK_OPEN : TOK_CLOSE;
                ps->p++;
                return 0;
        }
        size_t n = 0;
        while (c > ' ' && c != 0x7f && c != '{' && c != '}' && c != '#') {
                if (n + 1 >= sizeof(ps->tok))
                        return vsw_conf_fail(
                            ps, ps->line,
                            "word '%.32s...' is too long, expected at most %zu characters", ps->tok,
                            sizeof(ps->tok) - 1);
                ps->tok[n++] = (char)c;
                ps->tok[n] = '\0';
                c = *++ps->p;
        }
        if (n == 0)
                return vsw_conf_fail(ps, ps->line, "control character 0x%02x, expected text", c);
        ps->type = TOK_WORD;
        return 0;
}

const char *vsw_conf_value(struct parser *ps, const struct vsw_conf_key *k, unsigned line)
{
        if (next_token(ps) < 0)
                return NULL;
        if (ps->type != TOK_WORD || ps->tok_line != line) {
                vsw_conf_fail(ps, line, "missing value for '%s', expected %s", k->name, k->expect);
                return NULL;
        }
        return ps->tok;
}

int vsw_conf_parse_u64(const char *s, int base, uint64_t *out)
{
        const char *digits = base == 16 ? "0123456789abcdefABCDEF" : "0123456789";
        if (!*s || strspn(s, digits) != strlen(s))
                return -1;
        errno = 0;
        unsigned long long v = strtoull(s, NULL, base);
        if (errno)
                return -1;
        *out = v;
        return 0;
}

int vsw_conf_number(struct parser *ps, const struct vsw_conf_key *k, unsigned line, uint64_t min,
                    uint64_t max, uint32_t *out)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        uint64_t v;
        if (vsw_conf_parse_u64(s, 10, &v) < 0) {
                if (*s && strspn(s, "0123456789") == strlen(s))
                        return vsw_conf_fail(ps, line, "%s %s is out of range, expected %s",
                                             k->name, s, k->expect);
                return vsw_conf_fail(ps, line, "bad number '%s' for %s, expected %s", s, k->name,
                                     k->expect);
        }
        if (v < min || v > max)
                return vsw_conf_fail(ps, line, "%s %s is out of range, expected %s", k->name, s,
                                     k->expect);
        *out = (uint32_t)v;
        return 0;
}

int vsw_conf_on_off(struct parser *ps, const struct vsw_conf_key *k, unsigned line, uint8_t *out)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        if (strcmp(s, "on") == 0)
                *out = 1;
        else if (strcmp(s, "off") == 0)
                *out = 0;
        else
                return vsw_conf_fail(ps, line, "bad value '%s' for %s, expected %s", s, k->name,
                                     k->expect);
        return 0;
}

int vsw_conf_abs_path(struct parser *ps, const struct vsw_conf_key *k, unsigned line, char *out,
                      size_t size, size_t reserve)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        if (s[0] != '/')
                return vsw_conf_fail(ps, line, "%s '%s' is not an absolute path, expected %s",
                                     k->name, s, k->expect);
        size_t len = strlen(s);
        if (len + reserve >= size)
                return vsw_conf_fail(ps, line,
                                     "%s '%s' is too long (%zu characters), expected at most %zu",
                                     k->name, s, len, size - reserve - 1);
        memcpy(out, s, len + 1);
        return 0;
}

int vsw_conf_plain_name(struct parser *ps, const struct vsw_conf_key *k, unsigned line,
                        const char *extra, char *out, size_t size)
{
        const char *s = vsw_conf_value(ps, k, line);
        if (!s)
                return -1;
        size_t len = strlen(s);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];
                int alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && !strchr(extra, c))
                        return vsw_conf_fail(ps, line, "bad %s '%s', expected %s", k->name, s,
                                             k->expect);
        }
        if (len >= size)
                return vsw_conf_fail(ps, line,
                                     "%s '%s' is too long (%zu characters), expected at most %zu",
                                     k->name, s, len, size - 1);
        memcpy(out, s, len + 1);
        return 0;
}

static void key_names(const struct vsw_conf_key *keys, char *out, size_t size)
{
        size_t n = 0;
        out[0] = '\0';
        for (const struct vsw_conf_key *k = keys; k->name && n < size; k++)
                n += snprintf(out + n, size - n, "%s%s", k == keys ? "" : ", ", k->name);
}

int vsw_conf_parse_block(struct parser *ps, const char *section, unsigned line,
                         const struct vsw_conf_key *keys)
{
        char names[VSW_CONF_STR];
        key_names(keys, names, sizeof(names));
        if (next_token(ps) < 0)
                return -1;
        if (ps->type != TOK_OPEN)
                return vsw_conf_fail(ps, ps->tok_line, "%s after '%s', expected '{'",
                                     describe_token(ps), section);
        for (;;) {
                if (next_token(ps) < 0)
                        return -1;
                if (ps->type == TOK_CLOSE)
                        return 0;
                if (ps->type == TOK_EOF)
                        return vsw_conf_fail(
                            ps, ps->tok_line,
                            "end of file inside '%s' opened at line %u, expected '}'", section,
                            line);
                if (ps->type == TOK_OPEN)
                        return vsw_conf_fail(
                            ps, ps->tok_line,
                            "'{' without a key in section '%s', expected one of %s", section,
                            names);
                const struct vsw_conf_key *k = keys;
                while (k->name && strcmp(k->name, ps->tok) != 0)
                        k++;
                if (!k->name)
                        return vsw_conf_fail(ps, ps->tok_line,
                                             "unknown key '%s' in section '%s', expected one of %s",
                                             ps->tok, section, names);
                if (k->parse(ps, k, ps->tok_line) < 0)
                        return -1;
        }
}

static void section_names(const struct vsw_conf_section *sections, char *out, size_t size)
{
        size_t n = 0;
        out[0] = '\0';
        for (const struct vsw_conf_section *sec = sections; sec->name && n < size; sec++)
                n += snprintf(out + n, size - n, "%s%s", sec == sections ? "" : ", ", sec->name);
}

static int parse_all(struct parser *ps, const struct vsw_conf_section *sections)
{
        for (;;) {
                if (next_token(ps) < 0)
                        return -1;
                if (ps->type == TOK_EOF)
                        return 0;
                const struct vsw_conf_section *sec = sections;
                while (sec->name && (ps->type != TOK_WORD || strcmp(sec->name, ps->tok) != 0))
                        sec++;
                char names[256];
                if (!sec->name)
                        section_names(sections, names, sizeof(names));
                if (!sec->name && ps->type != TOK_WORD)
                        return vsw_conf_fail(ps, ps->tok_line,
                                             "unexpected %s, expected a section: one of %s",
                                             describe_token(ps), names);
                if (!sec->name)
                        return vsw_conf_fail(ps, ps->tok_line,
                                             "unknown section '%s', expected one of %s", ps->tok,
                                             names);
                if (vsw_conf_parse_block(ps, sec->name, ps->tok_line, sec->keys) < 0)
                        return -1;
        }
}

int vsw_conf_parse(struct vsw_config *cfg, const struct vsw_conf_section *sections,
                   const char *path, const char *text, char *err, unsigned errlen)
{
        struct vsw_config *work = malloc(sizeof(*work));
        if (!work) {
                if (err && errlen)
                        snprintf(err, errlen, "%s: out of memory, expected to parse the config",
                                 path ? path : EMBEDDED_NAME);
                return -1;
        }
        *work = *cfg;
        struct parser ps = {
            .path = path ? path : EMBEDDED_NAME,
            .p = text,
            .line = 1,
            .err = err,
            .errlen = errlen,
            .cfg = work,
        };
        int rc = parse_all(&ps, sections);
        if (rc == 0 && strncmp(work->cli_listen, "tcp://", 6) == 0 && !work->cli_tcp_read_only) {
                if (err && errlen)
                        snprintf(
                            err, errlen,
                            "%s: cli-listen %s can be reached by every local user: refused, "
                            "expected an ipc:// endpoint, or `cli-tcp read-only` in unix { } to "
                            "serve only commands that change nothing",
                            ps.path, work->cli_listen);
                rc = -1;
        }
        if (rc == 0) {
                snprintf(work->path, sizeof(work->path), "%s", path ? path : "");
                *cfg = *work;
        }
        free(work);
        return rc;
}

/* Reads a whole file, NUL-terminated, into *text (the caller frees it). */
