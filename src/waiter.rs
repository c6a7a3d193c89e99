//! Waiting operations: Go's `sudog` and `waitq`, and the claim a select shares
//! among its cases (Go's `selectDone`).
//!
//! A waiter is a plain value in a channel's queue: a [`Ticket`] naming it, the
//! [`Waker`] to wake and, in `sendq`, the value the sender is waiting to deliver. The
//! future that waits keeps only the ticket, so a waiting send or receive allocates
//! nothing of its own, and every field of a waiter is guarded by its channel's lock.
//!
//! A select registers one waiter per channel case, in as many channels. All of them
//! carry a clone of one [`Claim`]; whoever completes one of them must first win the
//! claim with a single compare-exchange, so at most one case ever takes effect. A
//! waiter whose claim is lost is stale: peers step over it, and the select removes it.

use std::collections::VecDeque;
use std::task::Waker;

use crate::sync::{Arc, AtomicUsize, Ordering};

/// Names one waiter within its channel. Tickets grow with every registration, so a
/// queue, which only ever appends, stays sorted by ticket and is searched by bisection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticket(pub(crate) u64);

/// The state every case of one waiting select shares.
#[doc(hidden)]
#[derive(Debug)]
pub struct Claim {
    /// `WAITING`; `PAUSED` or `PAUSED_MISSED` while the select itself holds the claim;
    /// `CHOSEN + i` once case `i` has won.
    state: AtomicUsize,
}

const WAITING: usize = 0;
/// The select holds its own claim (to poll its future cases, or to withdraw), so no
/// peer can win it.
const PAUSED: usize = 1;
/// As `PAUSED`, and a peer or `close` found one of the waiters meanwhile and had to step
/// over it: the select must look at its channels again before it waits.
const PAUSED_MISSED: usize = 2;
const CHOSEN: usize = 3;

impl Claim {
    pub(crate) fn new() -> Self {
        Claim {
            state: AtomicUsize::new(WAITING),
        }
    }

    /// A peer (or `close`) tries to make `case` the one that takes effect. Called with
    /// the lock of the case's channel held, so the winner can move the value before
    /// anyone else looks at that channel. A paused select is marked missed instead.
    pub(crate) fn try_choose(&self, case: usize) -> bool {
        self.step_over_or(CHOSEN + case)
    }

    /// Whether a peer could win the claim now (a paused select is marked missed, as if
    /// the peer had tried).
    fn is_waiting(&self) -> bool {
        self.step_over_or(WAITING)
    }

