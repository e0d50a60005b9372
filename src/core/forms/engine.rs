//! Walks one blob through its forms. A *file* (the blob, an archive member,
//! a gzip's content) is either an archive, expanded member by member, or
//! text: scanned plain, and around each literal hit decoded into a *view*
//! that is walked the same way; a key found in a view is placed back at the
//! characters that encode it in the file. Large files stream through in
//! overlapping windows. Every expansion is metered against the [`Limits`].

use std::cell::{Cell, RefCell};
use std::io::{self, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::archive::{self, Kind, Metered};
use super::literals::{self, Form};
use super::{Detection, Found, Limits, Step, Unexpanded, b64, units};
use crate::core::browser_access;
use crate::core::finding::Secret;
use crate::core::rules::RuleId;
use crate::core::scanner;

/// Bytes of a stream held at a time.
pub(super) const WINDOW: usize = 8 << 20;
/// What each window hands on to the next (from a line start when there is
/// one): more than any encoded key, wrapped and indented, takes.
const MARGIN: usize = 16 << 10;

/// The state of one walk, shared by every level of it.
struct Ctx<'l> {
    limits: &'l Limits,
    inflated: Cell<u64>,
    members: Cell<u64>,
    /// Member path and steps of the file being walked.
    path: RefCell<Vec<String>>,
    steps: RefCell<Vec<Step>>,
    out: RefCell<Detection>,
}

/// A key found in a view, not yet placed in a file.
struct Pending {
    offset: usize,
    rule: RuleId,
    secret: Secret,
    encoding: Vec<Step>,
    public_variable: Option<String>,
}

/// A key placed in the file being walked, at `offset` of it.
struct Placed {
    offset: usize,
    found: Found,
}

pub fn detect(bytes: &[u8], limits: &Limits) -> Detection {
    let ctx = Ctx::new(limits);
    let placed = file(&ctx, bytes, 0, true);
    ctx.push(placed.into_iter().map(|p| p.found));
    if archive::sniff(bytes).is_none() {
        ctx.out.borrow_mut().signals = browser_access::find(bytes);
    }
    ctx.finish(bytes.len() as u64)
}

pub fn detect_reader(
    reader: impl Read,
    limits: &Limits,
    buf: &mut Vec<u8>,
) -> io::Result<Detection> {
    let ctx = Ctx::new(limits);
    let read = Cell::new(0);
    let error = RefCell::new(None);
    let reader = Recording {
        inner: reader,
        read: &read,
        error: &error,
    };
    stream(&ctx, &mut { reader }, 0, buf)?;
    match error.into_inner() {
        Some(err) => Err(err),
        None => Ok(ctx.finish(read.get())),
    }
}

