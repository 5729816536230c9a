/* A tiny streaming JSON writer: enough for one object per reply. Keys are
 * given by the caller (NULL inside arrays); commas and escaping are ours. */
#ifndef VSW_CTL_JSON_H
#define VSW_CTL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define CTL_JSON_MAX_DEPTH 16

struct ctl_json {
        FILE *out;
        int depth;
        int count[CTL_JSON_MAX_DEPTH]; /* members written at each level */
};

void ctl_json_init(struct ctl_json *j, FILE *out);
void ctl_json_obj_begin(struct ctl_json *j, const char *key);
void ctl_json_obj_end(struct ctl_json *j); /* a newline after the outermost */
void ctl_json_arr_begin(struct ctl_json *j, const char *key);
void ctl_json_arr_end(struct ctl_json *j);
void ctl_json_str(struct ctl_json *j, const char *key, const char *v);
void ctl_json_u64(struct ctl_json *j, const char *key, uint64_t v);
void ctl_json_f64(struct ctl_json *j, const char *key, double v);
void ctl_json_i64(struct ctl_json *j, const char *key, int64_t v);
void ctl_json_bool(struct ctl_json *j, const char *key, int v);
void ctl_json_null(struct ctl_json *j, const char *key);

#endif
