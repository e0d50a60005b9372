//! A progress line on stderr for scans that take more than about a second:
//! items, bytes and rate, read from the counters the sources already keep.
//!
//! Nothing is drawn when stderr is not a terminal or with `--quiet`, so CI
//! logs and hooks stay clean, and quick scans (the pre-commit hook) never
//! flicker a bar.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::sources::Stats;

/// How long a scan runs before the progress line appears. Overridable through
/// `ANTLEAK_PROGRESS_DELAY_MS` so tests can see it without a slow scan.
const DEFAULT_DELAY: Duration = Duration::from_secs(1);
const REFRESH: Duration = Duration::from_millis(100);

/// Runs `scan`, showing progress from `stats` on stderr while it runs if
/// `wanted` and stderr is a terminal.
pub fn with_progress<T>(stats: &Stats, wanted: bool, scan: impl FnOnce() -> T) -> T {
    if !wanted || !std::io::stderr().is_terminal() {
        return scan();
    }
    let delay = std::env::var("ANTLEAK_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEFAULT_DELAY, Duration::from_millis);
    let (done, finished) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || show(stats, delay, &finished));
        let result = scan();
        // The ticker may already have gone; nothing to tell it then.
        let _ = done.send(());
        result
    })
}

fn show(stats: &Stats, delay: Duration, finished: &mpsc::Receiver<()>) {
    let started = Instant::now();
    // A zero delay (tests) always draws, however fast the scan.
    if !delay.is_zero() && finished.recv_timeout(delay).is_ok() {
        return;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} scanning: {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    loop {
        let files = stats.files.load(Ordering::Relaxed);
        let blobs = stats.blobs.load(Ordering::Relaxed);
        let bytes = stats.bytes.load(Ordering::Relaxed);
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        let (count, noun) = if blobs > 0 {
            (blobs, "blobs")
        } else {
            (files, "files")
        };
        bar.set_message(format!(
            "{count} {noun} · {} · {}/s",
            HumanBytes(bytes),
            HumanBytes((bytes as f64 / seconds) as u64)
        ));
        bar.tick();
        if finished.recv_timeout(REFRESH).is_ok() {
            break;
        }
    }
    bar.finish_and_clear();
}
