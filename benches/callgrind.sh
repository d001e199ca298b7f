#!/bin/sh
# Instructions per bond of one call of the default kernel and of exact mode (benches/exact.rs),
# counted by callgrind, for the one case whose name contains $1:
#   sh benches/callgrind.sh "chunk 65536 x 18 random"
set -eu
cargo bench --bench exact --no-run 2>/dev/null
bin=$(ls -t target/release/deps/exact-* | grep -v '\.d$' | head -1)
out=$(mktemp)
bonds=$(SW_EXACT_ROUNDS=0 SW_EXACT_CASES="$1" valgrind --tool=callgrind \
    --callgrind-out-file="$out" "$bin" --bench 2>/dev/null | sed -n 's/.*: \([0-9]*\) bonds$/\1/p')
count() {
    callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E ":exact::$1 \[" \
        | head -1 | awk '{gsub(",", "", $1); print $1}'
}
d=$(count default_call)
e=$(count exact_call)
rm -f "$out"
awk -v c="$1" -v n="$bonds" -v d="$d" -v e="$e" 'BEGIN {
    printf "%s: %d bonds; instructions per bond: default %.2f, exact %.2f, ratio %.2f\n",
        c, n, d / n, e / n, e / d }'
