//! The channel itself: Go's `hchan` and its verbs.
//!
//! # Where values live
//!
//! A value is always owned by exactly one of four places, and moves between them only
//! under the channel's lock, or through the ring while its gate is open:
//!
//! 1. the sending future, until its first poll;
//! 2. the channel: its buffer (the [`Ring`] of most bounded channels, and `buf`, which is
//!    the whole buffer of the others and holds only values given back in front of the
//!    ring), or the `sendq` waiter of a sender that is waiting to deliver it, or the
//!    `parcel` (then `handed`, if the parcel is full), where a value given to a
//!    particular waiting receiver sits until that receiver's future collects it;
//! 3. the receiving future, once it has collected it;
//! 4. nobody: it was dropped with the channel or with a cancelled send.
//!
//! The side that arrives second moves the value, exactly as in Go: a send that finds
//! a receiver waiting leaves the value in the parcel under that receiver's ticket and
//! completes at once (the woken receiver takes it from there without the lock); a
//! receive that finds a sender waiting takes the value out of the sender's waiter and
//! completes it. A waiting future holds nothing but its ticket.
//!
//! # The ring's gate
//!
//! A send or a receive on a bounded channel first tries the ring without the lock
//! (`src/ring.rs`). That is only sound while nobody waits, so taking the lock closes the
//! ring's gate, which stops every such attempt, and releasing it opens the gate again
//! only when no waiter is queued, nothing was given back, the channel is open and the
//! ring is neither full nor empty. While the gate is closed the ring is just the buffer
//! the lock guards, as `buf` is, and everything below holds as written; a fast
//! operation that won its slot just before the gate closed is waited for, slot by slot.
//!
//! # Why a dropped future loses or duplicates nothing
//!
//! Every future's `Drop` takes the lock and looks its ticket up, so it sees the one
//! state the last lock holder left:
//!
//! - A send future whose waiter is still queued takes the value back (dropping it, or
//!   returning it from [`SendFuture::cancel`](crate::SendFuture::cancel)); if the waiter
//!   is gone, a receiver took the value and the send counts as done. Either way the
//!   value has exactly one owner.
//! - A receive future whose ticket has a value in the parcel or in `handed` was woken
//!   but never polled again: it gives the value back, to the receiver that has now
//!   waited longest, or to the head of the buffer (at capacity 0 too), where the next
//!   receive finds it first. That also passes the wake-up on, so no other receiver is
//!   stranded. (It takes the lock for that; only collecting a value skips it.)
//! - Any other waiter is simply unlinked.
//!
//! # Invariants (under the lock)
//!
//! - Unless the channel is closed, `recvq` holds a claimable waiter only while the
//!   buffer is empty and `sendq` has no claimable waiter, and `sendq` holds one only
//!   while the buffer is full. (A select may have a send and a receive waiter on one
//!   channel at once; it never pairs them, and stale waiters of a select whose claim is
//!   lost are only stepped over.)
//! - After close, `recvq` is empty and nothing new is queued; `sendq` waiters stay
//!   until their futures collect their values, and no receive takes from them.
//! - No value is dropped and no waker is dropped under the lock, so no `Drop` of a
//!   value or of a task (whose future may hold this channel) runs while it is held.
//!   The one waiter a send or receive completes is woken (`wake_by_ref`, which only
//!   schedules its task) just before the release, because that measured faster on
//!   contended rows; `close` wakes its broadcast after.

use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::ops::{Deref, DerefMut};
use std::task::{Context, Poll, Waker};

use crate::error::{RecvError, SendError, TryRecvError, TrySendError};
use crate::ring::{Blocked, Parcel, Ring};
use crate::sync::{lock, Arc, AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::waiter::{CaseClaim, Claim, Ticket, WaitQueue, Waiter};

/// Wakes every waker of a broadcast. A waker whose `wake` panics must not strand the
/// waiters after it, which nobody would wake again: each is woken, then the first
/// panic resumes.
fn wake_all(wakers: Vec<Waker>) {
    let mut panic = None;
    for waker in wakers {
        if let Err(payload) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()))
        {
            panic.get_or_insert(payload);
        }
    }
    if let Some(payload) = panic {
        std::panic::resume_unwind(payload);
    }
}

