//! Go's `select`: wait on several channel operations and complete exactly one.
//!
//! # How a select runs (Go's `selectgo`, one channel lock at a time)
//!
//! Each attempt has two passes:
//!
//! 1. **Look.** Try every case once, in a fresh uniformly random order (Go's
//!    `pollorder`), or in the order written under `biased()`. The first case that can
//!    complete without waiting does, and the select is over. Nothing is queued yet,
//!    so no peer can interfere. With `default`, the select ends here.
//! 2. **Wait.** Queue one waiter per channel case, each carrying a clone of one shared
//!    [`Claim`] and its case's index. A peer (or `close`) that finds such a waiter
//!    must win the claim with one compare-exchange before it moves a value, so exactly
//!    one case takes effect; waiters whose claim is lost are stale, and peers step over
//!    them. If a channel turned ready between the passes, the select takes the claim
//!    itself, withdraws its waiters and looks again, so it never sleeps beside a
//!    ready peer.
//!
//! When woken, the select reads the claim: the winning case collects its outcome
//! (from the channel, where the peer left it) and every other waiter is withdrawn.
//!
//! Future cases (timers) are polled in pass 1, and again whenever the waiting select
//! is polled. A future's output can't be put back, so the select first pauses its
//! claim (no peer can win it meanwhile), polls them, and if none is ready resumes the
//! claim, every waiter keeping its place in line. A peer that found a waiter of a
//! paused select had to step over it, so it marks the claim; resuming a marked claim
//! fails, and the select withdraws and looks again rather than sleep beside a ready
//! channel.
//!
//! A select never pairs its own send and receive on one channel: a waiter carrying
//! the looker's own claim is never claimable. Dropped at any poll, a select withdraws
//! every waiter; a value already handed to its winning receive case goes back to the
//! channel, as for a dropped [`RecvFuture`](crate::RecvFuture).
//!
//! # Cost
//!
//! A `select!` whose case is ready in pass 1 allocates nothing and takes at most one
//! lock per case it tries (none for a channel whose lock-free summary already says
//! "nothing to do"). A select that waits needs one claim (one `Arc`, however many
//! cases); each thread keeps a spare, so selects waiting one after another in a loop
//! allocate it only once. It takes two locks per channel case to queue and withdraw,
//! and one more for the winner to collect. The dynamic [`Select`] keeps its cases side
//! by side in one chunk of memory, which each thread reuses for its next `Select`, so
//! a loop of them allocates nothing for channel cases after the first; it boxes only a
//! future case's future and a `default` closure. Pass 1 draws its random order one
//! case at a time, so a select whose first pick is ready draws one number.

mod arena;
mod case;
mod macros;
mod reuse;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use self::arena::CaseArena;
pub use self::case::{Case, CaseKind, FutureCase, RecvCase, SendCase, TakeOutput};
pub use self::reuse::{SelectLoop, SelectNext};
use crate::blocking::{block_on, block_on_until};
use crate::channel::{Receiver, Sender};
use crate::error::{RecvError, SendError};
use crate::sync::Arc;
use crate::waiter::Claim;

/// The cases of one select, indexable without knowing their types.
#[doc(hidden)]
pub trait CaseList {
    /// Room for one attempt's order of cases: always a permutation of `0..len()`.
    type Order: AsMut<[u32]>;

    /// `0, 1, 2, ...`: the written order, which `biased()` keeps.
    fn new_order(&self) -> Self::Order;
    fn len(&self) -> usize;
    fn get(&mut self, i: usize) -> &mut dyn Case;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cases of a `select!`: a tuple, whose case types differ. The engine reaches them
/// through an array of trait objects made on each poll, so that case `i` is an index
/// away: through the tuple it is a `match` on `i`, a jump table that the random order
/// of the cases makes the processor mispredict on nearly every case tried (`BENCHMARKS.md`,
/// "The measurements behind the code").
#[doc(hidden)]
pub trait CaseTuple: CaseList {
    type Dyn<'s>: AsMut<[&'s mut dyn Case]>
    where
        Self: 's;

