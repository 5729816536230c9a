#include "ctl_json.h"

#include <inttypes.h>

void ctl_json_init(struct ctl_json *j, FILE *out)
{
        j->out = out;
        j->depth = 0;
        j->count[0] = 0;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
        int n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = s[0] & 0x1f;
        } else if ((s[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = s[0] & 0x0f;
        } else if ((s[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = s[0] & 0x07;
        } else {
                return 0;
        }
        for (int i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past Unicode are not UTF-8. */
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return 0;
        return n;
}

/* A string from the switch (a socket path, a log line) may hold any byte:
 * control characters are escaped, bytes that are not UTF-8 become U+FFFD,
 * so the output always parses. */
static void put_string(FILE *out, const char *v)
{
        const unsigned char *s = (const unsigned char *)(v ? v : "");

        fputc('"', out);
        while (*s) {
                int n;

                switch (*s) {
                case '"':
                        fputs("\\\"", out);
                        s++;
                        continue;
                case '\\':
                        fputs("\\\\", out);
                        s++;
                        continue;
                case '\n':
                        fputs("\\n", out);
                        s++;
                        continue;
                case '\r':
                        fputs("\\r", out);
                        s++;
                        continue;
                case '\t':
                        fputs("\\t", out);
                        s++;
                        continue;
                default:
                        break;
                }
                if (*s < 0x20 || *s == 0x7f) {
                        fprintf(out, "\\u%04x", *s);
                        s++;
                        continue;
                }
                n = utf8_len(s);
                if (n == 0) {
                        fputs("\\ufffd", out);
                        s++;
                        continue;
                }
                fwrite(s, 1, (size_t)n, out);
                s += n;
        }
        fputc('"', out);
}

static void member(struct ctl_json *j, const char *key)
{
        if (j->count[j->depth]++)
                fputc(',', j->out);
        if (key) {
                put_string(j->out, key);
                fputc(':', j->out);
        }
}

static void open_level(struct ctl_json *j, const char *key, char c)
{
        member(j, key);
        fputc(c, j->out);
        /* Replies nest far less deep; the clamp only keeps count[] in bounds. */
        if (j->depth < CTL_JSON_MAX_DEPTH - 1)
                j->depth++;
        j->count[j->depth] = 0;
}

static void close_level(struct ctl_json *j, char c)
{
        fputc(c, j->out);
        if (j->depth > 0)
                j->depth--;
        if (j->depth == 0 && c == '}')
                fputc('\n', j->out);
}

void ctl_json_obj_begin(struct ctl_json *j, const char *key)
{
        open_level(j, key, '{');
}

void ctl_json_obj_end(struct ctl_json *j)
{
        close_level(j, '}');
}

void ctl_json_arr_begin(struct ctl_json *j, const char *key)
{
        open_level(j, key, '[');
}

void ctl_json_arr_end(struct ctl_json *j)
{
        close_level(j, ']');
}

void ctl_json_str(struct ctl_json *j, const char *key, const char *v)
{
        member(j, key);
        put_string(j->out, v);
}

void ctl_json_u64(struct ctl_json *j, const char *key, uint64_t v)
{
        member(j, key);
        fprintf(j->out, "%" PRIu64, v);
}

void ctl_json_f64(struct ctl_json *j, const char *key, double v)
{
        member(j, key);
        fprintf(j->out, "%.6g", v);
}

void ctl_json_i64(struct ctl_json *j, const char *key, int64_t v)
{
        member(j, key);
        fprintf(j->out, "%" PRId64, v);
}

void ctl_json_bool(struct ctl_json *j, const char *key, int v)
{
        member(j, key);
        fputs(v ? "true" : "false", j->out);
}

void ctl_json_null(struct ctl_json *j, const char *key)
{
        member(j, key);
        fputs("null", j->out);
}
