/* The vhost-user state machine: one handler per request, each applying its
 * message to the interface's record in the memzone and to the process-local
 * struct vu_dev. Nothing here needs DPDK or libevent, so the fuzz target
 * drives it on a heap-allocated struct vsw_state. */
#ifndef VU_HANDLERS_H
#define VU_HANDLERS_H

#include "vault_keys.h"
#include "vu_msg.h"

enum vu_result {
        VU_R_OK,    /* applied; REPLY_ACK (if asked) says success */
        VU_R_REPLY, /* applied; *reply holds the message's own reply */
        VU_R_FAIL,  /* refused, logged; REPLY_ACK (if asked) says failure */
        VU_R_CLOSE, /* refused, logged; the connection must go */
        VU_R_AGAIN, /* a ring's owner has not acknowledged its pause yet:
                     * nothing was changed, apply the message again later */
};

typedef enum vu_result (*vu_handler_fn)(struct vu_dev *dev, struct vu_msg *msg,
                                        struct vu_msg *reply);

/* Handlers, named after their requests. */
enum vu_result vu_get_features(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_features(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_owner(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_reset_owner(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_get_protocol_features(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_protocol_features(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_get_queue_num(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_send_rarp(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_net_set_mtu(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_backend_req_fd(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_status(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_get_status(struct vu_dev *, struct vu_msg *, struct vu_msg *);

enum vu_result vu_set_mem_table(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_get_max_mem_slots(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_add_mem_reg(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_rem_mem_reg(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_log_base(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_log_fd(struct vu_dev *, struct vu_msg *, struct vu_msg *);

enum vu_result vu_set_vring_num(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_addr(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_base(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_get_vring_base(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_kick(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_call(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_err(struct vu_dev *, struct vu_msg *, struct vu_msg *);
enum vu_result vu_set_vring_enable(struct vu_dev *, struct vu_msg *, struct vu_msg *);

/* Shared by the handlers (vu_dev.c). */

/* One error line: "<iface>: <request>: <what>". */
void vu_log_err(const struct vu_dev *dev, const struct vu_msg *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The interface's fds in the vault, under the keys of vault_keys.h; all
 * skip silently with no vault. vu_vault_put deposits fd under k;
 * vu_vault_drop withdraws k, or every key under a prefix kind. */
void vu_vault_put(struct vu_dev *dev, int fd, struct vsw_key k);
void vu_vault_drop(struct vu_dev *dev, struct vsw_key k);

/* Puts fd (or nothing, when -1) in *slot and under the vault key k,
 * closing the fd it replaces after withdrawing it. */
void vu_replace_fd(struct vu_dev *dev, int *slot, int fd, struct vsw_key k);

/* Pauses every vring of the device (vring_handshake.h): 0 once all are
 * paused, -1 while an owner has not acknowledged (edit nothing then; the
 * pauses stay asked). Releases them all. */
int vu_pause_all(struct vu_dev *dev);
void vu_release_all(struct vu_dev *dev);

/* Clears the negotiated device state: stops the rings, withdraws and closes
 * every fd the front end handed over. The connection itself and the
 * interface's configuration stay. 0, or -1 (nothing changed but the pause
 * requests) while a ring's owner has not acknowledged its pause. */
int vu_dev_reset(struct vu_dev *dev);

/* Do [a, a + a_size) and [b, b + b_size) share a byte? Either may end at
 * 2^64 exactly. */
int vu_ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size);

/* vu_translate.c: translates a front-end user address range to
 * guest-physical through the memory table: 0, or -1 when no single region
 * holds it. */
int vu_uva_to_gpa(const struct vsw_mem_table *m, uint64_t uva, uint64_t len, uint64_t *gpa);
/* Recomputes vring q's guest-physical ring addresses from its user
 * addresses (ring paused); logs, clears VSW_VRING_ADDR_SET and returns -1
 * when a ring lies outside guest memory. */
int vu_vring_translate(struct vu_dev *dev, const struct vu_msg *msg, unsigned q);
/* A ring's three areas: user addresses in, guest-physical ones out. */
struct vu_ring_addrs {
        uint64_t desc_user_addr, avail_user_addr, used_user_addr;
        uint64_t desc_gpa, avail_gpa, used_gpa;
};
/* Translates the three ring areas for a ring of num entries (sizes as in
 * the virtio spec, event-index words included; num 0: just the start);
 * logs and returns -1 when one lies outside guest memory. */
int vu_ring_translate(struct vu_dev *dev, const struct vu_msg *msg, unsigned q, uint32_t num,
                      struct vu_ring_addrs *a);

/* Replaces the reply's payload with a u64. */
void vu_reply_u64(struct vu_msg *reply, uint64_t v);

/* Features the interface offers: supported & its feature_mask. */
uint64_t vu_offered_features(const struct vu_dev *dev);
int vu_has_protocol_feature(const struct vu_dev *dev, unsigned bit);

#endif
