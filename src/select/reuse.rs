//! [`SelectLoop`]: a dynamic select built once and selected many times.
//!
//! A [`Select`](super::Select) is consumed by the one select it runs, so a loop over
//! it rebuilds every case (and every closure) per message. Go's `reflect.Select` takes
//! a slice of cases the caller keeps, and a fan-in over `n` channels builds that slice
//! once. `SelectLoop` is that slice: its cases and their `FnMut` closures stay put,
//! and each [`select`](SelectLoop::select) runs the same two passes and claim as every
//! other select (the [`Selector`] engine), over the same case types.
//!
//! Reuse needs two things the one-shot select does not:
//!
//! - **Every case is back at rest between selects**: no ticket queued and no output
//!   left. The engine withdraws every waiter before a select ends (it completes, or its
//!   future is dropped and abandons), and the winner's output is taken in the same poll
//!   that chose it. `select` abandons once more before it starts, for a future that was
//!   leaked rather than dropped.
//! - **A send case keeps its value until it is sent.** The one-shot select drops the
//!   value of an unchosen send case with the select; here the case takes it back when
//!   withdrawn, offers it again next time, and asks its `make` closure for a new value
//!   only once the old one went out (or was handed back by a closed channel).
//!
//! The engine itself is kept too: its random generator, and the claim its waiters
//! share, which is reused when no waiter of an earlier select still holds a clone.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::{Case, CaseList, RecvCase, Selector, SendCase, TakeOutput};
use crate::blocking::{block_on, block_on_until};
use crate::channel::{Receiver, Sender};
use crate::error::{RecvError, SendError};

/// A select over a fixed set of cases, built once and run as many times as needed:
/// Go's `reflect.Select` over a slice of cases kept across a loop.
///
/// Cases are added as for [`Select`](crate::Select), with `FnMut` closures instead of
/// `FnOnce`, since a case may be chosen again and again. Each
/// [`select`](SelectLoop::select) (async) or [`wait`](SelectLoop::wait) (blocking)
/// behaves as one [`select!`](crate::select!): a fair random choice among ready cases
/// unless [`biased`](SelectLoop::biased), `None` channels that never fire,
/// [`default`](SelectLoop::default) to avoid waiting, and exactly one case taking
/// effect. Nothing is rebuilt between selects, so a fan-in loop costs what the select
/// itself costs.
///
/// A send case is given a closure that makes its value. The value is made the first
/// time the case is offered, kept while other cases win, and made again only after it
/// was sent (or handed back by a closed channel), so no value is dropped unsent until
/// the `SelectLoop` itself is. There is no future case: a future runs once, so race the
/// [`select`](SelectLoop::select) future against a timer instead, or use
/// [`wait_timeout`](SelectLoop::wait_timeout); dropping a pending select is as safe as
/// dropping any receive.
///
/// Like `Select`, it holds type-erased closures and is not `Send`.
///
/// ```
/// use gochan::{RecvError, SelectLoop};
/// # futures::executor::block_on(async {
/// let (tx1, rx1) = gochan::unbounded::<u32>();
/// let (tx2, rx2) = gochan::unbounded::<u32>();
/// for i in 0..3 {
///     tx1.try_send(i).unwrap();
///     tx2.try_send(10 + i).unwrap();
/// }
///
/// let receivers = [rx1, rx2];
/// let mut fan_in = SelectLoop::new();
/// for rx in &receivers {
///     fan_in = fan_in.recv(rx, |msg: Result<u32, RecvError>| msg.unwrap());
/// }
/// let mut sum = 0;
/// for _ in 0..6 {
///     sum += fan_in.select().await; // the same cases, selected six times
/// }
/// assert_eq!(sum, 0 + 1 + 2 + 10 + 11 + 12);
/// # });
/// ```
pub struct SelectLoop<'a, R> {
    cases: LoopCases<'a, R>,
    default: Option<Box<dyn FnMut() -> R + 'a>>,
    /// The order of the last attempt: any permutation will do (see `Selector::pick`).
    order: Vec<u32>,
    sel: Selector,
}

/// A case of a [`SelectLoop`] with its closures.
trait LoopCase<R> {
    fn case(&mut self) -> &mut dyn Case;
    /// Before each select: a send case without a value makes one.
    fn prepare(&mut self) {}
    /// Turns the case into a nil case.
    fn disable(&mut self);
    /// The case won: its closure turns the outcome into the result.
    fn finish(&mut self) -> Option<R>;
}

struct RecvLoop<'a, T, F> {
    case: RecvCase<'a, T>,
    f: F,
}

impl<T, F, R> LoopCase<R> for RecvLoop<'_, T, F>
where
    F: FnMut(Result<T, RecvError>) -> R,
{
    fn case(&mut self) -> &mut dyn Case {
        &mut self.case
    }

    fn disable(&mut self) {
        self.case.make_nil();
    }

    fn finish(&mut self) -> Option<R> {
        Some((self.f)(self.case.take_output()?))
    }
}

struct SendLoop<'a, T, M, F> {
    case: SendCase<'a, T>,
    make: M,
    f: F,
}

