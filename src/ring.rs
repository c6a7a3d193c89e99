//! The buffer of a bounded channel, as a ring that a send and a receive can use without
//! the channel's lock while nobody waits.
//!
//! With the lock alone, every operation on a buffered channel moved the lock's cache
//! line between the sender's core and the receiver's. Here, as in crossbeam's array
//! flavour, `head` and `tail` sit on separate cache lines, and a sender and a receiver
//! meet only in the slots: each slot carries a stamp saying whose turn it is. The
//! slots are packed, so a consumer that trails its producer takes a line holding
//! several values at once (the figures are in `BENCHMARKS.md`, "Packed ring slots").
//!
//! Go's rules need the lock as soon as anyone waits (the first waiting sender gets the
//! slot a receive frees; a value handed to a waiting receiver must not be overtaken), so
//! both index words carry a `GATE` bit. The channel sets it, under the lock, each time it
//! takes the lock, and clears it when it releases the lock with no waiter queued, no value
//! given back, the channel open and the ring neither full nor empty (see `Chan::lock` and
//! `Locked::drop` in `src/chan.rs`). A fast operation compares-and-swaps the whole word,
//! so once the bit is set no fast operation can start: the ring then changes only under
//! the lock, except for an operation that won its swap just before and is still filling
//! or emptying its slot; the lock holder waits for that slot's stamp.
//!
//! Every `unsafe` block here moves a value into or out of a slot, and relies on one
//! invariant: the thread doing it is the slot's only user. A fast operation gets that
//! by winning the swap of its index word at a position whose stamp says the slot is
//! its turn; the lock holder, by holding the lock with the gate closed (so no other
//! swap can succeed) and waiting for the stamp. The loom models in `tests/loom.rs`
//! build every bounded channel with a ring and check these races.
//!
//! The module also holds the channel's [`Parcel`], a single slot of the same kind
//! through which a send hands a value to a waiting receiver; its owner word plays the
//! stamp's part (see its doc, and the loom model `two_hand_offs_share_the_parcel`).
//!
//! # Positions and stamps
//!
//! A position is `lap | index`: the index of a slot in its low bits, then the `GATE` bit,
//! then the lap. Slot `i` holds stamp `p` when it is free for the push at position `p`,
//! and `p + 1` when it holds the value of the push at `p`, which the pop at `p` takes.

#![allow(unsafe_code)]

use std::mem::MaybeUninit;

use crate::sync::{AtomicU64, Ordering};

/// What stopped a fast operation.
pub(crate) enum Blocked {
    /// The lock holder has gated the ring: take the lock.
    Gated,
    /// Full (push) or empty (pop), and nobody waits: the answer stands.
    Now,
}

/// One position of the ring: its stamp and its value, packed beside its neighbours (a
/// `usize` slot takes 16 bytes). Padding each slot to a cache line of its own was tried
/// and undone: it spared a push and the pop just behind it one shared line, but made
/// every message a line transfer of its own, where packed slots move several per
/// transfer (see `BENCHMARKS.md`, "Packed ring slots").
struct Slot<T> {
    stamp: AtomicU64,
    value: cell::Cell<MaybeUninit<T>>,
}

/// A slot a fast receive has won; its value is taken with [`Popped::take`], at once
/// (until then the slot stays claimed, and a lock holder that needs it waits).
#[must_use = "a won slot must be taken, or it stays claimed"]
pub(crate) struct Popped<'a, T> {
    slot: &'a Slot<T>,
    /// The stamp that frees the slot for the push one lap on.
    free: u64,
}

impl<T> Popped<'_, T> {
    #[inline(always)]
    pub(crate) fn take(self) -> T {
        // SAFETY: `try_pop` won the swap at this slot's position while its stamp said
        // it holds the value pushed there, which makes this the value's only reader; the
        // Acquire load of the stamp saw the push's write.
        let value = unsafe { self.slot.value.read().assume_init() };
        self.slot.stamp.store(self.free, Ordering::Release);
        value
    }
}

/// Keeps `head` and `tail` off each other's cache line (and off the channel's lock).
#[repr(align(128))]
struct Padded(AtomicU64);

pub(crate) struct Ring<T> {
    /// The position of the next pop, with `GATE`.
    head: Padded,
    /// The position of the next push, with `GATE`.
    tail: Padded,
    slots: Box<[Slot<T>]>,
    /// The `GATE` bit, just above the index bits.
    gate: u64,
    /// Adds one lap to a position.
    one_lap: u64,
}

// SAFETY: a value moves through a slot from one thread to another, so `T: Send` is what
// the ring needs, as for the channel itself; the stamp protocol gives each slot's value
// to one thread at a time.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