impl<'l> Ctx<'l> {
    fn new(limits: &'l Limits) -> Ctx<'l> {
        Ctx {
            limits,
            inflated: Cell::new(0),
            members: Cell::new(0),
            path: RefCell::default(),
            steps: RefCell::default(),
            out: RefCell::default(),
        }
    }

    fn push(&self, found: impl IntoIterator<Item = Found>) {
        self.out.borrow_mut().matches.extend(found);
    }

    fn finish(self, bytes: u64) -> Detection {
        let mut out = self.out.into_inner();
        out.matches
            .sort_by(|a, b| (&a.member, a.line, a.column).cmp(&(&b.member, b.line, b.column)));
        out.bytes = bytes;
        out
    }

    /// Notes that `limit` stopped an expansion in the file being walked.
    fn unexpanded(&self, limit: &'static str, detail: impl FnOnce() -> String) {
        let mut out = self.out.borrow_mut();
        match out.unexpanded.iter_mut().find(|u| u.limit == limit) {
            Some(u) => u.count += 1,
            None => out.unexpanded.push(Unexpanded {
                member: self.path.borrow().clone(),
                limit,
                detail: detail(),
                count: 1,
            }),
        }
    }

    /// Whether a file at `depth` may be decoded further; notes it if not.
    fn may_enter(&self, depth: u32, step: Step) -> bool {
        let ok = depth < self.limits.max_depth;
        if !ok {
            self.unexpanded("max_depth", || {
                format!(
                    "{} nested {depth} steps deep was not decoded",
                    step.as_str()
                )
            });
        }
        ok
    }
}

/// Placed keys of a file held whole; keys in its members are pushed.
fn file(ctx: &Ctx, bytes: &[u8], depth: u32, archives: bool) -> Vec<Placed> {
    if archives
        && let Some(kind) = archive::sniff(bytes)
        && ctx.may_enter(depth, kind.step())
    {
        let expanded = match kind {
            Kind::Gzip => gzip(ctx, &mut { bytes }, depth),
            Kind::Zip => zip(ctx, bytes, depth),
            Kind::Tar => tar(ctx, &mut { bytes }, depth),
        };
        if expanded {
            return Vec::new();
        }
    }
    place(ctx, bytes, text(ctx, bytes, depth))
}

/// Keys in text `bytes`: plain, and in the views decoded around each hit.
fn text(ctx: &Ctx, bytes: &[u8], depth: u32) -> Vec<Pending> {
    let mut out = Vec::new();
    let mut plain_done = false;
    let mut b64_done: Vec<b64::Decoded> = Vec::new();
    let mut units_done: Vec<(Step, usize, usize)> = Vec::new();
    for hit in literals::hits(bytes) {
        // Hits come in order: a run that ended before this one covers no
        // later hit (so these lists stay a few entries long).
        b64_done.retain(|d| d.end() > hit.start);
        units_done.retain(|&(_, _, end)| end > hit.start);
        match hit.form {
            Form::Plain if !plain_done => {
                plain_done = true;
                let plain = scanner::scan_honouring(bytes, ctx.limits.inline_allow);
                out.extend(plain.into_iter().map(|m| Pending {
                    offset: m.offset,
                    rule: m.rule,
                    secret: m.secret,
                    encoding: Vec::new(),
                    public_variable: m.public_variable,
                }));
            }
            Form::Plain => {}
            Form::Base64 { phase } => {
                if b64_done.iter().any(|d| d.covers(hit.start, phase)) {
                    continue;
                }
                if let Some(mut d) = b64::decode_at(bytes, hit.start, phase) {
                    let view = std::mem::take(&mut d.bytes);
                    view_of(ctx, &view, depth, Step::Base64, |i| d.origin(i), &mut out);
                    b64_done.push(d);
                }
            }
            Form::Hex | Form::Utf16 => {
                // A later hit in a decoded run is covered: on the same grid
                // for hex; for UTF-16 the run fixes the byte order.
                let covered = |step: Step| {
                    units_done.iter().any(|&(s, start, end)| {
                        s == step
                            && (start..end).contains(&hit.start)
                            && (step != Step::Hex || (hit.start - start) % 2 == 0)
                    })
                };
                let decoded = match hit.form {
                    Form::Hex if !covered(Step::Hex) => units::hex_at(bytes, hit.start),
                    Form::Utf16 if !covered(Step::Utf16Le) && !covered(Step::Utf16Be) => {
                        units::utf16_at(bytes, hit.start)
                    }
                    _ => None,
                };
                if let Some(u) = decoded {
                    view_of(ctx, &u.bytes, depth, u.step, |i| u.origin(i), &mut out);
                    units_done.push((u.step, u.origin(0), u.end()));
                }
            }
        }
    }
    out
}

/// Walks a decoded view and takes its keys back to the encoding text.
fn view_of(
    ctx: &Ctx,
    view: &[u8],
    depth: u32,
    step: Step,
    origin: impl Fn(usize) -> usize,
    out: &mut Vec<Pending>,
) {
    if !ctx.may_enter(depth, step) {
        return;
    }
    out.extend(text(ctx, view, depth + 1).into_iter().map(|mut p| {
        p.offset = origin(p.offset);
        p.encoding.insert(0, step);
        p
    }));
}

/// Gives each pending key its line and column in the file `bytes`; drops
/// a decoded one whose line carries the allow marker.
fn place(ctx: &Ctx, bytes: &[u8], mut pending: Vec<Pending>) -> Vec<Placed> {
    pending.sort_by_key(|p| p.offset);
    let (mut counted, mut line, mut line_start) = (0, 1u64, 0);
    let mut placed = Vec::with_capacity(pending.len());
    for p in pending {
        let fresh = &bytes[counted..p.offset];
        line += memchr::memchr_iter(b'\n', fresh).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', fresh) {
            line_start = counted + i + 1;
        }
        counted = p.offset;
        if ctx.limits.inline_allow
            && !p.encoding.is_empty()
            && scanner::line_has_allow_marker(bytes, line_start)
        {
            continue;
        }
        let mut encoding = ctx.steps.borrow().clone();
        encoding.extend(p.encoding);
        placed.push(Placed {
            offset: p.offset,
            found: Found {
                rule: p.rule,
                secret: p.secret,
                member: ctx.path.borrow().clone(),
                encoding,
                line,
                column: (p.offset - line_start + 1) as u64,
                offset: p.offset as u64,
                public_variable: p.public_variable,
            },
        });
    }
    placed
}

