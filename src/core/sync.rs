//! The one answer to a poisoned lock: take the data anyway.
//!
//! A lock is poisoned when a worker panicked while holding it. The panic
//! itself ends the run (rayon and `thread::scope` re-raise it), so all a
//! poisoned lock can do is turn one panic into two; the data behind antleak's
//! locks (lists that workers append to, a repository handle) stays valid.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