impl<T, M, F, R> LoopCase<R> for SendLoop<'_, T, M, F>
where
    M: FnMut() -> T,
    F: FnMut(Result<(), SendError<T>>) -> R,
{
    fn case(&mut self) -> &mut dyn Case {
        &mut self.case
    }

    fn disable(&mut self) {
        self.case.make_nil();
    }

    fn prepare(&mut self) {
        if self.case.wants_value() {
            self.case.set_value((self.make)());
        }
    }

    fn finish(&mut self) -> Option<R> {
        Some((self.f)(self.case.take_output()?))
    }
}

struct LoopCases<'a, R>(Vec<Box<dyn LoopCase<R> + 'a>>);

impl<R> CaseList for LoopCases<'_, R> {
    type Order = Vec<u32>;

    fn new_order(&self) -> Vec<u32> {
        (0..self.0.len() as u32).collect()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&mut self, i: usize) -> &mut dyn Case {
        self.0[i].case()
    }
}

impl<'a, R> SelectLoop<'a, R> {
    /// A loop with no cases. Selected as it is, it never completes: Go's `select {}`.
    ///
    /// ```
    /// use futures::FutureExt;
    /// let mut nothing = gochan::SelectLoop::<()>::new();
    /// assert!(nothing.select().now_or_never().is_none());
    /// ```
    pub fn new() -> Self {
        SelectLoop {
            cases: LoopCases(Vec::new()),
            default: None,
            order: Vec::new(),
            sel: Selector::new(false, false),
        }
    }

    fn push(mut self, case: impl LoopCase<R> + 'a) -> Self {
        self.order.push(self.cases.0.len() as u32);
        self.cases.0.push(Box::new(case));
        self
    }