/// The shared heart of one channel. `Sender` and `Receiver` are `Arc`s of it.
pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// A [`Summary`] of `state`, published whenever the lock is released, for the
    /// fast paths that decide without the lock that nothing can be done yet.
    summary: AtomicUsize,
    /// The ticket of the last plain (not select) waiting sender whose value a receive
    /// took. Plain senders are dequeued strictly in ticket order (they are always
    /// claimable, and a dequeue takes the first claimable waiter), so a waiting send
    /// whose ticket is at most this knows, without the lock, that its value is gone
    /// and it is done: a woken sender skips retaking the lock.
    served: AtomicU64,
    /// The buffer of a bounded channel, which sends and receives use without the lock
    /// while nobody waits (see `src/ring.rs`); `None` when unbounded, at capacities below
    /// 8 and for rings over 64 KiB (see `Ring::fits`), where `State::buf` is the whole
    /// buffer.
    ring: Option<Box<Ring<T>>>,
    /// Where a send leaves the value it hands to a waiting receiver, which collects it
    /// without the lock; `State::handed` takes any more while it is full.
    parcel: Parcel<T>,
    /// The buffer's capacity; `usize::MAX` when unbounded.
    cap: usize,
    bounded: bool,
    /// Live `Sender`s and `Receiver`s; the last of either closes the channel.
    pub(crate) senders: AtomicUsize,
    pub(crate) receivers: AtomicUsize,
}

/// Everything the lock guards.
struct State<T> {
    /// Buffered values, oldest first. Grows as it fills, so a huge capacity costs
    /// nothing up front. With a ring, only values given back by cancelled receives,
    /// which come before everything in the ring.
    buf: VecDeque<T>,
    /// Senders waiting for room or for a receiver, each holding its value.
    sendq: WaitQueue<T>,
    /// Receivers waiting for a value.
    recvq: WaitQueue<()>,
    /// Values handed to dequeued receivers that have not collected them yet, beyond
    /// the one in `Chan::parcel`.
    handed: Vec<(Ticket, T)>,
    /// Stale select waiters taken off `recvq` by peers (see [`State::pop_receiver`]),
    /// kept until their selects withdraw them, so that their wakers are dropped there,
    /// after the lock, like every other waker.
    evicted: Vec<Waiter<()>>,
    /// Futures of [`Sender::closed`](crate::Sender::closed) waiting for the close. Not
    /// a waiter queue: they take and give no value, so the ring's gate ignores them.
    closers: Vec<(Ticket, Waker)>,
    closed: bool,
    next_ticket: u64,
}

/// Where a send future stands.
pub(crate) enum SendOp<T> {
    /// Not yet polled: the future still holds the value.
    Start(T),
    /// Queued in `sendq`; the value lives in the waiter.
    Waiting(Ticket),
    /// Completed or cancelled.
    Done,
}

impl<T> SendOp<T> {
    /// Moves the value out of a send that still holds it, once the lock is held and the
    /// value's place is decided. The value stays in the future until that moment, so
    /// it moves once, from the future to its place (a 64-byte value used to be copied
    /// through each frame on the way), and a panic before then leaves it with the
    /// future, which drops it outside the lock.
    #[inline(always)]
    fn take(&mut self) -> T {
        match mem::replace(self, SendOp::Done) {
            SendOp::Start(value) => value,
            _ => unreachable!("a send's value moves once"),
        }
    }
}

/// The buffer is full and no receiver waits: the send must wait, or fail if it may not.
struct NoRoom;

/// Where a receive future stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecvOp {
    Start,
    Waiting(Ticket),
    Done,
}

/// What the lock-free fast paths may know of the state: the length of `buf`, whether
/// the channel is closed, and whether either queue holds waiters. It is exact as of the
/// last release of the lock, so a decision taken from it is one the locked code could
/// have taken at that moment. A channel with a ring asks the ring instead, which counts
/// itself: its summary's length is only what was given back in front of it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Summary(usize);

impl Summary {
    const RECEIVERS_WAITING: usize = 1;
    const SENDERS_WAITING: usize = 2;
    const CLOSED: usize = 4;
    const LEN_SHIFT: u32 = 3;

    #[inline]
    fn of<T>(s: &State<T>) -> Self {
        let len = s.buf.len().min(usize::MAX >> Self::LEN_SHIFT);
        let mut summary = len << Self::LEN_SHIFT;
        if s.closed {
            summary |= Self::CLOSED;
        }
        if !s.sendq.is_empty() {
            summary |= Self::SENDERS_WAITING;
        }
        if !s.recvq.is_empty() {
            summary |= Self::RECEIVERS_WAITING;
        }
        Summary(summary)
    }

    fn len(self) -> usize {
        self.0 >> Self::LEN_SHIFT
    }

    fn closed(self) -> bool {
        (self.0 & Self::CLOSED) != 0
    }

    /// A receive could complete now (or fail: closed).
    fn recv_ready(self) -> bool {
        (self.0 & !Self::RECEIVERS_WAITING) != 0
    }

    /// A send could complete now (or fail: closed).
    fn send_ready(self, cap: usize) -> bool {
        self.len() < cap || (self.0 & (Self::CLOSED | Self::RECEIVERS_WAITING)) != 0
    }
}

