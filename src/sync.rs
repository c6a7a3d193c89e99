//! The one place the crate's synchronization primitives come from.
//!
//! Ordinary builds use `std`; `RUSTFLAGS="--cfg loom"` swaps in loom's model-checked
//! versions, so the loom suite (`tests/loom.rs`) explores every interleaving of the very
//! code that ships.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard,
};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard,
};

/// Locks `mutex`, ignoring poison: the crate never runs user code (a value's `Drop`, a
/// waker) while holding a channel lock, so a panic can't leave the state half-updated.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