    fn as_dyn(&mut self) -> Self::Dyn<'_>;
}

impl CaseList for [&mut dyn Case] {
    type Order = Vec<u32>;

    fn new_order(&self) -> Vec<u32> {
        (0..<[_]>::len(self) as u32).collect()
    }

    fn len(&self) -> usize {
        <[_]>::len(self)
    }

    #[inline]
    fn get(&mut self, i: usize) -> &mut dyn Case {
        &mut *self[i]
    }
}

/// The engine: drives a [`CaseList`] through the two passes and the claim.
#[doc(hidden)]
pub struct Selector {
    /// Shared by every queued waiter; allocated on the first wait, reused after.
    claim: Option<Arc<Claim>>,
    /// Whether waiters of ours may be queued.
    queued: bool,
    /// The waker our queued waiters hold.
    waker: Option<Waker>,
    rng: Rng,
    biased: bool,
    /// `default` is present: never wait.
    nonblocking: bool,
    done: bool,
}

impl Selector {
    pub fn new(biased: bool, nonblocking: bool) -> Self {
        Selector {
            claim: None,
            queued: false,
            waker: None,
            rng: Rng::new(),
            biased,
            nonblocking,
            done: false,
        }
    }

    /// `Ready(Some(i))` when case `i` completed, `Ready(None)` when `default` should run.
    pub fn poll<L: CaseList + ?Sized>(
        &mut self,
        cases: &mut L,
        order: &mut [u32],
        cx: &mut Context<'_>,
    ) -> Poll<Option<usize>> {
        if self.done {
            return Poll::Pending;
        }
        if self.queued {
            if let Some(ready) = self.poll_queued(cases, order, cx) {
                return ready;
            }
            // Withdrawn: look again.
        }
        loop {
            // Pass 1: look, drawing the order as we go, so that a select whose first
            // pick is ready spends one random number, not one per case.
            for k in 0..order.len() {
                let i = self.pick(order, k);
                if cases.get(i).try_now(cx) {
                    self.done = true;
                    return Poll::Ready(Some(i));
                }
            }
            if self.nonblocking {
                self.done = true;
                return Poll::Ready(None);
            }
            // Pass 2: wait. Queue in the order pass 1 looked, so that when one peer
            // could take either of two cases on a channel, each is as likely.
            let claim = self.claim.get_or_insert_with(spare_claim::take).clone();
            self.queued = true;
            self.waker = Some(cx.waker().clone());
            let became_ready = order.iter().any(|&i| {
                let case = cases.get(i as usize);
                case.kind() == CaseKind::Channel && !case.register(&claim, i as usize, cx.waker())
            });
            if !became_ready {
                return Poll::Pending;
            }
            if let Err(won) = claim.pause() {
                return Poll::Ready(Some(self.finish(cases, won)));
            }
            self.withdraw_all(cases);
            claim.reset();
        }
    }

