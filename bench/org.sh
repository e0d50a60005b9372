#!/usr/bin/env bash
# An organisation-wide audit against a stand-in of GitHub's REST API on loopback: N
# repositories (default 50) built here with the git CLI, each with a few commits and every
# tenth holding a key, listed by a small Python server whose clone_url are file:// paths.
# Times `antleak history --github-org` with one worker thread and with the default (-j),
# with peak memory from GNU time.
#
#   bash bench/org.sh [--repos N] [--out DIR] [--bin PATH]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
REPOS=50 OUT=/tmp/antleak-org BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repos) REPOS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  BIN=$ROOT/target/release/antleak
fi
rm -rf "$OUT"; mkdir -p "$OUT/repos"
export GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com GIT_COMMITTER_NAME=A GIT_COMMITTER_EMAIL=a@example.com
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
for i in $(seq 1 "$REPOS"); do
  r=$OUT/repos/r$i
  git init -q "$r"
  for c in 1 2 3 4 5; do
    seq 1 2000 | sed "s/^/line $c of repo $i: /" > "$r/file$c.txt"
    if [ $((i % 10)) = 0 ] && [ $c = 3 ]; then
      # A key of the documented shape, generated here (no literal in this script).
      python3 -c "import random,string;r=random.Random($i);print('K = \"'+'-'.join(['sk','ant','api03',''])+''.join(r.choice(string.ascii_letters+string.digits) for _ in range(93))+'AA\"')" >> "$r/file$c.txt"
    fi
    git -C "$r" add -A && git -C "$r" commit -q -m "commit $c"
  done
done
python3 - "$OUT" "$REPOS" > "$OUT/port" <<'PY' &
import http.server, json, sys, socketserver
out, n = sys.argv[1], int(sys.argv[2])
body = json.dumps([{"full_name": f"acme/r{i}", "clone_url": f"file://{out}/repos/r{i}",
                    "fork": False, "archived": False} for i in range(1, n + 1)]).encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
with socketserver.TCPServer(("127.0.0.1", 0), H) as s:
    print(s.server_address[1], flush=True); s.serve_forever()
PY
server=$!
trap 'kill $server' EXIT
sleep 1
api="http://127.0.0.1:$(cat "$OUT/port")"
for threads in 1 ""; do
  opt=${threads:+-j $threads}
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$BIN" history --github-org acme --github-api-url "$api" \
    $opt --format json -o "$OUT/report.json" 2> "$OUT/stderr" || true
  read -r wall rss < <(tail -1 "$OUT/time")
  found=$(python3 -c "import json,sys;r=json.load(open(sys.argv[1]));print(len({f['root'] for f in r['findings']}), r['summary']['complete'])" "$OUT/report.json")
  label="-j ${threads:-default}"
  echo "$label: $wall s, peak $((rss / 1024)) MB; repositories with a key, complete: $found"
done
