//! Running the channel's futures to completion on a plain thread.
//!
//! The blocking calls are the async ones driven by [`block_on`], so a blocked thread
//! waits in the very same queues as a task and the two mix freely on one channel. The
//! timed calls use [`block_on_until`], which gives the future back unfinished at the
//! deadline; the caller then withdraws it (`SendFuture::cancel` and friends), and the
//! withdrawal, not the clock, decides whether the operation happened, so a value that
//! lands as the deadline passes is never lost.
//!
//! Under loom the same `block_on` runs, on loom's threads and atomics, with its timed
//! spin reduced to one look: the channel models in `tests/loom.rs` that block drive
//! this parker, and the models at the end of this file check its protocol alone. A
//! model has no clock, so there a deadline passes at the first wait no wake has
//! already ended, which is the moment the race with a peer is closest.

use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

#[cfg(loom)]
use loom::{
    sync::atomic::AtomicU8,
    thread::{self, Thread},
    thread_local,
};
#[cfg(not(loom))]
use std::{
    sync::atomic::AtomicU8,
    thread::{self, Thread},
};

/// Wakes a blocked thread. The state makes a wake that lands before the thread parks
/// count, lets the thread tell a real wake from a spurious unpark, and spares the waker
/// the unpark (an atomic swap on the thread's own parker, a cache line the woken thread
/// then takes back) while the thread is still spinning, which is how most waits end.
struct Parker {
    thread: Thread,
    state: AtomicU8,
}

/// No wake since the thread last looked.
const EMPTY: u8 = 0;
/// Woken: the thread polls its future again.
const NOTIFIED: u8 = 1;
/// The thread is parked, or about to: a wake must unpark it.
const PARKED: u8 = 2;

impl Parker {
    /// A parker for the calling thread, the only one that may `wait` on it.
    fn new() -> Self {
        Parker {
            thread: thread::current(),
            state: AtomicU8::new(EMPTY),
        }
    }

    /// Whether a wake has landed since the thread last consumed one.
    fn notified(&self) -> bool {
        self.state.load(Ordering::Acquire) == NOTIFIED
    }

    /// Parks until a wake, or until `deadline` passes, then consumes any wake. Two
    /// wakes before the thread looks count as one: either way the future is polled
    /// again after both. The consuming swap reads the last wake in the state's order and
    /// acquires from every wake before it (a plain store would not acquire from a second
    /// wake that landed after our look, whose waker's writes the next poll must see).
    ///
    /// Returns whether a wake ended the wait. A deadline that passes as a wake lands is
    /// harmless either way: the caller polls once more, or withdraws its future, and
    /// the channel's lock orders that against the peer.
    #[cfg(not(loom))]
    fn wait(&self, deadline: Option<Instant>) -> bool {
        if self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
        {
            // `park` may return without an unpark, or on a stale one: only the state
            // says whether we were woken.
            while self.state.load(Ordering::Acquire) == PARKED {
                match deadline {
                    None => thread::park(),
                    Some(deadline) => {
                        let now = Instant::now();
                        if now >= deadline {
                            break;
                        }
                        thread::park_timeout(deadline - now);
                    }
                }
            }
        }
        self.state.swap(EMPTY, Ordering::Acquire) == NOTIFIED
    }

