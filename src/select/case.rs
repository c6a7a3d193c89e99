//! The kinds of select case. Each knows how to try its operation at once, how to wait
//! in its channel's queue under the select's claim, and how to take that waiter back.

use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::chan::Chan;
use crate::channel::{Receiver, Sender};
use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
use crate::sync::Arc;
use crate::waiter::{Claim, Ticket};

/// What the engine needs to tell cases apart.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseKind {
    /// A nil channel: never fires.
    Nil,
    /// A send or receive: tried at once, then queued.
    Channel,
    /// Any other future: polled on every attempt, never queued.
    Future,
}

/// One case of a select, as the engine drives it.
#[doc(hidden)]
pub trait Case {
    fn kind(&self) -> CaseKind;

    /// Pass 1: completes the case now if that needs no waiting.
    fn try_now(&mut self, cx: &mut Context<'_>) -> bool;

    /// Pass 2: queues a waiter carrying `claim`. `false` means the channel has become
    /// ready since pass 1, and the select must look again.
    fn register(&mut self, claim: &Arc<Claim>, index: usize, waker: &Waker) -> bool;

    /// Points the queued waiter at a new waker.
    fn rewake(&mut self, waker: &Waker);

    /// The queued waiter won the claim: collect the outcome.
    fn complete(&mut self);

    /// Takes the queued waiter back, if any (giving back a value handed to it).
    fn withdraw(&mut self);
}

/// A case's outcome, once it is the chosen one.
#[doc(hidden)]
pub trait TakeOutput {
    type Output;
    fn take_output(&mut self) -> Option<Self::Output>;
}

/// `recv(rx)`: Go's `case v, ok := <-ch`.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct RecvCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    ticket: Option<Ticket>,
    out: Option<Result<T, RecvError>>,
}

impl<'a, T> RecvCase<'a, T> {
    pub fn new(rx: impl Into<Option<&'a Receiver<T>>>) -> Self {
        RecvCase {
            chan: rx.into().map(|rx| &*rx.chan),
            ticket: None,
            out: None,
        }
    }
}

impl<T> RecvCase<'_, T> {
    /// Makes the case a nil one; it must not be queued.
    pub(crate) fn make_nil(&mut self) {
        debug_assert!(self.ticket.is_none());
        self.chan = None;
        self.out = None;
    }
}

impl<T> Case for RecvCase<'_, T> {
    fn kind(&self) -> CaseKind {
        match self.chan {
            Some(_) => CaseKind::Channel,
            None => CaseKind::Nil,
        }
    }

    fn try_now(&mut self, _: &mut Context<'_>) -> bool {
        let Some(chan) = self.chan else { return false };
        self.out = match chan.try_recv() {
            Ok(value) => Some(Ok(value)),
            Err(TryRecvError::Closed) => Some(Err(RecvError)),
            Err(TryRecvError::Empty) => return false,
        };
        true
    }

    fn register(&mut self, claim: &Arc<Claim>, index: usize, waker: &Waker) -> bool {
        let Some(chan) = self.chan else { return true };
        self.ticket = chan.register_recv(claim, index, waker);
        self.ticket.is_some()
    }

    fn rewake(&mut self, waker: &Waker) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket) {
            chan.rewake_recv(ticket, waker);
        }
    }

    fn complete(&mut self) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket.take()) {
            self.out = Some(chan.complete_recv(ticket));
        }
    }

    fn withdraw(&mut self) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket.take()) {
            chan.withdraw_recv(ticket);
        }
    }
}

impl<T> TakeOutput for RecvCase<'_, T> {
    type Output = Result<T, RecvError>;

    fn take_output(&mut self) -> Option<Self::Output> {
        self.out.take()
    }
}

// The engine withdraws every queued case before the cases are dropped (`Selector::
// abandon`, from the `Drop` of `SelectTuple` and of `Select`), so a case's own `Drop`
// has nothing to do; a withdrawal here cost a check per case per select. Only debug
// builds check it: without a `Drop` impl, a case of a value type without drop glue has
// none either, and a `Select` of such cases skips dropping them one by one.
#[cfg(debug_assertions)]
impl<T> Drop for RecvCase<'_, T> {
    fn drop(&mut self) {
        debug_assert!(self.ticket.is_none(), "a select case dropped while queued");
    }
}

/// `send(tx, value)`: Go's `case ch <- v`.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct SendCase<'a, T> {
    chan: Option<&'a Chan<T>>,
    /// The value until it is sent; back here while the case is not queued.
    value: Option<T>,
    ticket: Option<Ticket>,
    out: Option<Result<(), SendError<T>>>,
}

