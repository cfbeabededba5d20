//! How long each phase of a build took, printed on stderr when the environment variable
//! `GUIDE_TIMINGS` is set (for measuring; see `docs/ARCHITECTURE.md`). Each line gives the
//! phase that just ended, its wall time and the time since the first mark.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// When the first mark was made and when the last one was.
static MARKS: OnceLock<Option<Mutex<(Instant, Instant)>>> = OnceLock::new();

/// Ends the phase `name`: prints its time when `GUIDE_TIMINGS` is set, does nothing otherwise.
pub fn mark(name: &str) {
    let marks = MARKS.get_or_init(|| {
        std::env::var_os("GUIDE_TIMINGS").map(|_| Mutex::new((Instant::now(), Instant::now())))
    });
    let Some(marks) = marks else {
        return;
    };
    let mut marks = marks.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    eprintln!(
        "[timings] {name}: {:.1} ms (at {:.1} ms)",
        (now - marks.1).as_secs_f64() * 1000.0,
        (now - marks.0).as_secs_f64() * 1000.0
    );
    marks.1 = now;
}