    /// Moves a waiting claim to `waiting_to`, or marks a paused one missed. Loops
    /// because the select may resume between our look and our mark: then the claim
    /// is waiting again, and must be treated as such, never as stepped over.
    fn step_over_or(&self, waiting_to: usize) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                WAITING => waiting_to,
                PAUSED => PAUSED_MISSED,
                _ => return false, // chosen, or already marked
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return state == WAITING,
                Err(now) => state = now,
            }
        }
    }

    /// The select takes its own claim, so that no peer can win it while the select
    /// polls its future cases or takes its waiters back. On failure, returns the case
    /// that won.
    pub(crate) fn pause(&self) -> Result<(), usize> {
        match self
            .state
            .compare_exchange(WAITING, PAUSED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(state) => Err(state.saturating_sub(CHOSEN)),
        }
    }

    /// Hands a paused claim back to the peers, keeping every waiter in its place.
    /// Fails if a peer stepped over one of them meanwhile: then a channel may be ready
    /// with nobody to tell us, and the select must withdraw and look again.
    pub(crate) fn resume(&self) -> bool {
        self.state
            .compare_exchange(PAUSED, WAITING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Makes a paused claim usable again. Only sound once no queue holds a waiter
    /// carrying it, so nobody can observe the reset.
    pub(crate) fn reset(&self) {
        self.state.store(WAITING, Ordering::Release);
    }

    /// The case that won, if one has.
    pub(crate) fn chosen(&self) -> Option<usize> {
        match self.state.load(Ordering::Acquire) {
            state if state >= CHOSEN => Some(state - CHOSEN),
            _ => None,
        }
    }
}

/// A select case's stake in a waiter: the shared claim and the case's index.
#[derive(Debug)]
pub(crate) struct CaseClaim {
    pub(crate) claim: Arc<Claim>,
    pub(crate) case: usize,
}

/// One waiting operation in a channel's queue (Go's `sudog`).
pub(crate) struct Waiter<V> {
    pub(crate) ticket: Ticket,
    /// Taken out when the waiter is woken by `close` but stays queued (a sender keeps
    /// its value in the queue until its future collects it).
    pub(crate) waker: Option<Waker>,
    /// `None` for a plain send or receive: being first in the queue is enough to win.
    pub(crate) select: Option<CaseClaim>,
    /// The value a waiting sender delivers; `()` in `recvq`.
    pub(crate) value: V,
}

impl<V> Waiter<V> {
    /// Whether a peer may complete this waiter now, claiming it if it belongs to a
    /// select. `own` is the claim of the select doing the looking, whose own waiters
    /// are never paired with each other.
    pub(crate) fn try_claim(&self, own: Option<&Arc<Claim>>) -> bool {
        match &self.select {
            None => true,
            Some(c) if own.is_some_and(|own| Arc::ptr_eq(own, &c.claim)) => false,
            Some(c) => c.claim.try_choose(c.case),
        }
    }

    /// Whether the waiter's select has already completed through another case, so that
    /// no peer can ever complete this waiter. (A waiter that won stays queued only in
    /// `sendq`, after `close` chose it: never call this there.)
    pub(crate) fn is_stale(&self) -> bool {
        self.select
            .as_ref()
            .is_some_and(|c| c.claim.chosen().is_some())
    }

    /// Like [`Self::try_claim`], but only looks.
    fn is_claimable(&self, own: Option<&Arc<Claim>>) -> bool {
        match &self.select {
            None => true,
            Some(c) if own.is_some_and(|own| Arc::ptr_eq(own, &c.claim)) => false,
            Some(c) => c.claim.is_waiting(),
        }
    }
}

/// A FIFO of waiters (Go's `waitq`): `sendq` is a `WaitQueue<T>`, `recvq` a
/// `WaitQueue<()>`.
pub(crate) struct WaitQueue<V> {
    waiters: VecDeque<Waiter<V>>,
}

impl<V> WaitQueue<V> {
    pub(crate) fn new() -> Self {
        WaitQueue {
            waiters: VecDeque::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }

    /// Appends a waiter; `ticket` must be newer than every ticket already queued.
    pub(crate) fn push(
        &mut self,
        ticket: Ticket,
        waker: Waker,
        select: Option<CaseClaim>,
        value: V,
    ) {
        debug_assert!(self.waiters.back().map_or(true, |w| w.ticket < ticket));
        self.waiters.push_back(Waiter {
            ticket,
            waker: Some(waker),
            select,
            value,
        });
    }

    fn position(&self, ticket: Ticket) -> Option<usize> {
        self.waiters
            .binary_search_by_key(&ticket, |w| w.ticket)
            .ok()
    }

    pub(crate) fn get_mut(&mut self, ticket: Ticket) -> Option<&mut Waiter<V>> {
        let i = self.position(ticket)?;
        self.waiters.get_mut(i)
    }

    pub(crate) fn remove(&mut self, ticket: Ticket) -> Option<Waiter<V>> {
        let i = self.position(ticket)?;
        self.waiters.remove(i)
    }

    /// Dequeues the waiter that has waited longest and can still be completed, winning
    /// its claim if it belongs to a select (Go's `dequeue`). Stale waiters are stepped
    /// over and left for their select to remove, with the values they hold.
    #[inline]
    pub(crate) fn pop_ready(&mut self, own: Option<&Arc<Claim>>) -> Option<Waiter<V>> {
        // Almost always the queue is empty or starts with a plain waiter: take it
        // without a scan.
        match self.waiters.front() {
            None => None,
            Some(first) if first.select.is_none() => self.waiters.pop_front(),
            Some(_) => self.pop_claimed(own),
        }
    }

    /// Like [`Self::pop_ready`], for a peer that also takes stale waiters off the front
    /// (see [`Waiter::is_stale`]) into `evicted`, so that peers stop stepping over them
    /// while their selects have yet to withdraw them.
    #[inline]
    pub(crate) fn pop_ready_evicting(&mut self, evicted: &mut Vec<Waiter<V>>) -> Option<Waiter<V>> {
        match self.waiters.front() {
            None => None,
            Some(first) if first.select.is_none() => self.waiters.pop_front(),
            Some(_) => self.pop_claimed_evicting(evicted),
        }
    }

    #[cold]
    fn pop_claimed_evicting(&mut self, evicted: &mut Vec<Waiter<V>>) -> Option<Waiter<V>> {
        while self.waiters.front().is_some_and(Waiter::is_stale) {
            evicted.extend(self.waiters.pop_front());
        }
        self.pop_claimed(None)
    }

    #[cold]
    fn pop_claimed(&mut self, own: Option<&Arc<Claim>>) -> Option<Waiter<V>> {
        let i = self.waiters.iter().position(|w| w.try_claim(own))?;
        self.waiters.remove(i)
    }

    /// Whether [`Self::pop_ready`] would find a waiter (racy for select waiters, whose
    /// claims other channels may win at any moment; callers only use it as a hint to
    /// retry).
    pub(crate) fn has_ready(&self, own: Option<&Arc<Claim>>) -> bool {
        self.waiters.iter().any(|w| w.is_claimable(own))
    }

    /// Removes every waiter (for `close`).
    pub(crate) fn drain(&mut self) -> std::collections::vec_deque::Drain<'_, Waiter<V>> {
        self.waiters.drain(..)
    }

    pub(crate) fn iter_mut(&mut self) -> std::collections::vec_deque::IterMut<'_, Waiter<V>> {
        self.waiters.iter_mut()
    }
}
