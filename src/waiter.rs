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
    /// `WAITING`, `WITHDRAWING`, or `CHOSEN + i` once case `i` has won.
    state: AtomicUsize,
}

const WAITING: usize = 0;
const WITHDRAWING: usize = 1;
const CHOSEN: usize = 2;

impl Claim {
    pub(crate) fn new() -> Self {
        Claim {
            state: AtomicUsize::new(WAITING),
        }
    }

    /// A peer (or `close`) tries to make `case` the one that takes effect. Called with
    /// the lock of the case's channel held, so the winner can move the value before
    /// anyone else looks at that channel.
    pub(crate) fn try_choose(&self, case: usize) -> bool {
        self.state
            .compare_exchange(WAITING, CHOSEN + case, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The select itself takes the claim so that no peer can win it while the select
    /// takes its waiters back. On failure, returns the case that won.
    pub(crate) fn try_withdraw(&self) -> Result<(), usize> {
        match self
            .state
            .compare_exchange(WAITING, WITHDRAWING, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(state) => Err(state - CHOSEN),
        }
    }

    /// Makes a withdrawn claim usable again. Only sound once no queue holds a waiter
    /// carrying it, so nobody can observe the reset.
    pub(crate) fn reset(&self) {
        self.state.store(WAITING, Ordering::Release);
    }

    /// The case that won, if one has.
    pub(crate) fn chosen(&self) -> Option<usize> {
        match self.state.load(Ordering::Acquire) {
            WAITING | WITHDRAWING => None,
            state => Some(state - CHOSEN),
        }
    }

    fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
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
    pub(crate) fn pop_ready(&mut self, own: Option<&Arc<Claim>>) -> Option<Waiter<V>> {
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