    /// A poll while our waiters are queued. `None` when they had to be withdrawn and
    /// the select must look at its cases again.
    fn poll_queued<L: CaseList + ?Sized>(
        &mut self,
        cases: &mut L,
        order: &mut [u32],
        cx: &mut Context<'_>,
    ) -> Option<Poll<Option<usize>>> {
        let claim = self.claim.clone()?;
        if let Some(won) = claim.chosen() {
            return Some(Poll::Ready(Some(self.finish(cases, won))));
        }
        if (0..cases.len()).any(|i| cases.get(i).kind() == CaseKind::Future) {
            // A future case may be what woke us. Pause the claim so that no peer can
            // win while we poll them: a future's output can't be put back.
            if let Err(won) = claim.pause() {
                return Some(Poll::Ready(Some(self.finish(cases, won))));
            }
            for k in 0..order.len() {
                let i = self.pick(order, k);
                let case = cases.get(i);
                if case.kind() == CaseKind::Future && case.try_now(cx) {
                    self.withdraw_all(cases);
                    self.done = true;
                    return Some(Poll::Ready(Some(i)));
                }
            }
            if !claim.resume() {
                // A peer stepped over a waiter of ours while we held the claim.
                self.withdraw_all(cases);
                claim.reset();
                return None;
            }
        }
        // Only a peer can complete us, and none has: at most a new waker to pass on,
        // keeping every waiter's place in its queue.
        if self.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            return Some(Poll::Pending);
        }
        for i in 0..cases.len() {
            cases.get(i).rewake(cx.waker());
        }
        self.waker = Some(cx.waker().clone());
        // A peer may have won while we held the old waker.
        Some(match claim.chosen() {
            Some(won) => Poll::Ready(Some(self.finish(cases, won))),
            None => Poll::Pending,
        })
    }

    /// The case to try `k`th, given the first `k` of `order` are settled: one drawn
    /// uniformly from the rest (Fisher-Yates from the front, so however far an attempt
    /// goes, the cases it tried came in a uniformly random order), or case `k` itself
    /// when biased.
    ///
    /// `order` is not put back to `0, 1, 2, ...` between attempts: shuffling any fixed
    /// permutation with fresh draws gives every order with the same probability, and
    /// the one left by the last attempt depends only on earlier draws. Biased selects
    /// never swap, so theirs stays the written order.
    #[inline]
    fn pick(&mut self, order: &mut [u32], k: usize) -> usize {
        let rest = order.len() - k;
        if !self.biased && rest > 1 {
            let j = k + self.rng.below(rest as u32) as usize;
            order.swap(k, j);
        }
        order[k] as usize
    }

    /// Case `won` took effect while queued: collect it, withdraw the rest.
    fn finish<L: CaseList + ?Sized>(&mut self, cases: &mut L, won: usize) -> usize {
        cases.get(won).complete();
        self.withdraw_all(cases);
        self.done = true;
        won
    }

    fn withdraw_all<L: CaseList + ?Sized>(&mut self, cases: &mut L) {
        for i in 0..cases.len() {
            cases.get(i).withdraw();
        }
        self.queued = false;
    }

    /// The select gives up waiting (a timed wait's deadline passed): no case may take
    /// effect from now on. Returns the case that took effect before that, if one did;
    /// unlike [`abandon`](Self::abandon), which gives such a case's value back, the
    /// caller collects it, so a case that won as the time ran out is not undone.
    pub fn withdraw<L: CaseList + ?Sized>(&mut self, cases: &mut L) -> Option<usize> {
        if self.done {
            return None;
        }
        if self.queued {
            if let Some(claim) = self.claim.clone() {
                if let Err(won) = claim.pause() {
                    return Some(self.finish(cases, won));
                }
            }
            self.withdraw_all(cases);
        }
        self.done = true;
        None
    }

    /// Makes a finished engine ready for another select over the same cases (a
    /// [`SelectLoop`]'s next one), keeping its random generator and, when no waiter of
    /// the last select still holds a clone of it, its claim. Every waiter must have
    /// been withdrawn (`abandon` does that).
    pub(crate) fn rearm(&mut self) {
        debug_assert!(!self.queued, "rearmed with waiters queued");
        self.done = false;
        self.waker = None;
        if let Some(mut claim) = self.claim.take() {
            if Arc::get_mut(&mut claim).is_some() {
                claim.reset();
                self.claim = Some(claim);
            }
        }
    }

    /// The select is dropped: no case may take effect from now on.
    pub fn abandon<L: CaseList + ?Sized>(&mut self, cases: &mut L) {
        if self.queued {
            if let Some(claim) = &self.claim {
                // Stop peers first; a case that already won is withdrawn like the
                // others, which gives back a value handed to it.
                let _ = claim.pause();
            }
            self.withdraw_all(cases);
        }
        self.done = true;
    }
}

/// `0, 1, 2, ...`: the written order of up to 32 cases, copied rather than filled in
/// on each poll.
const WRITTEN_ORDER: [u32; 32] = {
    let mut order = [0; 32];
    let mut i = 0;
    while i < order.len() {
        order[i] = i as u32;
        i += 1;
    }
    order
};

impl Drop for Selector {
    fn drop(&mut self) {
        if let Some(claim) = self.claim.take() {
            spare_claim::put(claim);
        }
    }
}

