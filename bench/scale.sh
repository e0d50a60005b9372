#!/usr/bin/env bash
# Scale check: antleak's peak memory must not grow with the number of files
# (scan) or blobs (history) beyond the blob index. Builds the release binary,
# generates a small and a 10x larger corpus of each kind (bench/scale.py),
# and prints wall time, peak RSS and the two planted keys found.
#
#   bash bench/scale.sh [--out DIR]        (default /tmp/antleak-scale; needs GNU time)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${2:-/tmp/antleak-scale}
BIN=$(dirname "$HERE")/target/release/antleak
(cd "$(dirname "$HERE")" && cargo build --release --quiet)
mkdir -p "$OUT"

measure() {  # LABEL CMD...
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/time" "$@" > "$OUT/report.json" || true
  read -r wall rss < <(tail -1 "$OUT/time")
  found=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$OUT/report.json")
  printf '%-28s %8.2f s %8.1f MB   findings %s\n' "$label" "$wall" "$(python3 -c "print($rss / 1024)")" "$found"
}

for n in 20000 200000; do
  [ -d "$OUT/tree-$n" ] || python3 "$HERE/scale.py" tree --out "$OUT/tree-$n" --files "$n"
  measure "scan, $n files" "$BIN" scan "$OUT/tree-$n" --format json
done
for n in 100000 1000000; do
  [ -d "$OUT/blobs-$n" ] || python3 "$HERE/scale.py" blobs --out "$OUT/blobs-$n" --blobs "$n"
  measure "history, $n blobs" "$BIN" history --repo "$OUT/blobs-$n" --format json
done