    /// As above; a deadline passes at once unless a wake already landed.
    #[cfg(loom)]
    fn wait(&self, deadline: Option<Instant>) -> bool {
        if deadline.is_some() {
            return self.state.swap(EMPTY, Ordering::Acquire) == NOTIFIED;
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
        {
            while self.state.load(Ordering::Acquire) == PARKED {
                thread::park();
            }
        }
        self.state.swap(EMPTY, Ordering::Acquire);
        true
    }

    /// Marks the thread woken, and unparks it if it parked.
    fn wake(&self) {
        if self.state.swap(NOTIFIED, Ordering::Release) == PARKED {
            self.thread.unpark();
        }
    }

    /// Leaves a wake for the thread's next look, as if one had landed. A swap, not a
    /// store: a wake may have landed just before, and the thread's next consuming swap
    /// must still acquire from it; a store would end that wake's release sequence, so a
    /// swap reading the store would acquire nothing (the loom model
    /// `a_nested_call_leaves_the_wake_it_may_have_consumed` found the thread parked for
    /// good that way).
    fn leave_wake(&self) {
        self.state.swap(NOTIFIED, Ordering::AcqRel);
    }
}

impl Wake for Parker {
    fn wake(self: Arc<Self>) {
        Parker::wake(&self);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Parker::wake(self);
    }
}

thread_local! {
    // One waker per thread, made once: blocking calls allocate nothing.
    static PARKER: (Arc<Parker>, Waker) = {
        let parker = Arc::new(Parker::new());
        (parker.clone(), Waker::from(parker))
    };
}

// How many block_on calls are running on this thread (more than one when a poll
// blocks, say in a future case of a blocking select).
#[cfg(not(loom))]
thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}
// loom's `thread_local!` takes no `const` initializer.
#[cfg(loom)]
thread_local! {
    static DEPTH: Cell<usize> = Cell::new(0);
}

/// Polls `fut` on this thread until it completes, parking between polls.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    match block_on_until(pin!(fut), None) {
        Some(out) => out,
        None => unreachable!("a wait without a deadline ends only when woken"),
    }
}

/// Polls `fut` on this thread until it completes (`Some`) or `deadline` passes (`None`),
/// parking between polls. The future is polled at least once, and it is left as the
/// last poll left it: the caller decides what a timeout means for it.
pub(crate) fn block_on_until<F: Future + ?Sized>(
    mut fut: Pin<&mut F>,
    deadline: Option<Instant>,
) -> Option<F::Output> {
    let depth = DEPTH.with(|d| d.replace(d.get() + 1));
    PARKER.with(|(parker, waker)| {
        let mut cx = Context::from_waker(waker);
        let out = loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                break Some(out);
            }
            spin(parker, deadline);
            if !parker.wait(deadline) && deadline_passed(deadline) {
                break None;
            }
        };
        DEPTH.with(|d| d.set(depth));
        if depth > 0 {
            // The outer call shares our waker and may have been woken while we ran;
            // we may have consumed that wake, so leave one behind for it.
            parker.leave_wake();
        }
        out
    })
}

/// A parker's wait returned without a wake; whether that was the deadline or a
/// spurious return.
#[cfg(not(loom))]
fn deadline_passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// A model's deadline passes at the first wait no wake ended.
#[cfg(loom)]
fn deadline_passed(deadline: Option<Instant>) -> bool {
    deadline.is_some()
}

/// Watches for a wake a moment before the thread parks. A peer busy on another core
/// usually completes us within a microsecond or two, far sooner than a park and unpark
/// would (crossbeam's backoff: spin, then yield).
#[cfg(not(loom))]
fn spin(parker: &Parker, deadline: Option<Instant>) {
    use std::hint::spin_loop;
    use std::time::Duration;

    /// Rounds of doubling spins (1 + 2 + ... + 32 pauses), then of yielding the core,
    /// before a blocked thread parks: the bounded spin of the blocking calls. A park and
    /// the unpark that ends it cost a few microseconds each on bare metal and tens on
    /// the virtual machines benchmarks run on (where an idle virtual core is halted),
    /// so a peer that answers within the spin saves both. The yields are what stretch
    /// the wait: with a core to spare a yield returns within a microsecond, a longer
    /// spin in effect, and up to 256 of them (kanal's figure) keep two threads that
    /// trade messages from ever parking; with ten, one park led to the next and the
    /// blocking capacity 0 and 1 rows were bimodal (`BENCHMARKS.md`, "The measurements
    /// behind the code").
    const SPIN_STEPS: u32 = 6;
    const YIELD_STEPS: u32 = 256;
    /// A yield that takes this long ran another thread on our core: threads outnumber
    /// cores, and the wait should leave the core to them. Spinning longer there took it
    /// from threads with work to do (blocking mpsc 4x1 at capacity 1 got slower), so
    /// after a second such yield the thread parks.
    const SLOW_YIELD: Duration = Duration::from_micros(10);
    const SLOW_YIELDS: u32 = 2;

    let mut slow_yields = 0;
    for step in 0..SPIN_STEPS + YIELD_STEPS {
        if parker.notified() {
            return;
        }
        if step < SPIN_STEPS {
            for _ in 0..1u32 << step {
                spin_loop();
            }
            continue;
        }
        let start = Instant::now();
        if deadline.is_some_and(|deadline| start >= deadline) {
            return;
        }
        thread::yield_now();
        if start.elapsed() >= SLOW_YIELD {
            slow_yields += 1;
            if slow_yields == SLOW_YIELDS {
                return;
            }
        }
    }
}