/// Walks everything `reader` yields as one file, a window at a time, and
/// pushes its keys with line and column relative to the whole of it. An
/// archive at its start is expanded: whole if it fits in a window, else
/// streamed (gzip, tar) or read whole up to `max_archive_bytes` (zip).
fn stream(ctx: &Ctx, reader: &mut dyn Read, depth: u32, buf: &mut Vec<u8>) -> io::Result<()> {
    // Bytes, newlines before buf[0], and how far into its line buf[0] sits.
    let (mut before, mut lines_before, mut column_before) = (0u64, 0u64, 0u64);
    let mut first = true;
    buf.clear();
    loop {
        let wanted = WINDOW.saturating_sub(buf.len()) as u64;
        let read = reader.take(wanted).read_to_end(buf)? as u64;
        let mut at_end = read < wanted;
        if std::mem::take(&mut first)
            && let Some(kind) = archive::sniff(buf)
            && ctx.may_enter(depth, kind.step())
        {
            if at_end {
                let placed = file(ctx, buf, depth, true);
                ctx.push(placed.into_iter().map(|p| p.found));
                return Ok(());
            }
            let head = Cursor::new(std::mem::take(buf));
            match kind {
                Kind::Gzip => {
                    gzip(ctx, &mut head.chain(reader), depth);
                    return Ok(());
                }
                Kind::Tar => {
                    tar(ctx, &mut head.chain(reader), depth);
                    return Ok(());
                }
                Kind::Zip => {
                    *buf = head.into_inner();
                    let max = ctx.limits.max_archive_bytes;
                    let more = max.saturating_sub(buf.len() as u64) + 1;
                    reader.take(more).read_to_end(buf)?;
                    if buf.len() as u64 <= max {
                        let placed = file(ctx, buf, depth, true);
                        ctx.push(placed.into_iter().map(|p| p.found));
                        return Ok(());
                    }
                    ctx.unexpanded("max_archive_bytes", || {
                        format!(
                            "a zip larger than {} MiB was scanned as raw bytes",
                            max >> 20
                        )
                    });
                    at_end = false;
                }
            }
        }
        let settled = if at_end {
            buf.len()
        } else {
            let cut = buf.len().saturating_sub(MARGIN);
            memchr::memrchr(b'\n', &buf[..cut]).map_or(cut, |i| i + 1)
        };
        if depth == 0 {
            let signals = browser_access::find(buf).into_iter();
            let mut signals: Vec<_> = signals.filter(|s| s.offset < settled).collect();
            for s in &mut signals {
                if s.line == 1 {
                    s.column += column_before;
                }
                s.line += lines_before;
                s.offset += before as usize;
            }
            ctx.out.borrow_mut().signals.extend(signals);
        }
        let placed = file(ctx, buf, depth, false);
        ctx.push(placed.into_iter().filter(|p| p.offset < settled).map(|p| {
            let mut found = p.found;
            if found.line == 1 {
                found.column += column_before;
            }
            found.line += lines_before;
            found.offset += before;
            found
        }));
        if at_end {
            return Ok(());
        }
        let done = &buf[..settled];
        lines_before += memchr::memchr_iter(b'\n', done).count() as u64;
        column_before = match memchr::memrchr(b'\n', done) {
            Some(i) => (settled - i - 1) as u64,
            None => column_before + settled as u64,
        };
        before += settled as u64;
        buf.drain(..settled);
    }
}