/// One spare [`Claim`] per thread, so that a loop of waiting selects allocates its
/// claim once rather than once per select. A claim is kept only when no waiter holds a
/// clone of it any more (`Arc::get_mut`), so reuse can never confuse an old waiter.
#[cfg(not(loom))]
mod spare_claim {
    use std::cell::Cell;

    use crate::sync::Arc;
    use crate::waiter::Claim;

    thread_local! {
        static SPARE: Cell<Option<Arc<Claim>>> = const { Cell::new(None) };
    }

    pub(super) fn take() -> Arc<Claim> {
        SPARE
            .try_with(Cell::take)
            .ok()
            .flatten()
            .unwrap_or_else(|| Arc::new(Claim::new()))
    }

    pub(super) fn put(mut claim: Arc<Claim>) {
        if Arc::get_mut(&mut claim).is_some() {
            claim.reset();
            // During thread teardown there is nowhere to keep it: just drop it.
            let _ = SPARE.try_with(|spare| spare.set(Some(claim)));
        }
    }
}

/// Under loom every select allocates its own claim: models must not share state
/// through a thread-local.
#[cfg(loom)]
mod spare_claim {
    use crate::sync::Arc;
    use crate::waiter::Claim;

    pub(super) fn take() -> Arc<Claim> {
        Arc::new(Claim::new())
    }

    pub(super) fn put(claim: Arc<Claim>) {
        drop(claim);
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selector")
            .field("queued", &self.queued)
            .field("biased", &self.biased)
            .field("nonblocking", &self.nonblocking)
            .field("done", &self.done)
            .finish()
    }
}

/// A small, fast generator for shuffling cases (wyrand): no lock, no system call.
struct Rng(u64);

impl Rng {
    #[cfg(not(loom))]
    fn new() -> Self {
        use std::cell::Cell;
        use std::collections::hash_map::RandomState;
        use std::hash::{BuildHasher, Hasher};

        thread_local! {
            // Seeded on first use per thread from the standard library's random hash
            // keys (0 until then: a `const` initializer makes each access a plain load).
            static SEED: Cell<u64> = const { Cell::new(0) };
        }
        #[cold]
        fn first_seed() -> u64 {
            RandomState::new().build_hasher().finish()
        }

        SEED.with(|seed| {
            let mut state = seed.get();
            if state == 0 {
                state = first_seed();
            }
            let mut rng = Rng(state);
            seed.set(rng.next() | 1);
            rng
        })
    }

    /// Deterministic under loom, whose models must replay exactly.
    #[cfg(loom)]
    fn new() -> Self {
        Rng(0x9e37_79b9_7f4a_7c15)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0xa076_1d64_78bd_642f);
        let t = u128::from(self.0) * u128::from(self.0 ^ 0xe703_7ed1_a0b4_28db);
        (t >> 64) as u64 ^ t as u64
    }

    /// Uniform in `0..n` (`n > 0`), so no case is favoured even slightly: Lemire's
    /// multiply-and-shift with rejection, which needs a division only in the rare
    /// round that might be biased (a select shuffles on every attempt, and two 64-bit
    /// divisions per case were most of its cost).
    fn below(&mut self, n: u32) -> u32 {
        let n = u64::from(n);
        loop {
            // The random 32 bits times n: the high half is the candidate, uniform
            // unless the low half falls in the short stretch that maps unevenly.
            let product = (self.next() >> 32) * n;
            let low = product & u64::from(u32::MAX);
            if low >= n || low >= (1u64 << 32) % n {
                return (product >> 32) as u32;
            }
        }
    }
}

/// The future behind [`select!`](crate::select!): drives the macro's cases, which stay
/// in the caller's frame (borrowed, never moved: a select over eight channels moved
/// some 300 bytes of cases in and out per select), and returns the index of the one
/// that completed, so the macro can run its body in the caller's own context.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct SelectTuple<'c, L: CaseTuple> {
    cases: &'c mut L,
    order: L::Order,
    sel: Selector,
}

