//! The channel lock: a spin lock that yields the core instead of sleeping.
//!
//! Every critical section of a channel is a handful of moves of a value and a waiter (no
//! allocation but amortized queue growth; no user code but one `wake_by_ref`, which only
//! schedules a task), so a lock holder that is running
//! releases the lock within nanoseconds. `std::sync::Mutex` is built for longer sections:
//! once it has spun briefly it puts the thread to sleep in the kernel, and its unlock then
//! makes a system call to wake it. On a channel hammered by several tasks that turned every
//! contended lock into two system calls, and made contended async rows several times
//! slower (`BENCHMARKS.md`, "The measurements behind the code": the spin lock).
//!
//! A waiter backs off exponentially: it looks at the lock, then pauses 1, 2, 4, ... up to
//! 2048 spin-loop hints before it looks again. The long pauses are the point. A channel
//! under load is taken again and again by whichever thread holds its cache lines; a
//! waiter that keeps looking pulls those lines away on every look and slows the holder
//! down, and the two cores end up trading the lock at the cost of a cache miss per
//! operation. A waiter that stays away lets the holder run a burst of operations from its
//! own cache (the classic result for test-and-test-and-set locks: Anderson, 1990). Rows
//! where the lock is contended on almost every operation got faster with the longer
//! pauses, and rows without contention did not change (same section of `BENCHMARKS.md`).
//!
//! A holder that is running releases the lock within a few hundred nanoseconds, so from
//! the fifth look on the waiter also yields its core before each pause: if the holder
//! was preempted (more runnable threads than cores, as when a `block_on` thread selects
//! beside two tokio workers) it gets to run and finish instead of being spun past. Long
//! pauses without those yields made that select fan-in several times slower at
//! capacity 1.
//!
//! This is one of the crate's three homes for `unsafe` code (the others are
//! `src/ring.rs` and `src/select/arena.rs`). Under `cfg(loom)` the same lock is built on
//! loom's atomics and `UnsafeCell`, and the models at the end of this file check that no
//! two holders ever touch the value at once and that each sees the last one's writes.
//! (The channel models in `tests/loom.rs` run on loom's own mutex, see `src/sync.rs`.)

#![allow(unsafe_code)]
// Under loom only the models below use the lock (see `src/sync.rs`).
#![cfg_attr(loom, allow(dead_code))]

use std::ops::{Deref, DerefMut};

use crate::sync::{AtomicBool, Ordering};

/// A mutual-exclusion lock around a `T`. No poisoning: the only user code the channel runs
/// while holding it is a waker's `wake_by_ref`, once the state is fully updated, so a
/// panic can't leave the state half-updated.
pub(crate) struct Mutex<T> {
    locked: AtomicBool,
    value: cell::Cell<T>,
}

// SAFETY: the lock hands out access to the value to one thread at a time (the `locked`
// flag, acquired and released with Acquire/Release ordering), which is exactly what a
// `T: Send` needs to be shared; the same bounds as `std::sync::Mutex`.
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Mutex<T> {}

