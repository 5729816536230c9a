/* Printers of `show runtime`, `show interface rx-placement` and `set
 * rx-placement rebalance`. The derived figures (frames per poll, clocks
 * per frame, idle share) are computed here from the counts the reply
 * carries, so -j gives both. */
#include <inttypes.h>

#include "ctl.h"
#include "ctl_json.h"

static double ratio(uint64_t a, uint64_t b)
{
        return b ? (double)a / (double)b : 0.0;
}

static void text_counts(FILE *out, const char *label, const Vsw__RuntimeCounts *c, uint64_t hz)
{
        fprintf(out,
                "  %-11s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %9.2f %9.1f %6.1f%% %9.3f\n",
                label, c->polls, c->frames_in, c->frames_out, ratio(c->frames_in, c->polls),
                ratio(c->busy_cycles, c->frames_in), 100.0 * ratio(c->idle_polls, c->polls),
                ratio(c->cycles, hz));
}

static void json_counts(struct ctl_json *j, const char *key, const Vsw__RuntimeCounts *c,
                        uint64_t hz)
{
        ctl_json_obj_begin(j, key);
        ctl_json_u64(j, "polls", c->polls);
        ctl_json_u64(j, "idle_polls", c->idle_polls);
        ctl_json_u64(j, "frames_in", c->frames_in);
        ctl_json_u64(j, "frames_out", c->frames_out);
        ctl_json_u64(j, "cycles", c->cycles);
        ctl_json_u64(j, "busy_cycles", c->busy_cycles);
        ctl_json_u64(j, "frames_direct", c->frames_direct);
        ctl_json_f64(j, "frames_per_poll", ratio(c->frames_in, c->polls));
        ctl_json_f64(j, "clocks_per_frame", ratio(c->busy_cycles, c->frames_in));
        ctl_json_f64(j, "idle_share", ratio(c->idle_polls, c->polls));
        ctl_json_f64(j, "seconds", ratio(c->cycles, hz));
        ctl_json_obj_end(j);
}

static void text_queues(FILE *out, const Vsw__ShowRuntimeReply *r)
{
        fprintf(out, "%-24s %5s %6s %6s %16s %7s\n", "interface", "queue", "worker", "pinned",
                "busy-cycles", "share");
        for (size_t i = 0; i < r->n_queues; i++) {
                const Vsw__QueueRuntime *q = r->queues[i];
                char worker[16] = "-";

                if (q->has_worker)
                        snprintf(worker, sizeof(worker), "%u", q->worker);
                fprintf(out, "%-24s %5u %6s %6s %16" PRIu64 " %6.1f%%\n", q->name, q->queue, worker,
                        q->pinned ? "yes" : "no", q->busy_cycles, 100.0 * q->share);
        }
}

static void json_queues(struct ctl_json *j, const Vsw__ShowRuntimeReply *r)
{
        ctl_json_arr_begin(j, "queues");
        for (size_t i = 0; i < r->n_queues; i++) {
                const Vsw__QueueRuntime *q = r->queues[i];

                ctl_json_obj_begin(j, NULL);
                ctl_json_str(j, "name", q->name);
                ctl_json_u64(j, "sw_if_index", q->sw_if_index);
                ctl_json_u64(j, "queue", q->queue);
                if (q->has_worker)
                        ctl_json_u64(j, "worker", q->worker);
                else
                        ctl_json_null(j, "worker");
                ctl_json_bool(j, "pinned", q->pinned);
                ctl_json_u64(j, "busy_cycles", q->busy_cycles);
                ctl_json_f64(j, "share", q->share);
                ctl_json_obj_end(j);
        }
        ctl_json_arr_end(j);
}

int ctl_print_runtime(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__ShowRuntimeReply *r = rep->runtime;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_RUNTIME)
                return -1;
        if (!json) {
                if (r->has_since_clear_s)
                        fprintf(out, "cleared %.1f s ago; ", r->since_clear_s);
                fprintf(out, "TSC %.3f GHz; rx-placement %s\n", (double)r->tsc_hz / 1e9,
                        r->rx_placement);
                for (size_t i = 0; i < r->n_workers; i++) {
                        const Vsw__WorkerRuntime *w = r->workers[i];

                        fprintf(out, "worker %u (lcore %u, %s)\n", w->worker, w->lcore, w->state);
                        fprintf(out, "  %-11s %14s %14s %14s %9s %9s %7s %9s\n", "", "polls",
                                "frames-in", "frames-out", "fr/poll", "clk/frame", "idle",
                                "seconds");
                        text_counts(out, "since start", w->since_start, r->tsc_hz);
                        text_counts(out, "since clear", w->since_clear, r->tsc_hz);
                }
                text_queues(out, r);
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_u64(&j, "tsc_hz", r->tsc_hz);
        if (r->has_since_clear_s)
                ctl_json_f64(&j, "since_clear_s", r->since_clear_s);
        else
                ctl_json_null(&j, "since_clear_s");
        ctl_json_str(&j, "rx_placement", r->rx_placement);
        ctl_json_arr_begin(&j, "workers");
        for (size_t i = 0; i < r->n_workers; i++) {
                const Vsw__WorkerRuntime *w = r->workers[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_u64(&j, "worker", w->worker);
                ctl_json_u64(&j, "lcore", w->lcore);
                ctl_json_str(&j, "state", w->state);
                json_counts(&j, "since_start", w->since_start, r->tsc_hz);
                json_counts(&j, "since_clear", w->since_clear, r->tsc_hz);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        json_queues(&j, r);
        ctl_json_obj_end(&j);
        return 0;
}

int ctl_print_rebalance(const Vsw__Reply *rep, FILE *out, int json)
{
        const Vsw__RebalanceReply *r = rep->rebalance;
        struct ctl_json j;

        if (rep->body_case != VSW__REPLY__BODY_REBALANCE)
                return -1;
        if (!json) {
                if (r->n_moves == 0)
                        fprintf(out, "rebalanced by %s: nothing moved\n", r->rx_placement);
                for (size_t i = 0; i < r->n_moves; i++) {
                        const Vsw__RxPlacementMove *m = r->moves[i];

                        fprintf(out, "%s queue %u: worker %u -> %u (%" PRIu64 " busy cycles)\n",
                                m->name, m->queue, m->from, m->to, m->busy_cycles);
                }
                return 0;
        }
        ctl_json_init(&j, out);
        ctl_json_obj_begin(&j, NULL);
        ctl_json_str(&j, "rx_placement", r->rx_placement);
        ctl_json_arr_begin(&j, "moves");
        for (size_t i = 0; i < r->n_moves; i++) {
                const Vsw__RxPlacementMove *m = r->moves[i];

                ctl_json_obj_begin(&j, NULL);
                ctl_json_str(&j, "name", m->name);
                ctl_json_u64(&j, "queue", m->queue);
                ctl_json_u64(&j, "from", m->from);
                ctl_json_u64(&j, "to", m->to);
                ctl_json_u64(&j, "busy_cycles", m->busy_cycles);
                ctl_json_obj_end(&j);
        }
        ctl_json_arr_end(&j);
        ctl_json_obj_end(&j);
        return 0;
}
