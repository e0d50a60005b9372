#!/usr/bin/env python3
"""Generate antleak's benchmark corpus: a synthetic, code-like source tree with planted keys.

    python3 bench/gen_corpus.py [--out DIR] [--seed N] [--files N] [--size-mb N] [--commits N]

Everything is synthesized from the vocabulary below and a seeded RNG (Python stdlib only), so
the same arguments always give the same bytes, the same commit ids and the same manifest.

The tree: --files files (default 5000) of Python, Rust, JS/TS, Go, Markdown, JSON, YAML and
TOML in nested directories, about --size-mb MB (default 50) in total, plus a few minified
bundles (lines of hundreds of KB) and a few binary files (.pyc, .sqlite, .png with NUL bytes).

Planted: Anthropic API keys (api03) and admin keys (admin01) of the exact shape, built at run
time from the RNG (the script holds no key literal), in source files, a JSON config, a minified
bundle, a binary file and a committed `.env`; decoys that must NOT be reported (placeholders,
an all-X body, wrong lengths); an ignored directory (`.gitignore`) holding a key, which is
neither tracked nor expected.

Git (--commits N, default 1): the tree is committed with `git fast-import` with fixed authors
and dates, so commit ids repeat. With N >= 10 the history has N commits on main that add,
modify and delete files, keys that were committed and later deleted (a whole file, a single
line, a `.env.production`), a side branch with a key of its own, annotated tags, and a
lightweight tag on a commit that no branch contains (it holds a key too). --commits 0: a plain
directory, no git.

Manifest (default: DIR.manifest.json, outside the tree): one entry per planted key with its
sha256 fingerprint (lowercase hex of the whole key, as antleak reports it), rule, path, line,
and whether `scan` (at HEAD) and `history` (any commit) are expected to report it; plus the
fingerprints of the decoys and the committed .env paths. The keys themselves are not written.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys

# ---------------------------------------------------------------------------------------------
# vocabulary

NOUNS = """account action adapter address agent alert archive array asset audit backend balance
batch bucket buffer build bundle cache call channel chunk claim client cluster codec column
command config connection consumer context cursor customer dataset deadline decoder delta
device digest document domain driver encoder endpoint engine entry event export feature field
filter flag frame gateway graph group handler header health index invoice item job journal key
label layer ledger limit listener loader lock logger manifest mapper message metric model
module monitor node notice offset option order owner packet page parser partition patch
payload peer pipeline plan policy pool port prompt provider proxy query queue quota range
reader record region registry release replica report request resolver resource response
result retry route rule runner sample schema scope segment selector session shard signal
snapshot socket source span spec stage state status store stream subscriber summary table
task template tenant thread ticket timer token trace tracker transaction transport tree
upload usage user value vector version view volume watcher window worker workspace""".split()
VERBS = """add apply build check clear close collect commit compute connect convert copy create
decode delete deliver detect drain emit encode ensure fetch filter find flush format get
handle init insert load lookup merge migrate normalize notify open parse patch poll prepare
process publish push read refresh register reload remove render replace reset resolve restore
retry route run save scan schedule select send serialize set shutdown sort split start stop
store submit sync track transform trim update upload validate verify wait walk watch write""".split()
ADJS = """active async base batch cached current default dirty empty external final global
hidden inner internal last latest legacy local main max min native next old open pending
primary private public raw ready remote safe shared short single stale static strict
temp total unique valid""".split()
WORDS = """the a of to and in for is on that with as this it be by are from at or an can not
will when if each all new one more may should must only any we use returns value values given
before after while until then otherwise because so also which into out over under between
first second every other same such than without""".split()
TYPES_RS = ["u8", "u32", "u64", "usize", "i64", "f64", "bool", "String", "&str", "Vec<u8>",
            "Option<String>", "Result<(), Error>", "HashMap<String, u64>", "Arc<Mutex<State>>"]
TYPES_GO = ["int", "int64", "string", "bool", "[]byte", "error", "float64", "time.Duration",
            "map[string]int", "*Config", "context.Context"]
TYPES_TS = ["string", "number", "boolean", "string[]", "Record<string, number>", "Promise<void>",
            "unknown", "Date", "Map<string, Item>"]

LANG_WEIGHTS = [("py", 25), ("rs", 15), ("js", 12), ("ts", 12), ("go", 10), ("md", 8),
                ("json", 8), ("yaml", 6), ("toml", 4)]
TOP_DIRS = {"src": "rs", "crates": "rs", "services": "go", "cmd": "go", "internal": "go",
            "packages": "ts", "web": "js", "app": "py", "lib": "py", "scripts": "py",
            "tests": "py", "docs": "md", "config": "yaml", "deploy": "yaml", "tools": None}

# Built by concatenation so this file never holds a key prefix of the full shape.
PREFIX = "sk-" + "ant-"
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
# antleak treats bodies containing these as documentation placeholders; real keys never do.
PLACEHOLDER_WORDS = ["xxxxxx", "your_key", "your-key", "yourkey", "your_api", "your-api",
                     "yourapi", "example", "replace", "placeholder", "redacted", "insert",
                     "actual", "secret", "changeme"]


class Gen:
    """All randomness flows through one seeded RNG, consumed in a fixed order."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    # -- small pieces ---------------------------------------------------------------------
    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def snake(self, n=None):
        n = n or self.r.choice((1, 2, 2, 3))
        parts = [self.pick(VERBS)] if self.r.random() < 0.4 else []
        parts += [self.pick(ADJS if self.r.random() < 0.3 else NOUNS) for _ in range(n - len(parts) or 1)]
        return "_".join(parts)

    def camel(self):
        s = self.snake().split("_")
        return s[0] + "".join(w.title() for w in s[1:])

    def pascal(self):
        return "".join(w.title() for w in self.snake().split("_"))

    def sentence(self, lo=4, hi=14):
        ws = [self.pick(WORDS) if self.r.random() < 0.45 else self.pick(NOUNS + VERBS + ADJS)
              for _ in range(self.r.randint(lo, hi))]
        return " ".join(ws).capitalize()

    def string_lit(self):
        k = self.r.random()
        if k < 0.3:
            return self.snake()
        if k < 0.5:
            return "/api/v%d/%s/%s" % (self.r.randint(1, 3), self.pick(NOUNS), self.pick(NOUNS))
        if k < 0.6:
            return "%s.%s.internal:%d" % (self.pick(NOUNS), self.pick(NOUNS), self.r.randint(1024, 9999))
        return self.sentence(2, 7)

    def number(self):
        return str(self.r.choice((0, 1, 2, 8, 16, 32, 64, 100, 256, 1000, 1024, 4096, 30000,
                                  self.r.randint(3, 99999))))

    def key(self, kind):
        while True:
            body = "".join(self.r.choice(KEY_ALPHABET) for _ in range(93)) + "AA"
            low = body.lower()
            if not any(w in low for w in PLACEHOLDER_WORDS) and len(set(body)) >= 12:
                return PREFIX + kind + "-" + body

    # -- languages: each returns a list of lines of about `size` bytes ------------------------
    def lines(self, lang, size):
        out, n = [], 0
        header = getattr(self, "head_" + lang, None)
        if header:
            for line in header():
                out.append(line)
                n += len(line) + 1
        block = getattr(self, "block_" + lang)
        while n < size:
            for line in block():
                out.append(line)
                n += len(line) + 1
        return out

    def head_py(self):
        yield '"""%s."""' % self.sentence()
        for _ in range(self.r.randint(2, 6)):
            if self.r.random() < 0.5:
                yield "import %s" % self.pick(["os", "sys", "json", "time", "re", "logging", "typing", "asyncio", "hashlib"])
            else:
                yield "from %s.%s import %s" % (self.pick(NOUNS), self.pick(NOUNS), self.pascal())
        yield ""

    def block_py(self):
        r = self.r
        if r.random() < 0.2:
            cls = self.pascal()
            yield ""
            yield "class %s(%s):" % (cls, self.pick(["object", "Base" + self.pick(NOUNS).title(), "Exception", "dict"]))
            yield '    """%s."""' % self.sentence()
            yield ""
            indent = "    "
            yield indent + "def __init__(self, %s=None):" % self.snake(1)
            for _ in range(r.randint(1, 4)):
                yield indent + "    self.%s = %s" % (self.snake(), self.pick(["None", "[]", "{}", self.number(), repr(self.string_lit())]))
        else:
            indent = ""
        args = ", ".join(self.snake(1) for _ in range(r.randint(0, 4)))
        yield ""
        yield indent + "def %s(%s):" % (self.snake(), ("self, " if indent else "") + args if (indent or args) else "")
        if r.random() < 0.6:
            yield indent + '    """%s."""' % self.sentence()
        for _ in range(r.randint(2, 12)):
            k = r.random()
            v = self.snake(1)
            if k < 0.25:
                yield indent + "    %s = %s(%s)" % (v, self.snake(), ", ".join(self.snake(1) for _ in range(r.randint(0, 3))))
            elif k < 0.4:
                yield indent + "    if %s %s %s:" % (v, self.pick(["is", "==", ">", "<", "in"]), self.pick(["None", self.number(), repr(self.string_lit())]))
                yield indent + "        return %s" % self.pick(["None", "False", "True", v, repr(self.string_lit())])
            elif k < 0.5:
                yield indent + "    for %s in %s:" % (v, self.snake())
                yield indent + "        %s.%s(%s)" % (self.snake(1), self.snake(), v)
            elif k < 0.6:
                yield indent + "    # %s" % self.sentence()
            elif k < 0.7:
                yield indent + '    log.%s("%s: %%s", %s)' % (self.pick(["info", "debug", "warning"]), self.sentence(2, 6), v)
            else:
                yield indent + "    %s[%r] = %s" % (self.snake(1), self.string_lit(), self.number())
        yield indent + "    return %s" % self.snake(1)

    def head_rs(self):
        yield "//! %s." % self.sentence()
        yield ""
        for _ in range(self.r.randint(2, 5)):
            yield "use %s::%s::%s;" % (self.pick(["crate", "std", "super", "serde", "anyhow", "tokio"]), self.snake(1), self.pascal())
        yield ""

    def block_rs(self):
        r = self.r
        if r.random() < 0.25:
            name = self.pascal()
            yield "/// %s." % self.sentence()
            yield "#[derive(Debug, Clone%s)]" % self.pick(["", ", PartialEq", ", Default", ", Serialize, Deserialize"])
            yield "pub struct %s {" % name
            for _ in range(r.randint(1, 6)):
                yield "    pub %s: %s," % (self.snake(), self.pick(TYPES_RS))
            yield "}"
            yield ""
            yield "impl %s {" % name
            ind = "    "
        else:
            ind = ""
        yield ind + "/// %s." % self.sentence()
        args = ", ".join("%s: %s" % (self.snake(1), self.pick(TYPES_RS)) for _ in range(r.randint(0, 3)))
        yield ind + "pub fn %s(%s) -> %s {" % (self.snake(), ("&self, " if ind else "") + args, self.pick(TYPES_RS))
        for _ in range(r.randint(2, 10)):
            k = r.random()
            v = self.snake(1)
            if k < 0.3:
                yield ind + "    let %s = %s(%s)?;" % (v, self.snake(), ", ".join("&" + self.snake(1) for _ in range(r.randint(0, 2))))
            elif k < 0.45:
                yield ind + "    if %s.%s() {" % (v, self.pick(["is_empty", "is_some", "is_ok", "is_none"]))
                yield ind + '        return Err(anyhow!("%s"));' % self.sentence(2, 6).lower()
                yield ind + "    }"
            elif k < 0.6:
                yield ind + "    match %s {" % v
                for _ in range(r.randint(2, 4)):
                    yield ind + "        %s::%s => %s," % (self.pascal(), self.pascal(), self.number())
                yield ind + "        _ => {}"
                yield ind + "    }"
            elif k < 0.7:
                yield ind + "    // %s" % self.sentence()
            else:
                yield ind + '    self.%s.insert("%s".to_string(), %s);' % (self.snake(1), self.snake(), self.number())
        yield ind + "    Ok(%s)" % self.snake(1)
        yield ind + "}"
        if ind:
            yield "}"
        yield ""

    def block_js(self, ts=False):
        r = self.r
        k = r.random()
        if k < 0.15:
            yield "import { %s } from '%s';" % (", ".join(self.camel() for _ in range(r.randint(1, 3))), "./" + self.snake(1))
            return
        if ts and k < 0.3:
            yield "export interface %s {" % self.pascal()
            for _ in range(r.randint(2, 6)):
                yield "  %s%s: %s;" % (self.camel(), self.pick(["", "?"]), self.pick(TYPES_TS))
            yield "}"
            yield ""
            return
        args = ", ".join(self.camel() + ((": " + self.pick(TYPES_TS)) if ts else "") for _ in range(r.randint(0, 3)))
        yield "/** %s. */" % self.sentence()
        yield "export %sfunction %s(%s)%s {" % (self.pick(["", "async "]), self.camel(), args, (": " + self.pick(TYPES_TS)) if ts else "")
        for _ in range(r.randint(2, 10)):
            k = r.random()
            v = self.camel()
            if k < 0.3:
                yield "  const %s = %s%s(%s);" % (v, self.pick(["", "await "]), self.camel(), ", ".join(self.camel() for _ in range(r.randint(0, 2))))
            elif k < 0.45:
                yield "  if (!%s) {" % v
                yield "    throw new Error('%s');" % self.sentence(2, 6).lower()
                yield "  }"
            elif k < 0.55:
                yield "  // %s" % self.sentence()
            elif k < 0.7:
                yield "  %s.%s = { %s: '%s', %s: %s };" % (self.camel(), self.camel(), self.camel(), self.string_lit(), self.camel(), self.number())
            else:
                yield "  for (const %s of %s) %s.push(%s);" % (v, self.camel(), self.camel(), v)
        yield "  return %s;" % self.camel()
        yield "}"
        yield ""

    def block_ts(self):
        return self.block_js(ts=True)

    def head_go(self):
        yield "// Package %s %s." % (self.pick(NOUNS), self.sentence().lower())
        yield "package %s" % self.pick(NOUNS)
        yield ""
        yield "import ("
        for _ in range(self.r.randint(2, 5)):
            yield '\t"%s"' % self.pick(["context", "fmt", "errors", "net/http", "strings", "sync", "time", "encoding/json"])
        yield ")"
        yield ""

    def block_go(self):
        r = self.r
        if r.random() < 0.25:
            yield "// %s %s." % (self.pascal(), self.sentence().lower())
            yield "type %s struct {" % self.pascal()
            for _ in range(r.randint(2, 6)):
                yield "\t%s %s `json:\"%s\"`" % (self.pascal(), self.pick(TYPES_GO), self.snake())
            yield "}"
            yield ""
        name = self.pascal()
        yield "// %s %s." % (name, self.sentence().lower())
        yield "func %s(%s) (%s, error) {" % (name, ", ".join("%s %s" % (self.camel(), self.pick(TYPES_GO)) for _ in range(r.randint(0, 3))), self.pick(TYPES_GO))
        for _ in range(r.randint(2, 9)):
            k = r.random()
            v = self.camel()
            if k < 0.4:
                yield "\t%s, err := %s(%s)" % (v, self.camel(), "ctx" if r.random() < 0.5 else "")
                yield "\tif err != nil {"
                yield '\t\treturn nil, fmt.Errorf("%s: %%w", err)' % self.sentence(2, 5).lower()
                yield "\t}"
            elif k < 0.55:
                yield "\t// %s" % self.sentence()
            else:
                yield '\t%s.%s("%s", %s)' % (self.camel(), self.pascal(), self.string_lit(), self.number())
        yield "\treturn %s, nil" % self.camel()
        yield "}"
        yield ""

    def head_md(self):
        yield "# %s" % self.sentence(2, 5)
        yield ""

    def block_md(self):
        r = self.r
        k = r.random()
        if k < 0.2:
            yield "## %s" % self.sentence(2, 5)
            yield ""
        elif k < 0.35:
            yield "```%s" % self.pick(["bash", "python", "rust", "json"])
            for _ in range(r.randint(1, 5)):
                yield "%s %s --%s %s" % (self.pick(NOUNS), self.pick(VERBS), self.snake(1), self.number())
            yield "```"
            yield ""
        elif k < 0.5:
            for _ in range(r.randint(2, 5)):
                yield "- %s." % self.sentence(3, 10)
            yield ""
        else:
            yield " ".join(self.sentence() + "." for _ in range(r.randint(2, 5)))
            yield ""

    def json_value(self, depth):
        r = self.r
        k = r.random()
        if depth > 3 or k < 0.5:
            return self.pick([self.string_lit(), int(self.number()), True, False, None, r.random()])
        if k < 0.75:
            return [self.json_value(depth + 1) for _ in range(r.randint(1, 4))]
        return {self.camel(): self.json_value(depth + 1) for _ in range(r.randint(1, 5))}

    def json_text(self, size):
        items, n = [], 0
        while n < size:
            obj = {self.camel(): self.json_value(1) for _ in range(self.r.randint(2, 6))}
            items.append(obj)
            n += len(json.dumps(obj)) * 1.6
        return json.dumps({"version": 1, "name": self.snake(), "items": items}, indent=2)

    def block_yaml(self):
        r = self.r
        yield "%s:" % self.snake()
        for _ in range(r.randint(1, 6)):
            if r.random() < 0.3:
                yield "  %s:" % self.snake(1)
                for _ in range(r.randint(1, 3)):
                    yield "    - %s" % self.string_lit()
            else:
                yield "  %s: %s" % (self.snake(1), self.pick([self.number(), "true", "false", '"%s"' % self.string_lit()]))
        if r.random() < 0.2:
            yield "# %s" % self.sentence()

    def block_toml(self):
        r = self.r
        yield ""
        yield "[%s]" % ".".join(self.snake(1) for _ in range(r.randint(1, 2)))
        for _ in range(r.randint(1, 6)):
            yield '%s = %s' % (self.snake(), self.pick([self.number(), "true", '"%s"' % self.string_lit(), '["%s", "%s"]' % (self.snake(1), self.snake(1))]))

    def text(self, lang, size):
        if lang == "json":
            return self.json_text(size) + "\n"
        return "\n".join(self.lines(lang, size)) + "\n"

    def minified(self, size):
        """A JS bundle: a handful of lines, each hundreds of KB long."""
        parts, n = ["!function(e){"], 0
        while n < size:
            a, b = self.camel()[:3], self.camel()[:2]
            p = self.pick([
                'var %s=function(t,n){return t.%s(n)||"%s"};' % (a, self.camel(), self.string_lit()),
                '%s.%s=%s;' % (b, self.camel(), self.number()),
                'if(!%s)throw new Error("%s");' % (a, self.sentence(2, 5).lower()),
                'e.exports={%s:%s,%s:"%s"};' % (self.camel(), a, self.camel(), self.string_lit()),
                'for(var %s=0;%s<%s.length;%s++)%s(%s[%s]);' % (b, b, a, b, self.camel(), a, b),
            ])
            parts.append(p)
            n += len(p)
            if self.r.random() < 0.00004:
                parts.append("}(window);\n!function(e){")
        parts.append("}(window);\n")
        return "".join(parts)

    def binary(self, kind, size):
        r = self.r
        head = {"pyc": b"\x6f\x0d\x0d\x0a\x00\x00\x00\x00", "sqlite": b"SQLite format 3\x00",
                "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}[kind]
        out = bytearray(head)
        while len(out) < size:
            if r.random() < 0.3:
                out += (self.snake() + "\x00" + self.string_lit()).encode() + b"\x00" * r.randint(1, 8)
            else:
                out += r.getrandbits(8 * 64).to_bytes(64, "little")
        return bytes(out[:size])


# ---------------------------------------------------------------------------------------------
# tree layout

def make_dirs(g, n):
    dirs = []
    for top, lang in TOP_DIRS.items():
        dirs.append((top, lang))
    while len(dirs) < n:
        parent, lang = g.pick(dirs)
        if parent.count("/") >= 5:
            continue
        name = g.pick(NOUNS) if g.r.random() < 0.8 else g.snake(2)
        d = parent + "/" + name
        if all(d != x for x, _ in dirs):
            dirs.append((d, lang))
    return dirs


def weighted_lang(g):
    total = sum(w for _, w in LANG_WEIGHTS)
    x = g.r.uniform(0, total)
    for lang, w in LANG_WEIGHTS:
        x -= w
        if x <= 0:
            return lang
    return LANG_WEIGHTS[-1][0]


def build_tree(g, nfiles, size_bytes):
    """Returns {path: bytes} for the tracked tree (planted keys excluded) and the set of paths
    that history may rewrite (text files only)."""
    dirs = make_dirs(g, max(20, nfiles // 12))
    nbundle, nbinary = 4, 12
    ntext = max(1, nfiles - nbundle - nbinary - 10)
    bundle_budget = size_bytes * 0.06
    binary_budget = size_bytes * 0.03
    text_budget = size_bytes - bundle_budget - binary_budget
    weights = [g.r.lognormvariate(0, 1.3) for _ in range(ntext)]
    scale = text_budget / sum(weights)
    files, editable = {}, []

    def new_path(d, stem, ext):
        p = "%s/%s.%s" % (d, stem, ext)
        while p in files:
            p = "%s/%s_%d.%s" % (d, stem, g.r.randint(2, 99), ext)
        return p

    for w in weights:
        d, dlang = g.pick(dirs)
        lang = dlang if dlang and g.r.random() < 0.7 else weighted_lang(g)
        size = max(120, int(w * scale))
        if lang == "md" and g.r.random() < 0.3:
            stem = "README"
        else:
            stem = g.snake(g.r.choice((1, 2)))
        p = new_path(d, stem, lang)
        files[p] = g.text(lang, size).encode()
        editable.append(p)
    for i in range(nbundle):
        p = new_path(g.pick(["web/dist", "web/static/js", "packages/ui/dist"]), "bundle.%s.min" % format(g.r.getrandbits(32), "08x"), "js")
        files[p] = g.minified(int(bundle_budget / nbundle)).encode()
    for i in range(nbinary):
        kind = ["pyc", "sqlite", "png"][i % 3]
        d = {"pyc": "app/__pycache__", "sqlite": "tests/fixtures/db", "png": "docs/img"}[kind]
        stem = g.snake(1) + (".cpython-312" if kind == "pyc" else "")
        p = new_path(d, stem, kind)
        files[p] = g.binary(kind, int(binary_budget / nbinary * g.r.uniform(0.5, 1.5)))
    return files, editable


# ---------------------------------------------------------------------------------------------
# planting

class Plants:
    def __init__(self, g):
        self.g = g
        self.keys = []      # manifest entries
        self.decoys = []    # decoy strings (fingerprints go to the manifest)

    def key(self, kind, path, content, where, scan=True, history=True, note=""):
        """Inserts a fresh key into `content` (str) at line index `where` via a template; returns
        the new content."""
        k = self.g.key(kind)
        lines = content.split("\n")
        where = min(where, max(0, len(lines) - 1))
        ext = path.rsplit(".", 1)[-1]
        tmpl = {
            "py": 'ANTHROPIC_API_KEY = "%s"',
            "rs": 'const API_KEY: &str = "%s";',
            "js": "const apiKey = '%s';",
            "ts": "export const ANTHROPIC_KEY: string = '%s';",
            "go": '\tapiKey := "%s"',
            "yaml": '  anthropic_api_key: "%s"',
            "md": "    export ANTHROPIC_API_KEY=%s",
            "toml": 'api_key = "%s"',
        }.get(ext, "key=%s")
        lines.insert(where, tmpl % k)
        self.record(k, kind, path, where + 1, scan, history, note)
        return "\n".join(lines)

    def record(self, k, kind, path, line, scan, history, note=""):
        self.keys.append({
            "fingerprint": hashlib.sha256(k.encode()).hexdigest(),
            "rule": {"api03": "anthropic-api-key", "admin01": "anthropic-admin-key"}[kind],
            "path": path, "line": line, "expect_scan": scan, "expect_history": history,
            "note": note,
        })

    def decoy_lines(self):
        x = self.g.key("api03")
        body = x[len(PREFIX + "api03-"):]
        decoys = [
            PREFIX + "api03-...",
            PREFIX + "api03-" + "X" * 93 + "AA",
            PREFIX + "api03-your-key-here",
            PREFIX + "admin01-<YOUR_ADMIN_KEY>",
            PREFIX + "api03-" + body[:-3] + "AA",                 # 92 characters + AA
            PREFIX + "api03-" + body[:-2] + "AB",                 # does not end in AA
            PREFIX + "api03-" + body[:40] + "EXAMPLE" + body[47:],  # placeholder word
            PREFIX + "api03-" + ("abcdefgh" * 12)[:93] + "AA",    # periodic
        ]
        self.decoys += decoys
        return decoys


def plant(g, files, editable, plants):
    """Plants keys and decoys into the HEAD tree; returns the planted paths (kept out of history
    rewrites) and the ignored files (written to disk, never committed)."""
    text_by_ext = {}
    for p in editable:
        text_by_ext.setdefault(p.rsplit(".", 1)[-1], []).append(p)
    touched = []

    def into(ext, kind, note):
        cands = [p for p in text_by_ext[ext] if p not in touched]
        p = g.pick(cands)
        s = files[p].decode()
        s = plants.key(kind, p, s, g.r.randint(0, s.count("\n")), note=note)
        files[p] = s.encode()
        touched.append(p)

    into("py", "api03", "python source")
    into("ts", "api03", "typescript source")
    into("go", "admin01", "go source")
    into("yaml", "api03", "yaml config")
    into("rs", "admin01", "rust source")
    into("md", "api03", "docs snippet")

    # a JSON config, minified style: the key glued to its quotes
    k = g.key("api03")
    p = "config/providers.json"
    files[p] = (json.dumps({"providers": {"anthropic": {"apiKey": k, "model": g.snake(), "timeoutMs": 30000}}}, indent=2) + "\n").encode()
    plants.record(k, "api03", p, 4, True, True, "json config")
    touched.append(p)

    # a minified bundle: the key deep inside a very long line
    p = sorted(x for x in files if x.endswith(".min.js"))[1]
    s = files[p].decode()
    cut = s.index(";", len(s) // 2) + 1
    k = g.key("api03")
    files[p] = (s[:cut] + 'var Kx={headers:{"x-api-key":"%s"}};' % k + s[cut:]).encode()
    plants.record(k, "api03", p, s[:cut].count("\n") + 1, True, True, "minified bundle")
    touched.append(p)

    # a binary file (SQLite page with NUL bytes around the key)
    p = sorted(x for x in files if x.endswith(".sqlite"))[0]
    b = files[p]
    k = g.key("admin01")
    cut = len(b) // 3
    files[p] = b[:cut] + b"\x00\x00\x01settings\x00anthropic\x00" + k.encode() + b"\x00\x00" + b[cut:]
    plants.record(k, "admin01", p, b[:cut].count(b"\n") + 1, True, True, "binary (sqlite)")
    touched.append(p)

    # the committed .env, and a committed .env without a key
    k = g.key("api03")
    env = "# local settings\nDATABASE_URL=postgres://app:app@localhost:5432/%s\nANTHROPIC_API_KEY=%s\nLOG_LEVEL=debug\n" % (g.pick(NOUNS), k)
    files[".env"] = env.encode()
    plants.record(k, "api03", ".env", 3, True, True, "committed .env")
    files["services/worker/.env"] = b"QUEUE_URL=redis://localhost:6379/0\nWORKERS=4\n"
    files[".env.example"] = ("ANTHROPIC_API_KEY=%s\nDATABASE_URL=\n" % (PREFIX + "api03-...")).encode()
    touched += [".env", "services/worker/.env", ".env.example"]

    # decoys, in the root README and a docs page
    decoys = plants.decoy_lines()
    readme = "# %s\n\n%s.\n\n## Configuration\n\nSet your key:\n\n```bash\n" % (g.sentence(2, 4), g.sentence())
    readme += "".join("export ANTHROPIC_API_KEY=%s\n" % d for d in decoys[:4]) + "```\n\n"
    readme += "Keys look like `%s` and are %d characters long.\n" % (decoys[0], len(PREFIX + "api03-") + 95)
    files["README.md"] = readme.encode()
    files["docs/security/keys.md"] = ("# Key formats\n\n" + "".join("- `%s`\n" % d for d in decoys[4:])).encode()
    touched += ["README.md", "docs/security/keys.md"]

    files[".gitignore"] = b"target/\nnode_modules/\n.cache/\n*.log\n.env.local\n"
    touched.append(".gitignore")

    # ignored on disk: a build cache holding a key, and some node_modules bulk
    ignored = {}
    k = g.key("api03")
    ignored[".cache/dev/session.json"] = (json.dumps({"anthropic": {"key": k}}, indent=2) + "\n").encode()
    plants.record(k, "api03", ".cache/dev/session.json", 3, False, False, "ignored by .gitignore, untracked")
    for i in range(20):
        ignored["node_modules/%s/index.js" % g.snake(1)] = g.text("js", 20000).encode()
    return touched, ignored


# ---------------------------------------------------------------------------------------------
# git history via fast-import

class Stream:
    def __init__(self, pipe):
        self.w = pipe
        self.mark = 0

    def data(self, b):
        self.w.write(b"data %d\n" % len(b))
        self.w.write(b)
        self.w.write(b"\n")

    def commit(self, ref, when, author, msg, parent, changes):
        self.mark += 1
        name, email = author
        self.w.write(b"commit %s\nmark :%d\n" % (ref.encode(), self.mark))
        for role in (b"author", b"committer"):
            self.w.write(b"%s %s <%s> %d +0000\n" % (role, name.encode(), email.encode(), when))
        self.data(msg.encode())
        if parent:
            self.w.write(b"from :%d\n" % parent)
        for op in changes:
            if op[0] == "M":
                self.w.write(b"M 100644 inline %s\n" % op[1].encode())
                self.data(op[2])
            else:
                self.w.write(b"D %s\n" % op[1].encode())
        self.w.write(b"\n")
        return self.mark

    def tag(self, name, target, when, msg):
        self.w.write(b"tag %s\nfrom :%d\ntagger Release Bot <release@example.invalid> %d +0000\n" % (name.encode(), target, when))
        self.data(msg.encode())


AUTHORS = [("Ada Park", "ada@example.invalid"), ("Bo Lindqvist", "bo@example.invalid"),
           ("Chidi Okafor", "chidi@example.invalid"), ("Dana Reyes", "dana@example.invalid")]
T0 = 1_672_531_200  # 2023-01-01T00:00:00Z


def variant(g, content):
    """An older version of a text file: a block of lines dropped or rewritten."""
    lines = content.split(b"\n")
    if len(lines) < 4:
        return content + b"\n"
    i = g.r.randrange(len(lines))
    j = min(len(lines), i + g.r.randint(1, max(1, len(lines) // 5)))
    new = [("# " + g.sentence()).encode() for _ in range(g.r.randint(0, 4))]
    return b"\n".join(lines[:i] + new + lines[j:])


def build_history(g, out, files, editable, planted, ncommits, plants):
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
    fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE, env=env)
    s = Stream(fi.stdin)
    paths = sorted(files)
    n = max(1, ncommits)

    def msg():
        return "%s %s %s\n" % (g.pick(VERBS).title(), g.pick(ADJS), g.pick(NOUNS))

    if n < 10:
        # spread the files evenly over n commits
        buckets = [[] for _ in range(n)]
        for i, p in enumerate(paths):
            buckets[i % n if n > 1 else 0].append(p)
        parent = None
        for c in range(n):
            parent = s.commit("refs/heads/main", T0 + c * 3600, AUTHORS[c % len(AUTHORS)],
                              "Import snapshot\n" if c == 0 else msg(), parent,
                              [("M", p, files[p]) for p in buckets[c]])
    else:
        plan = {c: [] for c in range(n)}
        edit = set(editable) - set(planted)
        for p in paths:
            a = 0 if g.r.random() < 0.5 or p in planted else g.r.randrange(1, n)
            mods = sorted(g.r.sample(range(a + 1, n), min(n - a - 1, g.r.choice((1, 1, 2, 3))))) \
                if p in edit and a < n - 1 and g.r.random() < 0.35 else []
            if mods:
                plan[a].append(("M", p, "variant"))
                for m in mods[:-1]:
                    plan[m].append(("M", p, "variant"))
                plan[mods[-1]].append(("M", p, None))
            else:
                plan[a].append(("M", p, None))
        # history-only keys on main: a file added then deleted, a line added then removed,
        # a .env.production committed then removed
        c1, c2 = n // 10, (4 * n) // 10
        k1 = g.key("api03")
        old_cfg = "app/settings_legacy.py"
        plan[c1].append(("M", old_cfg, ('"""Legacy settings."""\nDEBUG = True\nANTHROPIC_API_KEY = "%s"\n' % k1).encode()))
        plan[c2].append(("D", old_cfg))
        plants.record(k1, "api03", old_cfg, 3, False, True, "added then file deleted")
        first = sorted(op[1] for op in plan[0] if op[1] in edit and op[1].endswith(".py"))
        host = first[len(first) // 2]
        c3 = (2 * n) // 10
        base = files[host].decode()
        k2 = g.key("api03")
        plan[c3].append(("M", host, (base.split("\n", 1)[0] + '\nclient = Anthropic(api_key="%s")\n' % k2 + base.split("\n", 1)[1]).encode()))
        plan[c3 + 1].append(("M", host, files[host]))
        plants.record(k2, "api03", host, 2, False, True, "line added then removed")
        # the host must not be rewritten by the plan in between
        for c in range(c3, c3 + 2):
            plan[c] = [op for op in plan[c] if not (op[1] == host and op[2] in (None, "variant"))]
        for c in range(c3 + 2, n):
            plan[c] = [op for op in plan[c] if not (op[1] == host and op[2] == "variant")]
        k3 = g.key("admin01")
        c4 = (3 * n) // 10
        plan[c4].append(("M", ".env.production", ("ANTHROPIC_ADMIN_KEY=%s\n" % k3).encode()))
        plan[c4 + 1].append(("D", ".env.production"))
        plants.record(k3, "admin01", ".env.production", 1, False, True, "committed .env.production, then deleted")
        # temporary files that come and go
        for c in range(1, n - 2, 7):
            t = "scratch/%s.md" % g.snake(2)
            plan[c].append(("M", t, g.text("md", 3000).encode()))
            plan[c + 2].append(("D", t))

        marks = {}
        parent = None
        side_at, tag_at = (6 * n) // 10, (3 * n) // 10
        for c in range(n):
            changes = []
            for op in plan[c]:
                if op[0] == "D":
                    changes.append(op)
                else:
                    changes.append(("M", op[1], variant(g, files[op[1]]) if op[2] == "variant" else (op[2] or files[op[1]])))
            parent = s.commit("refs/heads/main", T0 + c * 3600 * 7, AUTHORS[c % len(AUTHORS)],
                              "Initial import\n" if c == 0 else msg(), parent, changes)
            marks[c] = parent
        for i, c in enumerate((n // 4, n // 2, (3 * n) // 4)):
            s.tag("v0.%d.0" % (i + 1), marks[c], T0 + c * 3600 * 7 + 60, "Release 0.%d.0\n" % (i + 1))
        # side branch with its own key
        k4 = g.key("api03")
        p = s.commit("refs/heads/feature/billing-sync", T0 + side_at * 3600 * 7 + 300, AUTHORS[1], "Start billing sync\n",
                     marks[side_at], [("M", "services/billing/sync.go", g.text("go", 4000).encode())])
        body = g.text("go", 3000)
        p = s.commit("refs/heads/feature/billing-sync", T0 + side_at * 3600 * 7 + 600, AUTHORS[1], "Wire the summarizer\n",
                     p, [("M", "services/billing/summarize.go", ('package billing\n\nconst anthropicKey = "%s"\n\n' % k4 + body).encode())])
        plants.record(k4, "api03", "services/billing/summarize.go", 3, False, True, "side branch only")
        s.commit("refs/heads/feature/billing-sync", T0 + side_at * 3600 * 7 + 900, AUTHORS[1], "Tidy\n",
                 p, [("M", "services/billing/sync.go", g.text("go", 4200).encode())])
        # a commit reachable only from a lightweight tag
        k5 = g.key("admin01")
        s.commit("refs/tags/archive/prompt-eval", T0 + tag_at * 3600 * 7 + 900, AUTHORS[2], "Prompt eval experiment\n",
                 marks[tag_at], [("M", "experiments/prompt_eval.py", ('ADMIN_KEY = "%s"\n' % k5).encode() + g.text("py", 2000).encode())])
        plants.record(k5, "admin01", "experiments/prompt_eval.py", 1, False, True, "only reachable from a lightweight tag")
    fi.stdin.write(b"done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/antleak-bench/corpus")
    ap.add_argument("--manifest", help="default: OUT.manifest.json")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--size-mb", type=float, default=50)
    ap.add_argument("--commits", type=int, default=1, help="0: no git; 1: one commit; >= 10: a history")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    manifest = a.manifest or out.rstrip("/") + ".manifest.json"
    if os.path.exists(out):
        if not a.force:
            sys.exit("%s exists (use --force to replace it)" % out)
        shutil.rmtree(out)

    g = Gen(a.seed)
    files, editable = build_tree(g, a.files, int(a.size_mb * 1e6))
    plants = Plants(g)
    planted, ignored = plant(g, files, editable, plants)

    if a.commits > 0:
        build_history(g, out, files, editable, set(planted), a.commits, plants)
    for p, b in list(files.items()) + list(ignored.items()):
        fp = os.path.join(out, p)
        os.makedirs(os.path.dirname(fp), exist_ok=True)
        with open(fp, "wb") as f:
            f.write(b)
    if a.commits > 0:
        subprocess.run(["git", "-C", out, "reset", "-q"], check=True)           # index = HEAD
        subprocess.run(["git", "-C", out, "update-index", "-q", "--refresh"], check=False)
        dirty = subprocess.run(["git", "-C", out, "status", "--porcelain"], capture_output=True, text=True).stdout
        if dirty.strip():
            sys.exit("work tree differs from HEAD:\n" + dirty[:2000])
    else:
        for k in plants.keys:   # no git: .gitignore means nothing, every key on disk is found
            k["expect_scan"] = k["expect_scan"] or k["path"] in ignored

    with open(manifest, "w") as f:
        json.dump({
            "seed": a.seed, "files": len(files), "ignored_files": len(ignored),
            "bytes": sum(len(b) for b in files.values()), "commits": a.commits, "git": a.commits > 0,
            "keys": plants.keys,
            "decoys": [hashlib.sha256(d.encode()).hexdigest() for d in plants.decoys],
            "dotenv_committed": [".env", "services/worker/.env"] if a.commits > 0 else [],
        }, f, indent=2)
        f.write("\n")
    print("corpus %s: %d files, %.1f MB, %d keys planted (%d at HEAD), %d decoys; manifest %s" % (
        out, len(files), sum(len(b) for b in files.values()) / 1e6, len(plants.keys),
        sum(k["expect_scan"] for k in plants.keys), len(plants.decoys), manifest), file=sys.stderr)


if __name__ == "__main__":
    main()
