#!/usr/bin/env bash
# Builds the vhost-user fuzz target with libFuzzer + ASan + UBSan and runs it
# for 60 s on a generated seed corpus. Usage: run.sh SRC_DIR OUT_DIR
set -euo pipefail
src=${1:?usage: run.sh SRC_DIR OUT_DIR}
out=${2:?usage: run.sh SRC_DIR OUT_DIR}
mkdir -p "$out/corpus"

c=$src/control
clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$src/shared" -I"$c" \
	"$src/tests/fuzz/fuzz_vhost_user.c" \
	"$c/vu_msg.c" "$c/vu_dev.c" "$c/vu_features.c" "$c/vu_handlers_dev.c" \
	"$c/vu_handlers_mem.c" "$c/vu_handlers_vring.c" "$c/vring_handshake.c" \
	"$src/shared/log.c" "$src/shared/vault_client.c" "$src/shared/vsw_state.c" \
	-lpthread -o "$out/fuzz_vhost_user"

python3 "$src/tests/fuzz/gen_corpus.py" "$out/seeds"
cd "$out"
exec ./fuzz_vhost_user -max_total_time=60 -rss_limit_mb=2048 -print_final_stats=1 \
	corpus seeds
