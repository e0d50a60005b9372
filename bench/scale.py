#!/usr/bin/env python3
"""Scale corpora for antleak: a work tree of many small files, and a history
of many small blobs, each with two planted keys (built at run time).

  scale.py tree  --out DIR --files N     N files of ~100 bytes in dirs of 1,000, committed
  scale.py blobs --out DIR --blobs N     N distinct blobs over N/100 commits (git fast-import)

Deterministic: fixed contents, dates and identities.
"""
import argparse
import os
import random
import subprocess

ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
ENV = dict(os.environ, GIT_AUTHOR_NAME="Scale", GIT_AUTHOR_EMAIL="scale@example.com",
           GIT_COMMITTER_NAME="Scale", GIT_COMMITTER_EMAIL="scale@example.com",
           GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")


def key(seed):
    rng = random.Random(seed)
    return "sk-ant-" + "api03-" + "".join(rng.choice(ALPHA) for _ in range(93)) + "AA"


def git(out, *args, **kw):
    subprocess.run(["git", "-C", out, *args], check=True, env=ENV, **kw)


def tree(out, files):
    os.makedirs(out)
    git(out, "init", "-q", "-b", "main")
    for i in range(files):
        d = os.path.join(out, f"d{i // 1000:04d}")
        if i % 1000 == 0:
            os.makedirs(d)
        text = f"value_{i} = compute({i}, {i * 7 % 13})  # plain line\n"
        if i in (files // 3, 2 * files // 3):
            text += f"KEY = '{key(i)}'\n"
        with open(os.path.join(d, f"f{i:07d}.py"), "w") as f:
            f.write(text)
    git(out, "add", "-A")
    git(out, "commit", "-q", "-m", "tree")


def blobs(out, count):
    os.makedirs(out)
    git(out, "init", "-q", "-b", "main")
    per_commit = 100
    proc = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet"], stdin=subprocess.PIPE, env=ENV)
    w = proc.stdin.write
    for c in range(count // per_commit):
        msg = f"commit {c}".encode()
        w(b"commit refs/heads/main\n")
        w(b"committer Scale <scale@example.com> %d +0000\n" % (1_600_000_000 + c))
        w(b"data %d\n%s\n" % (len(msg), msg))
        for j in range(per_commit):
            i = c * per_commit + j
            body = f"record {i}\n"
            if i in (count // 3, 2 * count // 3):
                body += key(i) + "\n"
            data = body.encode()
            # 1,000 directories of 100 files, rewritten in turn: trees stay small.
            w(b"M 100644 inline d%04d/f%03d.txt\n" % (c % 1000, j))
            w(b"data %d\n%s\n" % (len(data), data))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("fast-import failed")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["tree", "blobs"])
    p.add_argument("--out", required=True)
    p.add_argument("--files", type=int, default=200_000)
    p.add_argument("--blobs", type=int, default=1_000_000)
    a = p.parse_args()
    tree(a.out, a.files) if a.mode == "tree" else blobs(a.out, a.blobs)


if __name__ == "__main__":
    main()