/// The most memory a ring takes up front. A `VecDeque` grows as it fills, so a channel
/// with a huge capacity that never fills costs nothing; a ring allocates every slot at
/// once, so larger buffers stay with the lock. That is capacity 4,096 for a `usize`
/// (16-byte slots) and 910 for a 64-byte value (72-byte slots).
const MAX_RING_BYTES: usize = 64 * 1024;

/// The smallest capacity with a ring. A small buffer is full or empty most of the time,
/// and each time a send or a receive finds it so, the lock holder closes the gate and
/// opens it again: at capacity 1 the ring cost a fifth more instructions per message
/// than the lock alone (`BENCHMARKS.md`, "The measurements behind the code"). Under
/// loom every bounded channel gets one, so that the models, which use capacities of one
/// or two, check the ring.
const MIN_RING_CAP: usize = if cfg!(loom) { 1 } else { 8 };

impl<T> Ring<T> {
    /// Whether a channel of capacity `cap` gets a ring.
    pub(crate) fn fits(cap: usize) -> bool {
        cap >= MIN_RING_CAP && cap.saturating_mul(std::mem::size_of::<Slot<T>>()) <= MAX_RING_BYTES
    }

    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap > 0, "a ring holds at least one value");
        let gate = (cap as u64 + 1).next_power_of_two();
        let slots = (0..cap as u64)
            .map(|i| Slot {
                stamp: AtomicU64::new(i),
                value: cell::Cell::new(MaybeUninit::uninit()),
            })
            .collect();
        Ring {
            head: Padded(AtomicU64::new(0)),
            tail: Padded(AtomicU64::new(0)),
            slots,
            gate,
            one_lap: gate * 2,
        }
    }

    #[inline]
    fn index(&self, pos: u64) -> usize {
        (pos & (self.gate - 1)) as usize
    }

    /// The position after `pos` (which carries no `GATE`).
    #[inline]
    fn next(&self, pos: u64) -> u64 {
        if self.index(pos) + 1 < self.slots.len() {
            pos + 1
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap)
        }
    }

    // ----- without the lock -----

    /// A send without the lock. `value` is called only once a slot is won, so a send
    /// that is refused keeps its value where it was.
    #[inline]
    pub(crate) fn try_push(&self, value: impl FnOnce() -> T) -> Result<(), Blocked> {
        let mut spins = 0u32;
        loop {
            let tail = self.tail.0.load(Ordering::Relaxed);
            if tail & self.gate != 0 {
                return Err(Blocked::Gated);
            }
            let slot = &self.slots[self.index(tail)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                let next = self.next(tail);
                if self
                    .tail
                    .0
                    .compare_exchange_weak(tail, next, Ordering::SeqCst, Ordering::Relaxed)
                    .is_ok()
                {
                    // SAFETY: winning the swap at `tail` while the slot's stamp was `tail`
                    // makes this push the slot's only user until it publishes the stamp.
                    unsafe { slot.value.write(MaybeUninit::new(value())) };
                    slot.stamp.store(tail + 1, Ordering::Release);
                    return Ok(());
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: full, unless its pop is under way.
                let head = self.head.0.load(Ordering::SeqCst) & !self.gate;
                if head.wrapping_add(self.one_lap) == tail {
                    return Err(Blocked::Now);
                }
            }
            spins = wait(spins);
        }
    }

    /// A receive without the lock: wins the slot of the oldest value, which the caller
    /// takes at once with [`Popped::take`]. The value is not moved here so that it moves
    /// once, from the slot to where the caller returns it: returned through this
    /// function's `Result`, a 64-byte value was copied through the stack four times
    /// (the cost is in `BENCHMARKS.md`, "The measurements behind the code").
    #[inline]
    pub(crate) fn try_pop(&self) -> Result<Popped<'_, T>, Blocked> {
        let mut spins = 0u32;
        loop {
            let head = self.head.0.load(Ordering::Relaxed);
            if head & self.gate != 0 {
                return Err(Blocked::Gated);
            }
            let slot = &self.slots[self.index(head)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                let next = self.next(head);
                if self
                    .head
                    .0
                    .compare_exchange_weak(head, next, Ordering::SeqCst, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(Popped {
                        slot,
                        free: head.wrapping_add(self.one_lap),
                    });
                }
            } else if stamp == head {
                // Nothing pushed here yet: empty, unless a push is under way.
                let tail = self.tail.0.load(Ordering::SeqCst) & !self.gate;
                if tail == head {
                    return Err(Blocked::Now);
                }
            }
            spins = wait(spins);
        }
    }

    /// How many values the ring holds; racy unless gated.
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(Ordering::SeqCst) & !self.gate;
            let head = self.head.0.load(Ordering::SeqCst) & !self.gate;
            // Read tail twice so the pair is one the ring held.
            if self.tail.0.load(Ordering::SeqCst) & !self.gate == tail {
                return self.between(head, tail);
            }
        }
    }

    fn between(&self, head: u64, tail: u64) -> usize {
        let (hix, tix) = (self.index(head), self.index(tail));
        if hix < tix {
            tix - hix
        } else if hix > tix {
            self.slots.len() - hix + tix
        } else if tail == head {
            0
        } else {
            self.slots.len()
        }
    }

    // ----- under the channel's lock -----

    /// Stops fast operations from starting. Called by the lock holder.
    #[inline]
    pub(crate) fn close_gate(&self) {
        if self.tail.0.load(Ordering::Relaxed) & self.gate == 0 {
            self.tail.0.fetch_or(self.gate, Ordering::SeqCst);
            self.head.0.fetch_or(self.gate, Ordering::SeqCst);
        }
    }

    /// Lets fast operations run again, unless the ring is full or empty. Called by the
    /// lock holder, which closed the gate (nobody else writes either word meanwhile), when
    /// nobody waits.
    ///
    /// A full ring stays gated because the next send would find it full and queue,
    /// closing the gate again, and an empty one because the next receive would: with a
    /// producer faster than its consumer (a fan-in keeps every buffer full), reopening
    /// made each message close and open the gate, four more writes to two more cache
    /// lines, and slowed the select fan-in rows. A gated ring works exactly as the lock
    /// alone did.
    #[inline]
    pub(crate) fn open_gate_if_worth_it(&self) {
        let tail = self.tail.0.load(Ordering::Relaxed);
        let head = self.head.0.load(Ordering::Relaxed);
        let len = self.between(head & !self.gate, tail & !self.gate);
        if len == 0 || len == self.slots.len() {
            return;
        }
        self.head.0.store(head & !self.gate, Ordering::Release);
        self.tail.0.store(tail & !self.gate, Ordering::Release);
    }

    /// The lock holder's view: the gate is closed, so only stragglers (operations that
    /// won their swap before it closed) can still touch a slot.
    pub(crate) fn len_gated(&self) -> usize {
        let tail = self.tail.0.load(Ordering::Acquire) & !self.gate;
        let head = self.head.0.load(Ordering::Acquire) & !self.gate;
        self.between(head, tail)
    }

    /// Pushes under the lock; the caller has checked that the ring is not full.
    pub(crate) fn push_gated(&self, value: T) {
        let tail = self.tail.0.load(Ordering::Acquire) & !self.gate;
        let slot = &self.slots[self.index(tail)];
        // A straggling pop of last lap may still be reading this slot.
        let mut spins = 0u32;
        while slot.stamp.load(Ordering::Acquire) != tail {
            spins = wait(spins);
        }
        // SAFETY: the gate is closed and we hold the lock, so no other push can claim
        // `tail`; the stamp says the slot's last reader is done.
        unsafe { slot.value.write(MaybeUninit::new(value)) };
        slot.stamp.store(tail + 1, Ordering::Release);
        self.tail
            .0
            .store(self.next(tail) | self.gate, Ordering::Release);
    }

    /// Pops under the lock.
    pub(crate) fn pop_gated(&self) -> Option<T> {
        let head = self.head.0.load(Ordering::Acquire) & !self.gate;
        let tail = self.tail.0.load(Ordering::Acquire) & !self.gate;
        if head == tail {
            return None;
        }
        let slot = &self.slots[self.index(head)];
        // A straggling push may still be writing this slot.
        let mut spins = 0u32;
        while slot.stamp.load(Ordering::Acquire) != head + 1 {
            spins = wait(spins);
        }
        // SAFETY: the gate is closed and we hold the lock, so no other pop can claim
        // `head`; the stamp says the push's write is done and visible.
        let value = unsafe { slot.value.read().assume_init() };
        slot.stamp
            .store(head.wrapping_add(self.one_lap), Ordering::Release);
        self.head
            .0
            .store(self.next(head) | self.gate, Ordering::Release);
        Some(value)
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        let mut head = self.head.0.load(Ordering::Relaxed) & !self.gate;
        let tail = self.tail.0.load(Ordering::Relaxed) & !self.gate;
        while head != tail {
            let slot = &self.slots[self.index(head)];
            // SAFETY: with `&mut self` no operation is under way, and every position from
            // head to tail holds a pushed value nobody popped.
            drop(unsafe { slot.value.read().assume_init() });
            head = self.next(head);
        }
    }
}