#[doc(hidden)]
pub fn select_tuple<L: CaseTuple>(cases: &mut L, nonblocking: bool) -> SelectTuple<'_, L> {
    SelectTuple {
        order: cases.new_order(),
        cases,
        sel: Selector::new(false, nonblocking),
    }
}

impl<L: CaseTuple> Future for SelectTuple<'_, L> {
    type Output = Option<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut cases = this.cases.as_dyn();
        this.sel.poll(cases.as_mut(), this.order.as_mut(), cx)
    }
}

impl<L: CaseTuple> Drop for SelectTuple<'_, L> {
    fn drop(&mut self) {
        self.sel.abandon(self.cases);
    }
}

// Cases are never pinned through this future: a future case holds its own `Pin`.
impl<L: CaseTuple> Unpin for SelectTuple<'_, L> {}

macro_rules! tuple_case_list {
    ($len:literal $(, $idx:tt $T:ident)*) => {
        impl<$($T: Case),*> CaseList for ($($T,)*) {
            type Order = [u32; $len];

            fn new_order(&self) -> Self::Order {
                [$($idx),*]
            }

            fn len(&self) -> usize {
                $len
            }

            #[allow(unused_variables)]
            fn get(&mut self, i: usize) -> &mut dyn Case {
                match i {
                    $($idx => &mut self.$idx,)*
                    _ => unreachable!("select case index out of range"),
                }
            }
        }

        impl<$($T: Case),*> CaseTuple for ($($T,)*) {
            type Dyn<'s> = [&'s mut dyn Case; $len] where Self: 's;

            fn as_dyn(&mut self) -> Self::Dyn<'_> {
                [$(&mut self.$idx as &mut dyn Case),*]
            }
        }
    };
}

include!("tuples.rs");

/// A select built at run time: Go's `reflect.Select`.
///
/// Add any number of cases, each with a closure that turns its outcome into the
/// select's result `R`; then `.await` it, or [`wait`](Select::wait) on a plain thread.
/// It behaves as [`select!`](crate::select!) does: fair random choice among ready
/// cases (unless [`biased`](Select::biased)), `None` channels that never fire,
/// [`default`](Select::default) to avoid waiting, and exactly one case taking effect.
///
/// Its cases are type-erased closures, so a `Select` is not `Send`: build and await it
/// within one task, or use `select!` where the select must move between threads.
///
/// ```
/// use gochan::{Select, RecvError};
/// # futures::executor::block_on(async {
/// let (tx1, rx1) = gochan::bounded::<u32>(1);
/// let (_tx2, rx2) = gochan::bounded::<u32>(1);
/// tx1.try_send(7).unwrap();
///
/// let receivers = [rx1, rx2];
/// let mut sel = Select::new();
/// for (i, rx) in receivers.iter().enumerate() {
///     sel = sel.recv(rx, move |msg: Result<u32, RecvError>| (i, msg));
/// }
/// assert_eq!(sel.await, (0, Ok(7)));
/// # });
/// ```
///
/// With `default`, it never waits:
///
/// ```
/// let (_tx, rx) = gochan::bounded::<u32>(1);
/// let got = gochan::Select::new()
///     .recv(&rx, |msg| msg.ok())
///     .default(|| None)
///     .wait();
/// assert_eq!(got, None);
/// ```
pub struct Select<'a, R> {
    cases: CaseArena<'a, R>,
    default: Option<Box<dyn FnOnce() -> R + 'a>>,
    sel: Selector,
}

/// A case of a [`Select`] with its closure.
trait DynCase<R> {
    fn case(&mut self) -> &mut dyn Case;
    fn finish(&mut self) -> Option<R>;
}

struct WithFn<C, F> {
    case: C,
    f: Option<F>,
}

/// A case too aligned for the arena is boxed, and the box stored instead.
impl<R, D: DynCase<R> + ?Sized> DynCase<R> for Box<D> {
    fn case(&mut self) -> &mut dyn Case {
        (**self).case()
    }

    fn finish(&mut self) -> Option<R> {
        (**self).finish()
    }
}