/// A model has no clock to time yields by, and a spin only delays the park: one look
/// stands for it, so the models run the rest of `block_on` as it ships.
#[cfg(loom)]
fn spin(parker: &Parker, _deadline: Option<Instant>) {
    let _ = parker.notified();
}

#[cfg(all(test, loom))]
mod tests {
    use super::Parker;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;
    use std::sync::atomic::Ordering::Relaxed;

    /// `block_on`'s loop after a poll that returned pending, with the future reduced to
    /// `ready` and the spin to one look: watch for a wake, wait, poll again.
    fn block(parker: &Parker, ready: impl Fn() -> bool) {
        loop {
            if !parker.notified() {
                thread::yield_now();
            }
            parker.wait(None);
            if ready() {
                return;
            }
        }
    }

    /// Each waker sets its flag, then wakes; the blocked thread returns once it has
    /// seen every flag. The flags are relaxed, so the thread sees one only through
    /// the wake that follows it: a lost wake, or one the thread consumes without
    /// acquiring from it, leaves it parked for good, which loom reports as a deadlock.
    fn wakers(count: usize) {
        loom::model(move || {
            let parker = Arc::new(Parker::new());
            let flags: Arc<Vec<AtomicBool>> =
                Arc::new((0..count).map(|_| AtomicBool::new(false)).collect());
            let handles: Vec<_> = (0..count)
                .map(|i| {
                    let (parker, flags) = (parker.clone(), flags.clone());
                    thread::spawn(move || {
                        flags[i].store(true, Relaxed);
                        parker.wake();
                    })
                })
                .collect();
            let ready = || flags.iter().all(|flag| flag.load(Relaxed));
            if !ready() {
                block(&parker, ready);
            }
            for handle in handles {
                handle.join().unwrap();
            }
        });
    }

    #[test]
    fn a_wake_is_never_lost_whenever_it_lands() {
        wakers(1);
    }

    #[test]
    fn a_second_wake_during_the_first_is_seen() {
        wakers(2);
    }

    /// A nested `block_on` (one that runs inside a poll, say in a value's `Drop`) may
    /// consume the wake meant for the call around it; on return it leaves one behind,
    /// so the outer call polls again rather than parking for good.
    #[test]
    fn a_nested_call_leaves_the_wake_it_may_have_consumed() {
        loom::model(|| {
            let parker = Arc::new(Parker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let waker = {
                let (parker, flag) = (parker.clone(), flag.clone());
                thread::spawn(move || {
                    flag.store(true, Relaxed);
                    parker.wake();
                })
            };
            // The outer poll looks at its channel...
            let ready = flag.load(Relaxed);
            // ...then, still inside that poll, the nested call waits and returns.
            if parker.notified() {
                parker.wait(None);
            }
            parker.leave_wake();
            if !ready {
                block(&parker, || flag.load(Relaxed));
            }
            waker.join().unwrap();
        });
    }
}