/// The one value a send hands to a particular waiting receiver, kept beside the lock
/// so that the receiver, once woken, collects it without taking the lock again.
///
/// In a rendezvous, half the messages go to a receiver that was already waiting, and
/// collecting them under the lock was one lock round trip in five. A channel has one
/// parcel; a second value handed while it is taken goes to the locked `handed` list.
///
/// The slot has one writer at a time, the channel's lock holder, which fills it only
/// while `owner` is `EMPTY`, and one reader, the receive operation whose ticket `owner`
/// names (tickets are never reused, and an operation is never polled, dropped or
/// withdrawn concurrently with itself). The reader empties `owner` only after it has
/// moved the value out.
pub(crate) struct Parcel<T> {
    /// `EMPTY`, or the ticket of the receive whose value the slot holds.
    owner: AtomicU64,
    value: cell::Cell<MaybeUninit<T>>,
}

/// No receive's ticket: tickets start at 1.
const EMPTY: u64 = 0;

// SAFETY: as for `Ring`: the value moves from the sender's thread to the receiver's,
// and the `owner` protocol gives it to one thread at a time.
unsafe impl<T: Send> Send for Parcel<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Parcel<T> {}

impl<T> Parcel<T> {
    pub(crate) fn new() -> Self {
        Parcel {
            owner: AtomicU64::new(EMPTY),
            value: cell::Cell::new(MaybeUninit::uninit()),
        }
    }