impl<C, F, R> DynCase<R> for WithFn<C, F>
where
    C: Case + TakeOutput,
    F: FnOnce(C::Output) -> R,
{
    fn case(&mut self) -> &mut dyn Case {
        &mut self.case
    }

    fn finish(&mut self) -> Option<R> {
        let f = self.f.take()?;
        Some(f(self.case.take_output()?))
    }
}

impl<R> CaseList for CaseArena<'_, R> {
    type Order = Vec<u32>;

    fn new_order(&self) -> Vec<u32> {
        (0..self.len() as u32).collect()
    }

    fn len(&self) -> usize {
        CaseArena::len(self)
    }

    fn get(&mut self, i: usize) -> &mut dyn Case {
        CaseArena::get(self, i).case()
    }
}

impl<'a, R> Select<'a, R> {
    /// An empty select. Awaited as it is, it never completes: Go's `select {}`.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.try_send(2).unwrap();
    /// let got = gochan::Select::new().recv(&rx, |v| v.unwrap() * 10).wait();
    /// assert_eq!(got, 20);
    /// assert!(gochan::Select::<()>::new().now_or_never().is_none()); // select {}
    /// ```
    pub fn new() -> Self {
        Select {
            cases: CaseArena::new(),
            default: None,
            sel: Selector::new(false, false),
        }
    }

    fn push<C>(mut self, case: C, f: impl FnOnce(C::Output) -> R + 'a) -> Self
    where
        C: Case + TakeOutput + 'a,
    {
        self.cases.push(WithFn { case, f: Some(f) });
        self
    }

    /// Adds a receive case: `f` gets the value, or `Err(RecvError)` once the channel is
    /// closed and drained. `None` is Go's nil channel: the case never fires.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.try_send("hi").unwrap();
    /// let nil: Option<&gochan::Receiver<&str>> = None;
    /// let got = gochan::Select::new()
    ///     .recv(nil, |_| "never")
    ///     .recv(&rx, |msg| msg.unwrap())
    ///     .wait();
    /// assert_eq!(got, "hi");
    /// ```
    pub fn recv<T: 'a>(
        self,
        rx: impl Into<Option<&'a Receiver<T>>>,
        f: impl FnOnce(Result<T, RecvError>) -> R + 'a,
    ) -> Self {
        self.push(RecvCase::new(rx), f)
    }

    /// Adds a send case: `f` gets `Ok(())` once `value` is sent, or the value back in
    /// `Err(SendError(value))` if the channel is closed. If another case is chosen,
    /// `value` is dropped. `None` is a nil channel.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let sent = gochan::Select::new().send(&tx, 5, |res| res.is_ok()).wait();
    /// assert!(sent);
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn send<T: 'a>(
        self,
        tx: impl Into<Option<&'a Sender<T>>>,
        value: T,
        f: impl FnOnce(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.push(SendCase::new(tx, value), f)
    }