impl<'a, T> SendCase<'a, T> {
    pub fn new(tx: impl Into<Option<&'a Sender<T>>>, value: T) -> Self {
        let mut case = SendCase::empty(tx);
        case.value = Some(value);
        case
    }

    /// A send case with no value yet: a [`SelectLoop`](super::SelectLoop) gives it
    /// one before each select that finds it empty.
    pub(crate) fn empty(tx: impl Into<Option<&'a Sender<T>>>) -> Self {
        SendCase {
            chan: tx.into().map(|tx| &*tx.chan),
            value: None,
            ticket: None,
            out: None,
        }
    }

    /// Whether the case is on a channel (not nil) and has no value to offer: its last
    /// one was sent or handed back.
    pub(crate) fn wants_value(&self) -> bool {
        self.chan.is_some() && self.value.is_none() && self.ticket.is_none()
    }

    /// Makes the case a nil one, dropping its value; it must not be queued.
    pub(crate) fn make_nil(&mut self) {
        debug_assert!(self.ticket.is_none());
        self.chan = None;
        self.value = None;
        self.out = None;
    }

    pub(crate) fn set_value(&mut self, value: T) {
        debug_assert!(self.wants_value());
        self.value = Some(value);
    }
}

impl<T> Case for SendCase<'_, T> {
    fn kind(&self) -> CaseKind {
        match self.chan {
            Some(_) => CaseKind::Channel,
            None => CaseKind::Nil,
        }
    }

    fn try_now(&mut self, _: &mut Context<'_>) -> bool {
        // A nil case keeps its value until the select drops it, like every unchosen one.
        let Some(chan) = self.chan else {
            return false;
        };
        let Some(value) = self.value.take() else {
            return false;
        };
        self.out = match chan.try_send(value) {
            Ok(()) => Some(Ok(())),
            Err(TrySendError::Closed(value)) => Some(Err(SendError(value))),
            Err(TrySendError::Full(value)) => {
                self.value = Some(value);
                return false;
            }
        };
        true
    }

    fn register(&mut self, claim: &Arc<Claim>, index: usize, waker: &Waker) -> bool {
        let Some(chan) = self.chan else {
            return true;
        };
        let Some(value) = self.value.take() else {
            return true;
        };
        match chan.register_send(claim, index, waker, value) {
            Ok(ticket) => {
                self.ticket = Some(ticket);
                true
            }
            Err(value) => {
                self.value = Some(value);
                false
            }
        }
    }

    fn rewake(&mut self, waker: &Waker) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket) {
            chan.rewake_send(ticket, waker);
        }
    }

    fn complete(&mut self) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket.take()) {
            self.out = Some(chan.complete_send(ticket));
        }
    }

    fn withdraw(&mut self) {
        if let (Some(chan), Some(ticket)) = (self.chan, self.ticket.take()) {
            if let Some(value) = chan.withdraw_send(ticket) {
                self.value = Some(value);
            }
        }
    }
}

impl<T> TakeOutput for SendCase<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn take_output(&mut self) -> Option<Self::Output> {
        self.out.take()
    }
}

#[cfg(debug_assertions)]
impl<T> Drop for SendCase<'_, T> {
    fn drop(&mut self) {
        debug_assert!(self.ticket.is_none(), "a select case dropped while queued");
    }
}

/// `future(fut)`: any future, such as a timer (Go's `case <-time.After(d)`).
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct FutureCase<P: DerefMut>
where
    P::Target: Future,
{
    fut: Pin<P>,
    out: Option<<P::Target as Future>::Output>,
}

impl<P> FutureCase<P>
where
    P: DerefMut,
    P::Target: Future,
{
    pub fn new(fut: Pin<P>) -> Self {
        FutureCase { fut, out: None }
    }
}

impl<P> Case for FutureCase<P>
where
    P: DerefMut,
    P::Target: Future,
{
    fn kind(&self) -> CaseKind {
        CaseKind::Future
    }

    fn try_now(&mut self, cx: &mut Context<'_>) -> bool {
        match self.fut.as_mut().poll(cx) {
            Poll::Ready(out) => {
                self.out = Some(out);
                true
            }
            Poll::Pending => false,
        }
    }

    fn register(&mut self, _: &Arc<Claim>, _: usize, _: &Waker) -> bool {
        true // its waker was registered when it was polled
    }

    fn rewake(&mut self, _: &Waker) {}

    fn complete(&mut self) {}

    fn withdraw(&mut self) {}
}

impl<P> TakeOutput for FutureCase<P>
where
    P: DerefMut,
    P::Target: Future,
{
    type Output = <P::Target as Future>::Output;

    fn take_output(&mut self) -> Option<Self::Output> {
        self.out.take()
    }
}