    /// Leaves `value` for the receive `ticket`, or returns it if the parcel is taken.
    /// Called with the channel's lock held.
    #[inline]
    pub(crate) fn put(&self, ticket: u64, value: T) -> Result<(), T> {
        debug_assert_ne!(ticket, EMPTY);
        if self.owner.load(Ordering::Acquire) != EMPTY {
            return Err(value);
        }
        // SAFETY: only lock holders write, and `owner` is EMPTY: the last reader has
        // moved its value out (its Release store, our Acquire load), and no reader can
        // start until we name one below.
        unsafe { self.value.write(MaybeUninit::new(value)) };
        self.owner.store(ticket, Ordering::Release);
        Ok(())
    }

    /// The value left for the receive `ticket`, if it is here. Called by that receive
    /// only, with or without the lock.
    #[inline]
    pub(crate) fn take(&self, ticket: u64) -> Option<T> {
        if self.owner.load(Ordering::Acquire) != ticket {
            return None;
        }
        // SAFETY: `owner` names our ticket, so the writer is done (its Release store,
        // our Acquire load) and nobody else reads this value; no writer starts until
        // we store EMPTY.
        let value = unsafe { self.value.read().assume_init() };
        self.owner.store(EMPTY, Ordering::Release);
        Some(value)
    }

    /// Whatever value is here, for the last receiver leaving: no receive can be under
    /// way, since every receive borrows a receiver. Called with the lock held.
    pub(crate) fn take_any(&self) -> Option<T> {
        match self.owner.load(Ordering::Acquire) {
            EMPTY => None,
            ticket => self.take(ticket),
        }
    }
}

impl<T> Drop for Parcel<T> {
    fn drop(&mut self) {
        drop(self.take_any());
    }
}

/// One step of waiting for another thread's operation to finish its slot.
#[inline]
fn wait(spins: u32) -> u32 {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    {
        if spins < 6 {
            for _ in 0..1u32 << spins {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
    spins.saturating_add(1)
}

#[cfg(not(loom))]
mod cell {
    pub(super) struct Cell<T>(std::cell::UnsafeCell<T>);

    impl<T> Cell<T> {
        pub(super) fn new(value: T) -> Self {
            Cell(std::cell::UnsafeCell::new(value))
        }

        /// # Safety
        /// The caller is the slot's only user (the stamp protocol).
        #[inline]
        pub(super) unsafe fn write(&self, value: T) {
            // SAFETY: exclusivity is the caller's promise.
            unsafe { self.0.get().write(value) }
        }

        /// # Safety
        /// The caller is the slot's only user, and the slot holds a value.
        #[inline]
        pub(super) unsafe fn read(&self) -> T {
            // SAFETY: exclusivity is the caller's promise.
            unsafe { self.0.get().read() }
        }
    }
}

#[cfg(loom)]
mod cell {
    pub(super) struct Cell<T>(loom::cell::UnsafeCell<T>);

    impl<T> Cell<T> {
        pub(super) fn new(value: T) -> Self {
            Cell(loom::cell::UnsafeCell::new(value))
        }

        /// # Safety
        /// The caller is the slot's only user (the stamp protocol).
        pub(super) unsafe fn write(&self, value: T) {
            // SAFETY: exclusivity is the caller's promise; loom checks it.
            self.0.with_mut(|p| unsafe { p.write(value) })
        }

        /// # Safety
        /// The caller is the slot's only user, and the slot holds a value.
        pub(super) unsafe fn read(&self) -> T {
            // SAFETY: exclusivity is the caller's promise; loom checks it.
            self.0.with(|p| unsafe { p.read() })
        }
    }
}