    /// Adds a case that completes when `fut` does, such as a timer: Go's
    /// `case <-time.After(d)`.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (_tx, rx) = gochan::bounded::<u32>(0);
    /// let got = gochan::Select::new()
    ///     .recv(&rx, |_| "a value")
    ///     .future(futures::future::ready(()), |()| "the timer")
    ///     .await;
    /// assert_eq!(got, "the timer");
    /// # });
    /// ```
    pub fn future<F: Future + 'a>(self, fut: F, f: impl FnOnce(F::Output) -> R + 'a) -> Self {
        self.push(FutureCase::new(Box::pin(fut)), f)
    }

    /// Runs `f` when no case is ready at once: the select never waits. Go's `default`.
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded(0);
    /// let sent = gochan::Select::new()
    ///     .send(&tx, 1, |_| true)
    ///     .default(|| false) // no receiver is waiting
    ///     .wait();
    /// assert!(!sent);
    /// ```
    pub fn default(mut self, f: impl FnOnce() -> R + 'a) -> Self {
        self.default = Some(Box::new(f));
        self.sel.nonblocking = true;
        self
    }

    /// Tries the cases in the order they were added instead of a random one, so the
    /// first ready case always wins (like `tokio::select!`'s `biased;`).
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// tx.try_send(1).unwrap();
    /// tx.try_send(2).unwrap();
    /// let first = gochan::Select::new()
    ///     .recv(&rx, |msg| msg.unwrap() * 10)
    ///     .recv(&rx, |msg| msg.unwrap() * 100)
    ///     .biased()
    ///     .wait();
    /// assert_eq!(first, 10);
    /// ```
    pub fn biased(mut self) -> Self {
        self.sel.biased = true;
        self
    }

    /// Blocks the current thread until a case completes, and returns its result.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// std::thread::spawn(move || tx.send_blocking(3));
    /// let got = gochan::Select::new().recv(&rx, |msg| msg.unwrap()).wait();
    /// assert_eq!(got, 3);
    /// ```
    pub fn wait(self) -> R {
        block_on(self)
    }

    /// Blocks the current thread until a case completes or `timeout` passes: Go's
    /// `select` with a `case <-time.After(timeout)`. `None` means the time ran out and
    /// no case took effect (the values of send cases are dropped, as for any unchosen
    /// case); a case that completes just as it runs out is returned, never undone.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gochan::bounded::<u32>(0);
    /// let got = gochan::Select::new()
    ///     .recv(&rx, |msg| msg.unwrap())
    ///     .wait_timeout(Duration::from_millis(10));
    /// assert_eq!(got, None); // nobody sent
    /// # drop(tx);
    /// ```
    pub fn wait_timeout(self, timeout: Duration) -> Option<R> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.wait_deadline(deadline),
            None => Some(self.wait()),
        }
    }

    /// Blocks the current thread until a case completes or `deadline` passes; see
    /// [`wait_timeout`](Self::wait_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gochan::bounded(0);
    /// std::thread::spawn(move || tx.send_blocking("hi"));
    /// let got = gochan::Select::new()
    ///     .recv(&rx, |msg| msg.unwrap())
    ///     .wait_deadline(Instant::now() + Duration::from_secs(10));
    /// assert_eq!(got, Some("hi"));
    /// ```
    pub fn wait_deadline(mut self, deadline: Instant) -> Option<R> {
        if let Some(out) = block_on_until(Pin::new(&mut self), Some(deadline)) {
            return Some(out);
        }
        let won = self.sel.withdraw(&mut self.cases)?;
        self.cases.get(won).finish()
    }
}

impl<R> Default for Select<'_, R> {
    fn default() -> Self {
        Select::new()
    }
}

impl<R> Future for Select<'_, R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = self.get_mut();
        // Scratch space for the order of one attempt: on the stack for up to 32 cases
        // (one allocation fewer per select), on the heap beyond.
        let mut inline = WRITTEN_ORDER;
        let mut heap = Vec::new();
        let n = this.cases.len();
        let order = if n <= inline.len() {
            &mut inline[..n]
        } else {
            heap.extend(0..n as u32);
            &mut heap[..]
        };
        match this.sel.poll(&mut this.cases, order, cx) {
            Poll::Ready(Some(i)) => match this.cases.get(i).finish() {
                Some(out) => Poll::Ready(out),
                None => Poll::Pending,
            },
            Poll::Ready(None) => match this.default.take() {
                Some(f) => Poll::Ready(f()),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R> Drop for Select<'_, R> {
    fn drop(&mut self) {
        self.sel.abandon(&mut self.cases);
    }
}

impl<R> fmt::Debug for Select<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .field("default", &self.default.is_some())
            .field("engine", &self.sel)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Rng;

    #[test]
    fn below_stays_in_range_and_reaches_every_value() {
        let mut rng = Rng::new();
        for n in 1..=40u32 {
            let mut seen = [0u32; 40];
            for _ in 0..4000 {
                let x = rng.below(n);
                assert!(x < n, "below({n}) gave {x}");
                seen[x as usize] += 1;
            }
            // Each value expects 4000/n >= 100 hits; missing one entirely would take
            // odds far below 1e-30.
            assert!(
                seen[..n as usize].iter().all(|&c| c > 0),
                "n = {n}: {seen:?}"
            );
        }
    }
}