/// The channel's lock, held. Releasing it publishes the new [`Summary`].
/// `RING` is `false` only where the channel is known to have no ring, so that the
/// compiler drops every ring check from those copies of the code.
struct Locked<'a, T, const RING: bool = true> {
    state: MutexGuard<'a, State<T>>,
    chan: &'a Chan<T>,
    /// Gated while the lock is held.
    ring: Option<&'a Ring<T>>,
}

impl<T, const RING: bool> Deref for Locked<'_, T, RING> {
    type Target = State<T>;

    fn deref(&self) -> &State<T> {
        &self.state
    }
}

impl<T, const RING: bool> DerefMut for Locked<'_, T, RING> {
    fn deref_mut(&mut self) -> &mut State<T> {
        &mut self.state
    }
}

impl<T, const RING: bool> Drop for Locked<'_, T, RING> {
    #[inline]
    fn drop(&mut self) {
        // Still under the lock: the summary never runs ahead of the state.
        if let Some(ring) = self.ring() {
            let s = &self.state;
            if !s.closed && s.sendq.is_empty() && s.recvq.is_empty() && s.buf.is_empty() {
                ring.open_gate_if_worth_it();
            }
        }
        self.chan
            .summary
            .store(Summary::of(&self.state).0, Ordering::Release);
    }
}

impl<'a, T, const RING: bool> Locked<'a, T, RING> {
    /// The ring, unless this copy of the code is for channels without one.
    #[inline(always)]
    fn ring(&self) -> Option<&'a Ring<T>> {
        if RING {
            self.ring
        } else {
            None
        }
    }

    /// Wakes the waiter a verb just completed, then releases the lock; the waker is
    /// dropped only after, so no task can be dropped (and run a future's `Drop`, which
    /// may lock this channel) while we hold the lock.
    ///
    /// Waking before releasing is measured, not principled: on two tokio workers it
    /// roughly halved contended capacity-0/1 rows (`BENCHMARKS.md`, "The measurements
    /// behind the code"), the woken task no longer racing the waker's thread for the
    /// lock it just left. Executors' `wake` only schedules the task, so the
    /// lock is held a few nanoseconds longer, never across a poll.
    ///
    /// A `wake_by_ref` that panics finds the verb complete; the panic unwinds out of
    /// the call that woke, releasing the lock before the waker drops (locals drop in
    /// reverse order of declaration, parameters would drop the waker first).
    #[inline(always)]
    fn wake_and_release(self, waker: Option<Waker>) {
        let waker = waker;
        let guard = self;
        if let Some(waker) = &waker {
            waker.wake_by_ref();
        }
        drop(guard);
        drop(waker);
    }

    /// How many values are buffered.
    #[inline(always)]
    fn buf_len(&self) -> usize {
        self.state.buf.len() + self.ring().map_or(0, Ring::len_gated)
    }

    /// Buffers a value behind every other; the caller has checked that there is room.
    #[inline(always)]
    fn buf_push_back(&mut self, value: T) {
        match self.ring() {
            Some(ring) => ring.push_gated(value),
            None => self.state.buf.push_back(value),
        }
    }

    /// The oldest buffered value.
    #[inline(always)]
    fn buf_pop_front(&mut self) -> Option<T> {
        match self.state.buf.pop_front() {
            None => self.ring().and_then(Ring::pop_gated),
            value => value,
        }
    }

    /// The fast path of a send, small enough to inline into every caller: room in the
    /// buffer and no receiver waiting (which would need the value handed to it).
    #[inline]
    fn buffer(&mut self, op: &mut SendOp<T>, cap: usize) -> bool {
        if !self.closed && self.recvq.is_empty() && self.buf_len() < cap {
            self.buf_push_back(op.take());
            return true;
        }
        false
    }

    /// The fast path of a receive: a buffered value and no sender waiting (whose value
    /// would have to move into the freed slot).
    #[inline]
    fn unbuffer(&mut self) -> Option<T> {
        if self.sendq.is_empty() {
            return self.buf_pop_front();
        }
        None
    }

    /// Go's `chanrecv` without parking: the oldest buffered value, whose slot goes to the
    /// first waiting sender (Go's `recv`), or straight from a waiting sender. Returns the
    /// sender to wake with the value.
    #[inline(always)]
    fn take(&mut self, cap: usize, served: &AtomicU64) -> Option<(T, Option<Waker>)> {
        if let Some(value) = self.buf_pop_front() {
            let mut waker = None;
            if !self.closed && self.buf_len() < cap {
                if let Some(sender) = self.state.pop_sender(served) {
                    self.buf_push_back(sender.value);
                    waker = sender.waker;
                }
            }
            return Some((value, waker));
        }
        if self.closed {
            return None;
        }
        let sender = self.pop_sender(served)?;
        Some((sender.value, sender.waker))
    }

    /// Go's `chansend` without parking: hand the value of `op` to the receiver that has
    /// waited longest, or buffer it. The caller has checked that the channel is open.
    #[inline(always)]
    fn give(&mut self, op: &mut SendOp<T>, cap: usize) -> Result<Option<Waker>, NoRoom> {
        if let Some(receiver) = self.pop_receiver() {
            self.hand(receiver.ticket, op.take());
            return Ok(receiver.waker);
        }
        if self.buf_len() < cap {
            self.buf_push_back(op.take());
            return Ok(None);
        }
        Err(NoRoom)
    }

    /// A receiver that was handed `value` is gone before returning it: the value goes to
    /// the next waiting receiver, or back to the head of the channel.
    fn give_back(&mut self, value: T) -> Option<Waker> {
        if let Some(receiver) = self.pop_receiver() {
            self.hand(receiver.ticket, value);
            return receiver.waker;
        }
        self.buf.push_front(value);
        None
    }

    /// Leaves `value` for the dequeued receiver `ticket`: in the parcel if it is free.
    #[inline(always)]
    fn hand(&mut self, ticket: Ticket, value: T) {
        if let Err(value) = self.chan.parcel.put(ticket.0, value) {
            self.handed.push((ticket, value));
        }
    }

    /// The value handed to the receiver `ticket`, if any.
    #[inline]
    fn take_handed(&mut self, ticket: Ticket) -> Option<T> {
        if let Some(value) = self.chan.parcel.take(ticket.0) {
            return Some(value);
        }
        // Almost always the one handed value is ours: pop it without a search.
        if self.handed.last().is_some_and(|(t, _)| *t == ticket) {
            return self.handed.pop().map(|(_, value)| value);
        }
        self.state.take_handed_searching(ticket)
    }
}