    /// Adds a receive case: `f` gets each value it wins, or `Err(RecvError)` once the
    /// channel is closed and drained (a closed channel is always ready, so it wins
    /// again and again: stop selecting, or build a loop without it). `None` is a nil
    /// channel.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(4);
    /// for v in [1, 2, 3] {
    ///     tx.try_send(v).unwrap();
    /// }
    /// let mut doubled = gochan::SelectLoop::new().recv(&rx, |msg| msg.unwrap() * 2);
    /// let got: Vec<i32> = (0..3).map(|_| doubled.wait()).collect();
    /// assert_eq!(got, [2, 4, 6]);
    /// ```
    pub fn recv<T: 'a>(
        self,
        rx: impl Into<Option<&'a Receiver<T>>>,
        f: impl FnMut(Result<T, RecvError>) -> R + 'a,
    ) -> Self {
        self.push(RecvLoop {
            case: RecvCase::new(rx),
            f,
        })
    }

    /// Adds a send case: `make` makes the value to offer, `f` gets `Ok(())` once it is
    /// sent, or the value back in `Err(SendError(value))` if the channel is closed. A
    /// value not sent yet stays in the case for the next select; `make` is called again
    /// only after `f` ran. `None` is a nil channel (`make` is never called).
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(8);
    /// let mut next = 0;
    /// let mut feed = gochan::SelectLoop::new().send(
    ///     &tx,
    ///     || {
    ///         next += 1;
    ///         next
    ///     },
    ///     |res| res.is_ok(),
    /// );
    /// assert!(feed.wait() && feed.wait() && feed.wait());
    /// drop(feed);
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2, 3]);
    /// ```
    pub fn send<T: 'a>(
        self,
        tx: impl Into<Option<&'a Sender<T>>>,
        make: impl FnMut() -> T + 'a,
        f: impl FnMut(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.push(SendLoop {
            case: SendCase::empty(tx),
            make,
            f,
        })
    }

    /// Runs `f` when no case is ready at once: no select of this loop ever waits.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut poll = gochan::SelectLoop::new()
    ///     .recv(&rx, |msg| msg.ok())
    ///     .default(|| None);
    /// assert_eq!(poll.wait(), None);
    /// tx.try_send(5).unwrap();
    /// assert_eq!(poll.wait(), Some(5));
    /// ```
    pub fn default(mut self, f: impl FnMut() -> R + 'a) -> Self {
        self.default = Some(Box::new(f));
        self.sel.nonblocking = true;
        self
    }

    /// Tries the cases in the order they were added instead of a random one, so the
    /// first ready case always wins.
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// let (tx2, rx2) = gochan::unbounded();
    /// tx.try_send("first").unwrap();
    /// tx2.try_send("second").unwrap();
    /// let mut sel = gochan::SelectLoop::new()
    ///     .recv(&rx, |msg| msg.unwrap())
    ///     .recv(&rx2, |msg| msg.unwrap())
    ///     .biased();
    /// assert_eq!(sel.wait(), "first");
    /// assert_eq!(sel.wait(), "second");
    /// ```
    pub fn biased(mut self) -> Self {
        self.sel.biased = true;
        self
    }

    /// Turns case `index` (counted from 0 in the order the cases were added) into a nil
    /// case, which never fires again: Go's idiom of setting a closed channel's variable
    /// to `nil` so that its `select` stops choosing it. A send case's unsent value is
    /// dropped.
    ///
    /// # Panics
    ///
    /// If there is no case `index`.
    ///
    /// ```
    /// use gochan::RecvError;
    /// let (tx1, rx1) = gochan::unbounded();
    /// let (tx2, rx2) = gochan::unbounded();
    /// tx1.try_send(1).unwrap();
    /// tx2.try_send(2).unwrap();
    /// drop((tx1, tx2)); // both close once drained
    ///
    /// let mut fan_in = gochan::SelectLoop::new()
    ///     .recv(&rx1, |msg: Result<i32, RecvError>| (0, msg))
    ///     .recv(&rx2, |msg: Result<i32, RecvError>| (1, msg));
    /// let (mut sum, mut open) = (0, 2);
    /// while open > 0 {
    ///     match fan_in.wait() {
    ///         (_, Ok(v)) => sum += v,
    ///         (i, Err(RecvError)) => {
    ///             fan_in.disable(i);
    ///             open -= 1;
    ///         }
    ///     }
    /// }
    /// assert_eq!(sum, 3);
    /// ```
    pub fn disable(&mut self, index: usize) {
        self.sel.abandon(&mut self.cases);
        self.cases.0[index].disable();
    }

    /// One select over the cases: a future that completes with the result of the case
    /// that took effect. Dropped before it completes, it withdraws every case, exactly
    /// as a dropped [`Select`](crate::Select) does, and the loop can select again.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded(1);
    /// let mut sel = gochan::SelectLoop::new().recv(&rx, |msg| msg.unwrap());
    /// for i in 0..3 {
    ///     tx.send(i).await.unwrap();
    ///     assert_eq!(sel.select().await, i);
    /// }
    /// # });
    /// ```
    pub fn select(&mut self) -> SelectNext<'_, 'a, R> {
        // A select whose future was leaked (not dropped) may still have waiters queued.
        self.sel.abandon(&mut self.cases);
        self.sel.rearm();
        for case in &mut self.cases.0 {
            case.prepare();
        }
        SelectNext { sl: self }
    }

    /// Blocks the current thread until a case completes, and returns its result.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         tx.send_blocking(i).unwrap();
    ///     }
    /// });
    /// let mut sel = gochan::SelectLoop::new().recv(&rx, |msg| msg.unwrap());
    /// assert_eq!([sel.wait(), sel.wait(), sel.wait()], [0, 1, 2]);
    /// ```
    pub fn wait(&mut self) -> R {
        block_on(self.select())
    }

    /// Blocks the current thread until a case completes or `timeout` passes. `None`
    /// means the time ran out and no case took effect (a send case keeps its value for
    /// the next select); a case that completes just as it runs out is returned.
    ///
    /// ```
    /// use std::time::Duration;
    /// let (tx, rx) = gochan::bounded::<u32>(0);
    /// let mut sel = gochan::SelectLoop::new().recv(&rx, |msg| msg.unwrap());
    /// assert_eq!(sel.wait_timeout(Duration::from_millis(10)), None); // nobody sent
    /// # drop(tx);
    /// ```
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<R> {
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
    /// let mut sel = gochan::SelectLoop::new().recv(&rx, |msg| msg.unwrap());
    /// assert_eq!(sel.wait_deadline(Instant::now() + Duration::from_secs(10)), Some("hi"));
    /// ```
    pub fn wait_deadline(&mut self, deadline: Instant) -> Option<R> {
        let mut next = self.select();
        if let Some(out) = block_on_until(Pin::new(&mut next), Some(deadline)) {
            return Some(out);
        }
        let sl = &mut *next.sl;
        let won = sl.sel.withdraw(&mut sl.cases)?;
        sl.cases.0[won].finish()
    }
}

impl<R> Default for SelectLoop<'_, R> {
    fn default() -> Self {
        SelectLoop::new()
    }
}

impl<R> fmt::Debug for SelectLoop<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectLoop")
            .field("cases", &self.cases.0.len())
            .field("default", &self.default.is_some())
            .field("engine", &self.sel)
            .finish()
    }
}

/// The future of one select of a [`SelectLoop`], from [`SelectLoop::select`].
#[must_use = "a select does nothing unless awaited"]
pub struct SelectNext<'s, 'a, R> {
    sl: &'s mut SelectLoop<'a, R>,
}

impl<R> Future for SelectNext<'_, '_, R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let sl = &mut *self.get_mut().sl;
        match sl.sel.poll(&mut sl.cases, &mut sl.order, cx) {
            Poll::Ready(Some(i)) => match sl.cases.0[i].finish() {
                Some(out) => Poll::Ready(out),
                None => Poll::Pending,
            },
            Poll::Ready(None) => match &mut sl.default {
                Some(f) => Poll::Ready(f()),
                None => Poll::Pending,
            },
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<R> Drop for SelectNext<'_, '_, R> {
    fn drop(&mut self) {
        self.sl.sel.abandon(&mut self.sl.cases);
    }
}

impl<R> fmt::Debug for SelectNext<'_, '_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SelectNext").field("sel", &self.sl).finish()
    }
}
