#!/usr/bin/env bash
# The logic of antleak's GitHub Action (action.yml), kept in a script so it can
# be run, and tested, outside GitHub Actions (tests/action.rs does).
#
#   github-action.sh install   # puts antleak on PATH (see INPUT_VERSION)
#   github-action.sh scan      # antleak history, SARIF to INPUT_SARIF_FILE
#
# Environment (what GitHub Actions sets, or a test simulates):
#   INPUT_VERSION      ""/"source": build from the action's own source with
#                      `cargo install --locked --path "$GITHUB_ACTION_PATH"`;
#                      "X.Y.Z": download that release's binary and check it
#                      against the release's SHA256SUMS; "installed": use the
#                      antleak already on PATH.
#   INPUT_PATH         repository to scan (default: $GITHUB_WORKSPACE, else .)
#   INPUT_SARIF_FILE   where the SARIF goes (default: antleak.sarif)
#   INPUT_ARGS         extra arguments for `antleak history` (e.g. --baseline F)
#   GITHUB_EVENT_NAME  pull_request / pull_request_target: only the commits of
#                      base.sha..head.sha (read from GITHUB_EVENT_PATH) are
#                      scanned; any other event: the full history
#   GITHUB_OUTPUT      if set, receives range=, sarif-file= and exit-code=
#
# `scan` exits with antleak's code: 0 nothing found, 1 findings, 2 could not
# scan (or an incomplete scan with no finding). On findings it also prints the
# human report (redacted keys and the recovery runbook) to the log.
set -euo pipefail

ANTLEAK=${ANTLEAK:-antleak}

die() {
  echo "::error::antleak action: $*" >&2
  exit 2
}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >> "$GITHUB_OUTPUT"
  fi
}

# Reads .pull_request.<side>.sha from the event payload.
event_sha() {
  local side=$1 file=${GITHUB_EVENT_PATH:-}
  [ -n "$file" ] && [ -f "$file" ] || die "GITHUB_EVENT_PATH does not name a file"
  if command -v jq >/dev/null 2>&1; then
    jq -r ".pull_request.$side.sha // empty" "$file"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; print(((json.load(open(sys.argv[1])).get("pull_request") or {}).get(sys.argv[2]) or {}).get("sha") or "")' "$file" "$side"
  else
    die "reading the pull request needs jq or python3"
  fi
}

# Makes sure a commit is present in the clone, fetching it once if not.
have_commit() {
  local repo=$1 sha=$2
  git -C "$repo" cat-file -e "$sha^{commit}" 2>/dev/null && return 0
  if git -C "$repo" remote get-url origin >/dev/null 2>&1; then
    echo "antleak action: fetching $sha (not in this clone)" >&2
    git -C "$repo" fetch -q --no-tags origin "$sha" 2>/dev/null || true
  fi
  git -C "$repo" cat-file -e "$sha^{commit}" 2>/dev/null \
    || die "commit $sha is not in the clone: check out with fetch-depth: 0"
}

install() {
  local version=${INPUT_VERSION:-}
  case "$version" in
    installed)
      command -v "$ANTLEAK" >/dev/null || die "version: installed, but antleak is not on PATH"
      ;;
    "" | source)
      [ -n "${GITHUB_ACTION_PATH:-}" ] || die "GITHUB_ACTION_PATH is not set"
      cargo install --locked --quiet --path "$GITHUB_ACTION_PATH"
      ;;
    *)
      install_release "${version#v}"
      ;;
  esac
  "$ANTLEAK" --version
}

# The release workflow (.github/workflows/release.yml) attaches
# antleak-<target>.tar.gz (.zip on Windows) and SHA256SUMS to tag vX.Y.Z.
install_release() {
  local version=$1 target ext=tar.gz
  case "${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}" in
    Linux-X64 | Linux-x86_64) target=x86_64-unknown-linux-musl ;;
    Linux-ARM64 | Linux-aarch64) target=aarch64-unknown-linux-musl ;;
    macOS-X64 | Darwin-x86_64) target=x86_64-apple-darwin ;;
    macOS-ARM64 | Darwin-arm64) target=aarch64-apple-darwin ;;
    Windows-X64) target=x86_64-pc-windows-msvc; ext=zip ;;
    *) die "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: use version: source" ;;
  esac
  local repo=${GITHUB_ACTION_REPOSITORY:-}
  [ -n "$repo" ] || die "GITHUB_ACTION_REPOSITORY is not set: use version: source"
  local base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/v$version"
  local dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/antleak-$version
  local asset=antleak-$target.$ext
  mkdir -p "$dir/bin"
  curl -fsSL --retry 3 -o "$dir/$asset" "$base/$asset" || die "could not download $base/$asset"
  curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$base/SHA256SUMS" || die "could not download $base/SHA256SUMS"
  (cd "$dir" && grep " $asset\$" SHA256SUMS | sha256sum -c -) >&2 || die "checksum mismatch for $asset"
  if [ "$ext" = zip ]; then
    unzip -q -o "$dir/$asset" -d "$dir/bin"
  else
    tar -xzf "$dir/$asset" -C "$dir/bin"
  fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir/bin" >> "$GITHUB_PATH"
  fi
  export PATH="$dir/bin:$PATH"
}

scan() {
  local repo=${INPUT_PATH:-${GITHUB_WORKSPACE:-.}}
  local sarif=${INPUT_SARIF_FILE:-antleak.sarif}
  local -a range=() extra=()
  if [ -n "${INPUT_ARGS:-}" ]; then
    # Word-split on purpose: `args: --baseline .antleak-baseline.json`.
    read -r -a extra <<< "$INPUT_ARGS"
  fi
  case "${GITHUB_EVENT_NAME:-}" in
    pull_request | pull_request_target)
      local base head
      base=$(event_sha base)
      head=$(event_sha head)
      [ -n "$base" ] && [ -n "$head" ] || die "the event payload has no pull_request.base.sha / head.sha"
      have_commit "$repo" "$base"
      have_commit "$repo" "$head"
      range=(--range "$base..$head")
      echo "antleak action: pull request, scanning the commits of $base..$head" >&2
      output range "$base..$head"
      ;;
    *)
      echo "antleak action: ${GITHUB_EVENT_NAME:-no} event, scanning the full history" >&2
      output range ""
      ;;
  esac
  local code=0
  # (${a[@]+"${a[@]}"}: an empty array under set -u, in the bash 3.2 of macOS too)
  "$ANTLEAK" history --repo "$repo" ${range[@]+"${range[@]}"} ${extra[@]+"${extra[@]}"} \
    --format sarif --output "$sarif" || code=$?
  output sarif-file "$sarif"
  output exit-code "$code"
  if [ "$code" = 1 ]; then
    # The runbook in the log; SARIF alone shows only the alerts.
    "$ANTLEAK" history --repo "$repo" ${range[@]+"${range[@]}"} ${extra[@]+"${extra[@]}"} --color never --quiet || true
    echo "::error::antleak found leaked credentials or committed .env files (see above; alerts in $sarif)" >&2
  fi
  return "$code"
}

case "${1:-}" in
  install) install ;;
  scan) scan ;;
  *) echo "usage: $0 install|scan" >&2; exit 2 ;;
esac