/// Points a waiter at `new`; returns the waker it replaced, to be dropped after the lock.
fn rewake<V>(waiter: &mut Waiter<V>, new: &Waker) -> Option<Waker> {
    match &waiter.waker {
        Some(old) if old.will_wake(new) => None,
        _ => waiter.waker.replace(new.clone()),
    }
}

impl<T> State<T> {
    fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        Ticket(self.next_ticket)
    }

    /// Dequeues the sender that has waited longest, for a receive that takes its value,
    /// and tells it through `served` (see [`Chan::served`]).
    #[inline(always)]
    fn pop_sender(&mut self, served: &AtomicU64) -> Option<Waiter<T>> {
        let sender = self.sendq.pop_ready(None)?;
        if sender.select.is_none() {
            served.store(sender.ticket.0, Ordering::Release);
        }
        Some(sender)
    }

    /// Dequeues the receiver that has waited longest and can still be completed.
    ///
    /// A select's receive waiter whose select completed through another case stays
    /// queued until that select withdraws it, and until then every send has to step
    /// over it, off the inlined fast path. In a fan-in, where one waiting select is
    /// woken by one channel while its other channels go on filling, that was most
    /// sends. So
    /// such waiters found at the front are taken off here, into `evicted`, where the
    /// select's withdrawal finds them.
    #[inline]
    fn pop_receiver(&mut self) -> Option<Waiter<()>> {
        self.recvq.pop_ready_evicting(&mut self.evicted)
    }

    /// A select withdrawing a stale waiter that a peer evicted takes it back.
    #[cold]
    fn take_evicted(&mut self, ticket: Ticket) -> Option<Waiter<()>> {
        let i = self.evicted.iter().position(|w| w.ticket == ticket)?;
        Some(self.evicted.swap_remove(i))
    }

    #[cold]
    fn take_handed_searching(&mut self, ticket: Ticket) -> Option<T> {
        let i = self.handed.iter().position(|(t, _)| *t == ticket)?;
        Some(self.handed.swap_remove(i).1)
    }
}

impl<T> Chan<T> {
    pub(crate) fn new(cap: Option<usize>) -> Self {
        Chan {
            summary: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            state: Mutex::new(State {
                buf: VecDeque::new(),
                sendq: WaitQueue::new(),
                recvq: WaitQueue::new(),
                handed: Vec::new(),
                evicted: Vec::new(),
                closers: Vec::new(),
                closed: false,
                next_ticket: 0,
            }),
            parcel: Parcel::new(),
            ring: match cap {
                Some(cap) if Ring::<T>::fits(cap) => Some(Box::new(Ring::new(cap))),
                _ => None,
            },
            cap: cap.unwrap_or(usize::MAX),
            bounded: cap.is_some(),
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
        }
    }

