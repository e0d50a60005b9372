#!/usr/bin/env bash
# What finding keys in every form (src/core/forms) costs: `antleak scan` of two
# release binaries (before and after a change) over the same generated source
# tree, with hyperfine (wall and user+sys CPU, mean of RUNS after a warmup), and
# each one's time over a 2 MB zip that inflates to 2 GiB of zeros.
#
#   bash bench/forms.sh BEFORE_BIN AFTER_BIN [--runs N] [--out DIR]
#
# The corpus (bench/gen_corpus.py, seed 1, 10,000 files, ~100 MB, no git) and
# the bomb are generated once in DIR (default /tmp/forms-bench). Other jobs on
# the machine add noise: compare figures from one run only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BEFORE=$1 AFTER=$2
shift 2
OUT=/tmp/forms-bench
RUNS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
[ -d "$OUT/corpus" ] ||
  python3 "$HERE/gen_corpus.py" --out "$OUT/corpus" --seed 1 --files 10000 --size-mb 100 --commits 0
[ -f "$OUT/bomb/bomb.zip" ] || { mkdir -p "$OUT/bomb" && python3 - "$OUT/bomb/bomb.zip" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    with z.open('zeros.bin', 'w', force_zip64=True) as f:
        for _ in range(128):
            f.write(b'\0' * (1 << 24))
EOF
}
cd "$OUT/corpus"
hyperfine -i -w 1 -r "$RUNS" --export-json "$OUT/scan.json" \
  -n before "$BEFORE scan . --format json" -n after "$AFTER scan . --format json"
python3 - "$OUT/scan.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
b, a = r["before"], r["after"]
cpu = lambda x: x["user"] + x["system"]
print(f"wall {b['mean']:.3f}s -> {a['mean']:.3f}s ({a['mean'] / b['mean']:.2f}x); "
      f"cpu {cpu(b):.3f}s -> {cpu(a):.3f}s ({cpu(a) / cpu(b):.2f}x)")
EOF
for bin in "$BEFORE" "$AFTER"; do
  /usr/bin/time -f "bomb: $bin %e s wall, %M KB peak RSS" "$bin" scan "$OUT/bomb" --format json >/dev/null || true
done
