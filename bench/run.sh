#!/usr/bin/env bash
# antleak's own benchmark: how fast `antleak scan` reads a ~50 MB, 5,000-file source tree
# compared with the physical floor `rg -c sk-ant-` over the same tree (wall time, CPU time,
# peak RSS), and whether it found every planted key (fingerprints in the JSON report against
# the corpus manifest, no decoy reported). With --history it also times
# `antleak history --repo` against reading every blob once (`git cat-file --batch-all-objects`).
#
#   bash bench/run.sh [--history] [--runs N] [--out DIR]
#
# Builds the release binary, generates the corpus once (bench/gen_corpus.py, seed 1, 300
# commits; kept in DIR, default /tmp/antleak-bench), times with hyperfine (apt-get install -y
# hyperfine; falls back to GNU time over N runs), and measures peak RSS with GNU time (%M).
# Results: printed, and DIR/results.{json,txt}. Other jobs on the machine add noise: compare
# figures from one run only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT=/tmp/antleak-bench
RUNS=10
HISTORY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --history) HISTORY=1; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
CORPUS=$OUT/corpus
MANIFEST=$CORPUS.manifest.json
BIN=$ROOT/target/release/antleak
TIME=/usr/bin/time
mkdir -p "$OUT"

(cd "$ROOT" && cargo build --release --quiet)
[ -d "$CORPUS" ] || python3 "$HERE/gen_corpus.py" --out "$CORPUS" --seed 1 --commits 300
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >/dev/null 2>&1 || true

# name|command pairs, run from inside the corpus
CMDS=("antleak scan|$BIN scan . --format json" "rg sk-ant-|rg -c --hidden -g '!.git' sk-ant-")
if [ "$HISTORY" = 1 ]; then
  if "$BIN" history --repo "$CORPUS" --format json > "$OUT/history.json" 2> "$OUT/history.err" ||
     [ $? = 1 ]; then
    CMDS+=("antleak history|$BIN history --repo . --format json")
  else
    echo "antleak history failed, not timed: $(head -c 300 "$OUT/history.err")" >&2
  fi
  CMDS+=("all blobs|git cat-file --batch-all-objects --batch --unordered | wc -c")
fi

cd "$CORPUS"
: > "$OUT/rows.txt"
for pair in "${CMDS[@]}"; do
  name=${pair%%|*} cmd=${pair#*|}
  # wall and CPU: hyperfine (mean of RUNS after a warmup), else GNU time's median
  if command -v hyperfine >/dev/null; then
    hyperfine -i -w 1 -r "$RUNS" --style none --export-json "$OUT/hf.json" -n "$name" "$cmd" >/dev/null 2>&1
    wall_cpu=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]
print(r["mean"], r["stddev"], r["user"] + r["system"])' "$OUT/hf.json")
  else
    for _ in $(seq "$RUNS"); do $TIME -f '%e %U %S' -a -o "$OUT/t.txt" sh -c "$cmd" >/dev/null || true; done
    wall_cpu=$(python3 -c 'import statistics,sys; rows=[l.split() for l in open(sys.argv[1]) if l[0].isdigit()]
print(statistics.median(float(r[0]) for r in rows), 0, statistics.median(float(r[1])+float(r[2]) for r in rows))' "$OUT/t.txt")
    rm -f "$OUT/t.txt"
  fi
  # peak RSS (KB) of the measured process itself: the max over 3 runs; pipelines run in sh
  rss=0
  for _ in 1 2 3; do
    $TIME -f '%M' -o "$OUT/rss.txt" sh -c "exec $cmd" >/dev/null 2>&1 || true
    rss=$(( $(tail -1 "$OUT/rss.txt") > rss ? $(tail -1 "$OUT/rss.txt") : rss ))
  done
  echo "$name|$wall_cpu|$rss" >> "$OUT/rows.txt"
done

"$BIN" scan . --format json > "$OUT/scan.json" || true
python3 - "$OUT" "$MANIFEST" "$HISTORY" <<'EOF' | tee "$OUT/results.txt"
import json, os, sys
out, manifest, history = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
m = json.load(open(manifest))
rows = [l.rstrip("\n").split("|") for l in open(os.path.join(out, "rows.txt"))]
ref = {"antleak scan": "rg sk-ant-", "antleak history": "all blobs"}
walls = {name: float(wc.split()[0]) for name, wc, _ in rows}
print(f"corpus: {m['files']} files, {m['bytes'] / 1e6:.1f} MB, {m['commits']} commits; {os.cpu_count()} CPUs")
print(f"{'command':<16} {'wall_s':>14} {'cpu_s':>7} {'rss_MB':>7} {'x floor':>8}")
for name, wc, rss in rows:
    wall, sd, cpu = map(float, wc.split())
    x = f"{wall / walls[ref[name]]:.2f}" if ref.get(name) in walls else ""
    print(f"{name:<16} {wall:>7.3f} ±{sd:5.3f} {cpu:>7.3f} {int(rss) / 1024:>7.1f} {x:>8}")

def check(report, field, label):
    r = json.load(open(report))
    got = {f["fingerprint"] for f in r["findings"] if f.get("fingerprint")}
    want = {k["fingerprint"]: k for k in m["keys"] if k[field]}
    missed = [f"{k['path']}:{k['line']} ({k['note']})" for fp, k in want.items() if fp not in got]
    decoys = got & set(m["decoys"])
    unexpected = got - {k["fingerprint"] for k in m["keys"]}
    ok = not missed and not decoys and not unexpected
    print(f"{label}: found {len(want) - len(missed)}/{len(want)} planted keys, "
          f"{len(decoys)} decoys reported, {len(unexpected)} unknown fingerprints -> {'OK' if ok else 'FAIL'}")
    for x in missed:
        print(f"  missed {x}")
    return ok

ok = check(os.path.join(out, "scan.json"), "expect_scan", "scan recall")
if history and any(r[0] == "antleak history" for r in rows):
    ok &= check(os.path.join(out, "history.json"), "expect_history", "history recall")
json.dump({"rows": rows, "ok": ok}, open(os.path.join(out, "results.json"), "w"))
sys.exit(0 if ok else 1)
EOF