    /// Takes the lock, and gates the ring so that the state it guards is the whole truth.
    #[inline]
    fn lock(&self) -> Locked<'_, T> {
        self.lock_with::<true>(self.ring.as_deref())
    }

    /// [`Self::lock`] for the hot paths, which pass the ring (or `None`) as they found
    /// it: once inlined, a channel without a ring tests for it only once.
    #[inline(always)]
    fn lock_with<'a, const RING: bool>(&'a self, ring: Option<&'a Ring<T>>) -> Locked<'a, T, RING> {
        let locked = Locked {
            state: lock(&self.state),
            chan: self,
            ring,
        };
        if let Some(ring) = ring {
            ring.close_gate();
        }
        locked
    }

    fn summary(&self) -> Summary {
        Summary(self.summary.load(Ordering::Acquire))
    }

    // ----- sending -----

    #[inline]
    pub(crate) fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let mut op = SendOp::Start(value);
        match self.ring.as_deref() {
            None if !self.summary().send_ready(self.cap) => Err(TrySendError::Full(op.take())),
            None => self.try_send_start::<false>(None, op),
            Some(ring) => match ring.try_push(|| op.take()) {
                Ok(()) => Ok(()),
                // Ungated: nobody waits and the channel is open, so full is the answer.
                Err(Blocked::Now) => Err(TrySendError::Full(op.take())),
                Err(Blocked::Gated) => self.try_send_start::<true>(Some(ring), op),
            },
        }
    }

    #[inline(always)]
    fn try_send_start<const RING: bool>(
        &self,
        ring: Option<&Ring<T>>,
        mut op: SendOp<T>,
    ) -> Result<(), TrySendError<T>> {
        let mut s = self.lock_with::<RING>(ring);
        if s.buffer(&mut op, self.cap) {
            return Ok(());
        }
        self.try_send_locked(s, op)
    }

    fn try_send_locked<const RING: bool>(
        &self,
        mut s: Locked<'_, T, RING>,
        mut op: SendOp<T>,
    ) -> Result<(), TrySendError<T>> {
        if s.closed {
            return Err(TrySendError::Closed(op.take()));
        }
        match s.give(&mut op, self.cap) {
            Ok(waker) => {
                s.wake_and_release(waker);
                Ok(())
            }
            Err(NoRoom) => Err(TrySendError::Full(op.take())),
        }
    }

    #[inline]
    pub(crate) fn poll_send(
        &self,
        op: &mut SendOp<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        match *op {
            SendOp::Start(_) => match self.ring.as_deref() {
                None => self.send_start::<false>(None, op, cx),
                Some(ring) => match ring.try_push(|| op.take()) {
                    Ok(()) => Poll::Ready(Ok(())),
                    Err(_) => self.send_start::<true>(Some(ring), op, cx),
                },
            },
            SendOp::Waiting(ticket) => self.poll_waiting_send(ticket, op, cx),
            SendOp::Done => Poll::Pending,
        }
    }

    /// A send's first poll, under the lock.
    #[inline(always)]
    fn send_start<const RING: bool>(
        &self,
        ring: Option<&Ring<T>>,
        op: &mut SendOp<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        let mut s = self.lock_with::<RING>(ring);
        if s.buffer(op, self.cap) {
            return Poll::Ready(Ok(()));
        }
        self.send_locked(s, op, cx)
    }

    /// A send's first poll, the lock held, past the fast path.
    fn send_locked<const RING: bool>(
        &self,
        mut s: Locked<'_, T, RING>,
        op: &mut SendOp<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        if s.closed {
            return Poll::Ready(Err(SendError(op.take())));
        }
        match s.give(op, self.cap) {
            Ok(waker) => {
                s.wake_and_release(waker);
                Poll::Ready(Ok(()))
            }
            Err(NoRoom) => {
                let ticket = s.ticket();
                let waker = cx.waker().clone();
                let value = op.take();
                s.sendq.push(ticket, waker, None, value);
                *op = SendOp::Waiting(ticket);
                Poll::Pending
            }
        }
    }

    /// A send polled again while it waits in `sendq` as `ticket`.
    fn poll_waiting_send(
        &self,
        ticket: Ticket,
        op: &mut SendOp<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        // Done unless we find the waiter still queued (the op holds no value to drop).
        *op = SendOp::Done;
        if self.is_served(ticket) {
            return Poll::Ready(Ok(()));
        }
        let mut s = self.lock();
        if s.closed {
            // Close left our waiter queued so that we could take the value back.
            return match s.sendq.remove(ticket) {
                Some(waiter) => {
                    drop(s);
                    Poll::Ready(Err(SendError(waiter.value)))
                }
                None => Poll::Ready(Ok(())),
            };
        }
        match s.sendq.get_mut(ticket) {
            // A receiver dequeued us and took the value.
            None => Poll::Ready(Ok(())),
            Some(waiter) => {
                let old = rewake(waiter, cx.waker());
                *op = SendOp::Waiting(ticket);
                drop(s);
                drop(old);
                Poll::Pending
            }
        }
    }

    /// Whether a receive took the value of the plain waiting send `ticket`.
    #[inline]
    fn is_served(&self, ticket: Ticket) -> bool {
        self.served.load(Ordering::Acquire) >= ticket.0
    }

    /// Withdraws a send: `Some(value)` if no receiver has it, `None` if one took it (or
    /// the send had already finished).
    #[inline]
    pub(crate) fn cancel_send(&self, op: &mut SendOp<T>) -> Option<T> {
        if let SendOp::Done = op {
            return None; // the common case: dropped after completing
        }
        self.withdraw_pending_send(op)
    }

    fn withdraw_pending_send(&self, op: &mut SendOp<T>) -> Option<T> {
        match mem::replace(op, SendOp::Done) {
            SendOp::Start(value) => Some(value),
            SendOp::Waiting(ticket) if self.is_served(ticket) => None,
            SendOp::Waiting(ticket) => {
                let waiter = self.lock().sendq.remove(ticket)?;
                Some(waiter.value)
            }
            SendOp::Done => None,
        }
    }

    // ----- receiving -----

    #[inline]
    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        match self.ring.as_deref() {
            None if !self.summary().recv_ready() => Err(TryRecvError::Empty),
            None => self.try_recv_start::<false>(None),
            Some(ring) => match ring.try_pop() {
                Ok(popped) => Ok(popped.take()),
                // Ungated: nobody waits and the channel is open, so empty is the answer.
                Err(Blocked::Now) => Err(TryRecvError::Empty),
                Err(Blocked::Gated) => self.try_recv_start::<true>(Some(ring)),
            },
        }
    }

    #[inline(always)]
    fn try_recv_start<const RING: bool>(&self, ring: Option<&Ring<T>>) -> Result<T, TryRecvError> {
        let mut s = self.lock_with::<RING>(ring);
        match s.unbuffer() {
            Some(value) => Ok(value),
            None => self.recv_locked(s),
        }
    }

    /// Receives without waiting from the state `s` holds, then releases the lock.
    fn recv_locked<const RING: bool>(&self, mut s: Locked<'_, T, RING>) -> Result<T, TryRecvError> {
        match s.take(self.cap, &self.served) {
            Some((value, waker)) => {
                s.wake_and_release(waker);
                Ok(value)
            }
            None if s.closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    #[inline]
    pub(crate) fn poll_recv(
        &self,
        op: &mut RecvOp,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        match (*op, self.ring.as_deref()) {
            (RecvOp::Done, _) => Poll::Pending,
            (RecvOp::Start, None) => self.recv_start::<false>(None, op, cx),
            (RecvOp::Start, Some(ring)) => match ring.try_pop() {
                Ok(popped) => {
                    *op = RecvOp::Done;
                    Poll::Ready(Ok(popped.take()))
                }
                Err(_) => self.recv_start::<true>(Some(ring), op, cx),
            },
            (RecvOp::Waiting(ticket), ring) => match self.parcel.take(ticket.0) {
                // Woken by the send that handed us the value: no lock needed.
                Some(value) => {
                    *op = RecvOp::Done;
                    Poll::Ready(Ok(value))
                }
                None if ring.is_none() => self.recv_slow(self.lock_with::<false>(None), op, cx),
                None => self.recv_slow(self.lock_with::<true>(ring), op, cx),
            },
        }
    }

    /// A receive's first poll, under the lock.
    #[inline(always)]
    fn recv_start<const RING: bool>(
        &self,
        ring: Option<&Ring<T>>,
        op: &mut RecvOp,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        let mut s = self.lock_with::<RING>(ring);
        if let Some(value) = s.unbuffer() {
            *op = RecvOp::Done;
            return Poll::Ready(Ok(value));
        }
        self.recv_slow(s, op, cx)
    }

    /// The rest of a receive's poll, the lock held.
    fn recv_slow<const RING: bool>(
        &self,
        mut s: Locked<'_, T, RING>,
        op: &mut RecvOp,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        match *op {
            RecvOp::Start | RecvOp::Done => {}
            RecvOp::Waiting(ticket) => {
                if let Some(value) = s.take_handed(ticket) {
                    *op = RecvOp::Done;
                    return Poll::Ready(Ok(value));
                }
                if let Some(waiter) = s.recvq.get_mut(ticket) {
                    let old = rewake(waiter, cx.waker());
                    drop(s);
                    drop(old);
                    return Poll::Pending;
                }
                // Neither handed a value nor queued: close dequeued us. Look again.
            }
        }
        if let Some((value, waker)) = s.take(self.cap, &self.served) {
            *op = RecvOp::Done;
            s.wake_and_release(waker);
            return Poll::Ready(Ok(value));
        }
        if s.closed {
            *op = RecvOp::Done;
            return Poll::Ready(Err(RecvError));
        }
        let ticket = s.ticket();
        s.recvq.push(ticket, cx.waker().clone(), None, ());
        *op = RecvOp::Waiting(ticket);
        Poll::Pending
    }

    /// Withdraws a receive; a value already handed to it goes back to the channel.
    #[inline]
    pub(crate) fn cancel_recv(&self, op: &mut RecvOp) {
        if let RecvOp::Waiting(ticket) = *op {
            *op = RecvOp::Done;
            self.withdraw_recv(ticket);
        }
    }

    /// Moves up to `limit` values that are ready now into `buf` without waiting.
    pub(crate) fn recv_ready_into(&self, buf: &mut Vec<T>, limit: usize) -> usize {
        let mut moved = 0;
        while moved < limit {
            let mut s = self.lock();
            let mut waker = None;
            // Batch under one lock until a sender has to be woken.
            while moved < limit && waker.is_none() {
                match s.take(self.cap, &self.served) {
                    Some((value, w)) => {
                        buf.push(value);
                        moved += 1;
                        waker = w;
                    }
                    None => return moved,
                }
            }
            s.wake_and_release(waker);
        }
        moved
    }

    // ----- close -----

    /// Go's `closechan`, minus the panic: returns whether this call closed it. Wakes
    /// every waiter at once. Receivers leave the queue; senders stay queued, without a
    /// waker, until their futures take their values back.
    pub(crate) fn close(&self) -> bool {
        let mut s = self.lock();
        if s.closed {
            return false;
        }
        s.closed = true;
        let mut wake = Vec::with_capacity(s.recvq.len() + s.sendq.len());
        // Wakers of stale select waiters are only dropped, after the lock like the rest.
        let mut stale = Vec::new();
        for receiver in s.recvq.drain() {
            if receiver.try_claim(None) {
                wake.extend(receiver.waker);
            } else {
                stale.extend(receiver.waker);
            }
        }
        for sender in s.sendq.iter_mut() {
            if sender.try_claim(None) {
                wake.extend(sender.waker.take());
            }
        }
        wake.extend(s.closers.drain(..).map(|(_, waker)| waker));
        drop(s);
        drop(stale);
        wake_all(wake);
        true
    }

    /// The last receiver is gone: close for senders and drop what nobody can receive.
    pub(crate) fn disconnect_receivers(&self) {
        // A waker that panics in the broadcast must not keep the values here: they
        // are dropped first, then the panic goes on.
        let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.close()));
        let mut s = self.lock();
        let mut buf = mem::take(&mut s.buf);
        buf.extend(std::iter::from_fn(|| s.ring.and_then(Ring::pop_gated)));
        let handed = mem::take(&mut s.handed);
        let parcel = self.parcel.take_any();
        drop(s);
        drop((buf, handed, parcel));
        if let Err(payload) = woken {
            std::panic::resume_unwind(payload);
        }
    }

    // ----- a select's cases -----

    /// Queues a select's receive case, unless the channel has become ready since the
    /// select looked (then the select must look again).
    pub(crate) fn register_recv(
        &self,
        claim: &Arc<Claim>,
        case: usize,
        waker: &Waker,
    ) -> Option<Ticket> {
        let mut s = self.lock();
        if s.buf_len() != 0 || s.closed || s.sendq.has_ready(Some(claim)) {
            return None;
        }
        let ticket = s.ticket();
        let select = CaseClaim {
            claim: claim.clone(),
            case,
        };
        s.recvq.push(ticket, waker.clone(), Some(select), ());
        Some(ticket)
    }

    /// Queues a select's send case with its value, unless the channel has become ready.
    pub(crate) fn register_send(
        &self,
        claim: &Arc<Claim>,
        case: usize,
        waker: &Waker,
        value: T,
    ) -> Result<Ticket, T> {
        let mut s = self.lock();
        if s.closed || s.buf_len() < self.cap || s.recvq.has_ready(Some(claim)) {
            return Err(value);
        }
        let ticket = s.ticket();
        let select = CaseClaim {
            claim: claim.clone(),
            case,
        };
        s.sendq.push(ticket, waker.clone(), Some(select), value);
        Ok(ticket)
    }

    /// A queued receive case won its select's claim: collect what it won. A sender
    /// handed it a value, or `close` chose it.
    pub(crate) fn complete_recv(&self, ticket: Ticket) -> Result<T, RecvError> {
        if let Some(value) = self.parcel.take(ticket.0) {
            return Ok(value);
        }
        let mut s = self.lock();
        if let Some(value) = s.take_handed(ticket) {
            return Ok(value);
        }
        // Chosen by close: what is still buffered comes first, as for any receive.
        self.recv_locked(s).map_err(|_| RecvError)
    }

    /// A queued send case won its select's claim: a receiver took the value (the
    /// waiter is gone), or `close` chose it (the value is handed back).
    pub(crate) fn complete_send(&self, ticket: Ticket) -> Result<(), SendError<T>> {
        let waiter = self.lock().sendq.remove(ticket);
        match waiter {
            Some(waiter) => Err(SendError(waiter.value)),
            None => Ok(()),
        }
    }

    /// Takes a receive waiter out of the queue; a value already handed to it is given
    /// back to the channel.
    pub(crate) fn withdraw_recv(&self, ticket: Ticket) {
        let kept = self.withdraw_recv_with(ticket, false);
        debug_assert!(kept.is_none());
    }

    /// Takes a receive waiter out of the queue, and returns a value already handed to
    /// it instead of giving it back: a timed-out receive that a value reached at the
    /// deadline still receives it.
    pub(crate) fn withdraw_recv_keeping(&self, op: &mut RecvOp) -> Option<T> {
        match mem::replace(op, RecvOp::Done) {
            RecvOp::Waiting(ticket) => self.withdraw_recv_with(ticket, true),
            RecvOp::Start | RecvOp::Done => None,
        }
    }

    fn withdraw_recv_with(&self, ticket: Ticket, keep: bool) -> Option<T> {
        let mut s = self.lock();
        if let Some(value) = s.take_handed(ticket) {
            if keep {
                return Some(value);
            }
            let waker = s.give_back(value);
            s.wake_and_release(waker);
        } else {
            let waiter = s.recvq.remove(ticket).or_else(|| s.take_evicted(ticket));
            drop(s);
            drop(waiter);
        }
        None
    }

    /// Takes a send waiter out of the queue with its value, if no receiver took it.
    pub(crate) fn withdraw_send(&self, ticket: Ticket) -> Option<T> {
        let waiter = self.lock().sendq.remove(ticket)?;
        Some(waiter.value)
    }

    /// Points a queued receive case at a new waker.
    pub(crate) fn rewake_recv(&self, ticket: Ticket, waker: &Waker) {
        let mut s = self.lock();
        let old = s.recvq.get_mut(ticket).and_then(|w| rewake(w, waker));
        drop(s);
        drop(old);
    }

    /// Points a queued send case at a new waker.
    pub(crate) fn rewake_send(&self, ticket: Ticket, waker: &Waker) {
        let mut s = self.lock();
        let old = s.sendq.get_mut(ticket).and_then(|w| rewake(w, waker));
        drop(s);
        drop(old);
    }

    // ----- waiting for the close -----

    /// A poll of [`Sender::closed`](crate::Sender::closed): ready once the channel is
    /// closed; until then one entry in `closers`, its waker replaced on each poll.
    pub(crate) fn poll_closed(
        &self,
        ticket: &mut Option<Ticket>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if self.is_closed() {
            // close emptied `closers`, so nothing of ours is left there.
            *ticket = None;
            return Poll::Ready(());
        }
        let mut s = self.lock();
        if s.closed {
            *ticket = None;
            return Poll::Ready(());
        }
        let old = match *ticket {
            Some(t) => match s.closers.iter_mut().find(|(other, _)| *other == t) {
                Some((_, waker)) if waker.will_wake(cx.waker()) => None,
                Some((_, waker)) => Some(mem::replace(waker, cx.waker().clone())),
                None => unreachable!("a closed future is listed until the close"),
            },
            None => {
                let t = s.ticket();
                s.closers.push((t, cx.waker().clone()));
                *ticket = Some(t);
                None
            }
        };
        drop(s);
        drop(old);
        Poll::Pending
    }

    /// A [`Sender::closed`](crate::Sender::closed) future is dropped before the close.
    pub(crate) fn cancel_closed(&self, ticket: &mut Option<Ticket>) {
        if let Some(t) = ticket.take() {
            let mut s = self.lock();
            let entry = s
                .closers
                .iter()
                .position(|(other, _)| *other == t)
                .map(|i| s.closers.swap_remove(i));
            drop(s);
            drop(entry);
        }
    }

    // ----- observers -----

    pub(crate) fn len(&self) -> usize {
        // The summary counts what the lock keeps; the ring counts itself.
        self.summary().len() + self.ring.as_ref().map_or(0, |ring| ring.len())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.summary().closed()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.bounded.then_some(self.cap)
    }

    pub(crate) fn is_full(&self) -> bool {
        self.bounded && self.len() >= self.cap
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("Chan")
            .field("len", &s.buf_len())
            .field("capacity", &self.capacity())
            .field("closed", &s.closed)
            .field("waiting_senders", &s.sendq.len())
            .field("waiting_receivers", &s.recvq.len())
            .field("senders", &self.senders.load(Ordering::Relaxed))
            .field("receivers", &self.receivers.load(Ordering::Relaxed))
            .finish()
    }
}
