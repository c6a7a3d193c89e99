//! The one place the crate's synchronization primitives come from.
//!
//! Ordinary builds use `std` and the crate's spin lock (`src/lock.rs`);
//! `RUSTFLAGS="--cfg loom"` swaps in loom's model-checked versions, so the loom suite
//! (`tests/loom.rs`) explores every interleaving of the very channel code that ships.
//!
//! Under loom the channel lock is loom's `Mutex`: a model thread blocked on it is simply
//! not scheduled, where a spin lock would multiply the interleavings to explore past
//! loom's limits. The spin lock, and the parker the blocking calls wait on, are
//! model-checked on their own, by the loom tests in `src/lock.rs` and `src/blocking.rs`
//! (`cargo test --lib` under `--cfg loom`); the parker also runs in every channel model
//! that blocks.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc,
};

#[cfg(not(loom))]
pub(crate) use crate::lock::{Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard,
};

/// Locks a channel.
#[cfg(not(loom))]
#[inline]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock()
}

/// Locks a channel, ignoring poison like the spin lock it stands for: the only user code
/// the crate runs while holding a channel lock is a waker's `wake_by_ref`, once the state
/// is fully updated, so a panic can't leave the state half-updated.
#[cfg(loom)]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