/// Streams a gzip's content as one file (sniffed: it is one).
fn gzip(ctx: &Ctx, reader: &mut dyn Read, depth: u32) -> bool {
    ctx.steps.borrow_mut().push(Step::Gzip);
    metered(ctx, &mut MultiGzDecoder::new(reader), depth + 1, true);
    ctx.steps.borrow_mut().pop();
    true
}

/// Expands every file of a zip; `false` if it does not open as one.
fn zip(ctx: &Ctx, bytes: &[u8], depth: u32) -> bool {
    let Ok(mut zip) = ::zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    ctx.steps.borrow_mut().push(Step::Zip);
    for i in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(i) else {
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_or_else(|_| format!("#{i}"), |n| n.into_owned());
        let compressed = entry.compression() != ::zip::CompressionMethod::Stored;
        if !member(ctx, name, &mut entry, depth + 1, compressed) {
            break;
        }
    }
    ctx.steps.borrow_mut().pop();
    true
}

/// Expands every regular file of a tar (sniffed: its first header holds).
/// A corrupt header ends it: the members before it were walked.
fn tar(ctx: &Ctx, reader: &mut dyn Read, depth: u32) -> bool {
    let mut tar = ::tar::Archive::new(reader);
    let Ok(entries) = tar.entries() else {
        return false;
    };
    ctx.steps.borrow_mut().push(Step::Tar);
    for entry in entries {
        let Ok(mut entry) = entry else {
            break;
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !member(ctx, name, &mut entry, depth + 1, false) {
            break;
        }
    }
    ctx.steps.borrow_mut().pop();
    true
}

/// Walks one archive member as a file; `false` once `max_archive_members`
/// is reached (the archive's other members are not expanded).
fn member(ctx: &Ctx, name: String, reader: &mut dyn Read, depth: u32, compressed: bool) -> bool {
    let max = ctx.limits.max_archive_members;
    if ctx.members.get() >= max {
        ctx.unexpanded("max_archive_members", || {
            format!("members after the first {max} of the blob were not expanded")
        });
        return false;
    }
    ctx.members.set(ctx.members.get() + 1);
    ctx.path.borrow_mut().push(name);
    let path = ctx.path.borrow().clone();
    ctx.out.borrow_mut().members.push(path);
    metered(ctx, reader, depth, compressed);
    ctx.path.borrow_mut().pop();
    true
}

/// Streams decompressed (`compressed`) or stored bytes as one file, the
/// former counted against `max_inflated_bytes`.
fn metered(ctx: &Ctx, reader: &mut dyn Read, depth: u32, compressed: bool) {
    let cut = Cell::new(false);
    let unmetered = Cell::new(0);
    let mut reader = Metered {
        inner: reader,
        used: if compressed {
            &ctx.inflated
        } else {
            &unmetered
        },
        max: if compressed {
            ctx.limits.max_inflated_bytes
        } else {
            u64::MAX
        },
        cut: &cut,
    };
    // Metered never fails: a decompression error ends the member.
    let _ = stream(ctx, &mut reader, depth, &mut Vec::new());
    if cut.get() {
        let max = ctx.limits.max_inflated_bytes;
        ctx.unexpanded("max_inflated_bytes", || {
            format!("decompression stopped after {} MiB", max >> 20)
        });
    }
}

/// The top-level reader: counts what it yields and keeps the first error,
/// which archive readers over it would otherwise take for a corrupt archive.
struct Recording<'a, R> {
    inner: R,
    read: &'a Cell<u64>,
    error: &'a RefCell<Option<io::Error>>,
}

impl<R: Read> Read for Recording<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.read.set(self.read.get() + n as u64);
                Ok(n)
            }
            Err(err) => {
                let copy = io::Error::new(err.kind(), err.to_string());
                self.error.borrow_mut().get_or_insert(copy);
                Err(err)
            }
        }
    }
}
