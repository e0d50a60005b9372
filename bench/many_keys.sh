#!/usr/bin/env bash
# How the report writers scale with the number of findings: one file holding N distinct
# keys (default 50,000), scanned with --format json and with --format human, times from
# hyperfine (or GNU time), peak RSS from GNU time. Both formats render every finding and its
# runbook; the human one must stay within a small factor of the JSON one.
#
#   bash bench/many_keys.sh [--keys N] [--runs N] [--out DIR] [--bin PATH]
#
# The keys are generated here at run time (no key literal is in this script), random
# bodies of the documented shape.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
KEYS=50000 RUNS=3 OUT=/tmp/antleak-many-keys BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) KEYS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  BIN=$ROOT/target/release/antleak
fi
mkdir -p "$OUT/tree"
python3 - "$OUT/tree/keys.py" "$KEYS" <<'PY'
import random, string, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
alphabet = string.ascii_letters + string.digits + "_-"
prefix = "-".join(["sk", "ant", "api03", ""])
with open(path, "w") as f:
    for i in range(n):
        body = "".join(rng.choice(alphabet) for _ in range(93))
        f.write(f'KEY_{i} = "{prefix}{body}AA"\n')
PY
cd "$OUT/tree"
for format in json human; do
  cmd="$BIN scan . --format $format --color never"
  if command -v hyperfine >/dev/null; then
    hyperfine -i -r "$RUNS" --style none --export-json "$OUT/$format.json" "$cmd" >/dev/null 2>&1
    wall=$(python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$OUT/$format.json")
  else
    start=$(date +%s.%N); $cmd >/dev/null || true; end=$(date +%s.%N)
    wall=$(python3 -c "print('%.3f' % ($end - $start))")
  fi
  /usr/bin/time -f '%M' -o "$OUT/rss" $cmd >/dev/null 2>&1 || true
  echo "$format: $wall s, peak $(( $(tail -1 "$OUT/rss") / 1024 )) MB ($KEYS keys)"
done