/// Exclusive access to the value; dropping it releases the lock.
pub(crate) struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    value: cell::Access<T>,
}

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex {
            locked: AtomicBool::new(false),
            value: cell::Cell::new(value),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        MutexGuard {
            mutex: self,
            value: self.value.access(),
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut backoff = Backoff::default();
        loop {
            // Read before writing, so that waiters share the cache line while they wait
            // instead of taking it from each other and from the holder.
            if !self.locked.load(Ordering::Relaxed)
                && self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return;
            }
            backoff.snooze();
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while `locked` is held by this thread, so no
        // other reference to the value exists; `Access` is valid for the guard's life.
        unsafe { self.value.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` makes this the only live borrow.
        unsafe { self.value.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard is being dropped, so this access is never used again.
        unsafe { self.value.end() };
        self.mutex.locked.store(false, Ordering::Release);
    }
}

/// How a waiter for the lock waits: exponentially longer pauses, each after yielding
/// the core once the first few were not enough.
#[derive(Default)]
struct Backoff {
    step: u32,
}

impl Backoff {
    /// The longest pause is `1 << MAX_STEP` spin-loop hints: about 40 µs where one hint
    /// takes 20 ns (a recent Intel core), less on most others.
    #[cfg(not(loom))]
    const MAX_STEP: u32 = 11;
    /// Looks after which the waiter yields before each pause (1 + 2 + 4 + 8 hints, a
    /// few hundred nanoseconds, have passed).
    #[cfg(not(loom))]
    const YIELD_FROM: u32 = 4;

    #[cfg(not(loom))]
    fn snooze(&mut self) {
        if self.step >= Self::YIELD_FROM {
            std::thread::yield_now();
        }
        for _ in 0..1u32 << self.step.min(Self::MAX_STEP) {
            std::hint::spin_loop();
        }
        self.step = self.step.saturating_add(1);
    }

    #[cfg(loom)]
    fn snooze(&mut self) {
        // loom explores spin loops only if they yield to it.
        loom::thread::yield_now();
    }
}

/// The lock's storage: `std`'s `UnsafeCell`, or loom's, which checks each access.
#[cfg(not(loom))]
mod cell {
    pub(super) struct Cell<T>(std::cell::UnsafeCell<T>);

    /// One holder's access to the value.
    pub(super) struct Access<T>(*mut T);

    impl<T> Cell<T> {
        pub(super) fn new(value: T) -> Self {
            Cell(std::cell::UnsafeCell::new(value))
        }

        #[inline]
        pub(super) fn access(&self) -> Access<T> {
            Access(self.0.get())
        }
    }

    impl<T> Access<T> {
        /// # Safety
        /// The caller holds the lock, and no other borrow from this access is live.
        #[inline]
        #[allow(clippy::mut_from_ref)]
        pub(super) unsafe fn get(&self) -> &mut T {
            // SAFETY: the pointer comes from a live `UnsafeCell` that outlives the guard
            // holding this access; exclusivity is the caller's promise.
            unsafe { &mut *self.0 }
        }

        /// # Safety
        /// The access is not used afterwards.
        #[inline]
        pub(super) unsafe fn end(&mut self) {}
    }
}

#[cfg(loom)]
mod cell {
    use std::mem::ManuallyDrop;

    pub(super) struct Cell<T>(loom::cell::UnsafeCell<T>);

    /// One holder's access to the value, tracked by loom from `access` to `end`.
    pub(super) struct Access<T>(ManuallyDrop<loom::cell::MutPtr<T>>);

    impl<T> Cell<T> {
        pub(super) fn new(value: T) -> Self {
            Cell(loom::cell::UnsafeCell::new(value))
        }

        pub(super) fn access(&self) -> Access<T> {
            Access(ManuallyDrop::new(self.0.get_mut()))
        }
    }

    impl<T> Access<T> {
        /// # Safety
        /// The caller holds the lock, and no other borrow from this access is live.
        #[allow(clippy::mut_from_ref)]
        pub(super) unsafe fn get(&self) -> &mut T {
            // SAFETY: loom's pointer is valid while the access is; exclusivity is the
            // caller's promise, and loom checks it against every other thread's access.
            unsafe { self.0.deref() }
        }

        /// # Safety
        /// The access is not used afterwards.
        pub(super) unsafe fn end(&mut self) {
            // Ends loom's tracking before the lock is released, so the next holder's
            // access does not overlap this one.
            // SAFETY: called once, from the guard's drop; the access is not used again.
            unsafe { ManuallyDrop::drop(&mut self.0) };
        }
    }
}

#[cfg(all(test, loom))]
mod tests {
    use super::Mutex;
    use loom::sync::Arc;
    use loom::thread;

    /// Every increment made under the lock is seen by the next holder: no lost update,
    /// no overlapping access (loom's `UnsafeCell` would report one).
    fn increments(threads: usize, rounds: usize) {
        let mut model = loom::model::Builder::new();
        // Spinning multiplies interleavings; three preemptions cover the hand-offs.
        model.preemption_bound = Some(3);
        model.check(move || {
            let mutex = Arc::new(Mutex::new(0usize));
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let mutex = mutex.clone();
                    thread::spawn(move || {
                        for _ in 0..rounds {
                            let mut guard = mutex.lock();
                            let seen = *guard;
                            thread::yield_now();
                            *guard = seen + 1;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
            assert_eq!(*mutex.lock(), threads * rounds);
        });
    }

    #[test]
    fn two_threads_twice_each() {
        increments(2, 2);
    }

    #[test]
    fn two_threads_three_times_each() {
        increments(2, 3);
    }
}
