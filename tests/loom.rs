//! Model checks of the channel protocol with loom: every interleaving of the crate's
//! locks and atomics (swapped in by `--cfg loom`) within a preemption bound.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test --release --lib --test loom`
//! (`.ci/run` does, with its own target directory).
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use gochan::{bounded, Receiver, RecvError, Select, SelectLoop, SendError, Sender, TryRecvError};
use loom::thread;

/// Explores every interleaving with up to three preemptions: enough for the races
/// below, small enough to finish in seconds.
fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(3, f);
}

/// [`model`] with another preemption bound. Prints how many interleavings it ran
/// (`-- --nocapture` shows it), so a model that grows past the step's time budget is
/// seen before it is felt.
fn model_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = runs.clone();
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    let name = std::thread::current().name().unwrap_or("model").to_owned();
    eprintln!("{name}: {} interleavings", runs.load(Ordering::Relaxed));
}

/// A waker that only records that it was woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let waker = Waker::from(std::sync::Arc::new(Flag(AtomicBool::new(false))));
    Pin::new(fut).poll(&mut Context::from_waker(&waker))
}

#[test]
fn rendezvous_send_meets_recv() {
    model(|| {
        let (tx, rx) = bounded(0);
        let sender = thread::spawn(move || tx.send_blocking(7));
        assert_eq!(rx.recv_blocking(), Ok(7));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn buffered_full_and_empty_wake_each_other() {
    model(|| {
        let (tx, rx) = bounded(1);
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            tx.send_blocking(2).unwrap(); // waits while the buffer holds 1
        });
        assert_eq!(rx.recv_blocking(), Ok(1)); // may wait for the first send
        assert_eq!(rx.recv_blocking(), Ok(2));
        sender.join().unwrap();
        assert_eq!(rx.recv_blocking(), Err(RecvError)); // the sender is gone
    });
}

/// A send and a receive race `close`: the value is received exactly when the send
/// succeeded (nothing is lost, nothing is duplicated), and a failed send hands it back.
fn close_race(
    (tx, rx): (Sender<i32>, Receiver<i32>),
    send: impl FnOnce(Sender<i32>) -> Result<(), i32> + Send + 'static,
) {
    let closer = tx.clone();
    let sender = thread::spawn(move || send(tx));
    let receiver = thread::spawn(move || rx.recv_blocking().ok());
    closer.close();
    let sent = sender.join().unwrap();
    let got = receiver.join().unwrap();
    match sent {
        Ok(()) => assert_eq!(got, Some(5)),
        Err(v) => {
            assert_eq!(v, 5);
            assert_eq!(got, None);
        }
    }
}

#[test]
fn close_races_send_and_recv() {
    model(|| close_race(bounded(1), |tx| tx.send_blocking(5).map_err(|e| e.0)));
}

#[test]
fn recv_dropped_after_wake_gives_the_value_back() {
    model(|| {
        let (tx, rx) = bounded(0);
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending()); // queued in recvq
        let sender = thread::spawn(move || tx.send_blocking(9));
        // Dropped whether or not the sender has handed it the value yet.
        drop(recv);
        // Either the value came back to the head of the channel, or the sender is
        // still waiting: one more receive gets it, exactly once.
        assert_eq!(rx.recv_blocking(), Ok(9));
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn send_cancelled_while_a_receiver_takes_it() {
    model(|| {
        let (tx, rx) = bounded(0);
        let receiver = thread::spawn(move || rx.recv_blocking().ok());
        let taken = {
            let mut send = tx.send(3);
            let first = poll_once(&mut send);
            match first {
                Poll::Ready(res) => {
                    assert_eq!(res, Ok(()));
                    true
                }
                Poll::Pending => match Pin::new(&mut send).cancel() {
                    Some(v) => {
                        assert_eq!(v, 3);
                        false
                    }
                    None => true,
                },
            }
        };
        drop(tx); // releases a receiver that is still waiting
        let got = receiver.join().unwrap();
        assert_eq!(
            got.is_some(),
            taken,
            "cancel must say whether the value went out"
        );
    });
}

#[test]
fn last_receiver_dropped_while_a_sender_waits() {
    model(|| {
        let (tx, rx) = bounded(0);
        let sender = thread::spawn(move || tx.send_blocking(4));
        drop(rx);
        assert_eq!(sender.join().unwrap(), Err(SendError(4)));
    });
}

#[test]
fn two_peers_race_for_one_select() {
    model(|| {
        let (tx_a, rx_a) = bounded(0);
        let (tx_b, rx_b) = bounded(0);
        let a = thread::spawn(move || tx_a.send_blocking(1));
        let b = thread::spawn(move || tx_b.send_blocking(2));
        let got = Select::new()
            .recv(&rx_a, |m| m.unwrap())
            .recv(&rx_b, |m| m.unwrap())
            .wait();
        // Release the loser, then count: exactly one value went through the select.
        drop((rx_a, rx_b));
        let sent: Vec<_> = [a.join().unwrap(), b.join().unwrap()]
            .into_iter()
            .filter(Result::is_ok)
            .collect();
        assert_eq!(sent.len(), 1);
        assert!(got == 1 || got == 2);
    });
}

#[test]
fn select_dropped_while_a_peer_claims_it() {
    model(|| {
        let (tx, rx) = bounded(0);
        let (_other_tx, other_rx) = bounded::<u32>(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx, |m| m.unwrap())
                .recv(&other_rx, |m| m.unwrap()),
        );
        assert!(poll_once(&mut sel).is_pending());
        let sender = thread::spawn(move || tx.send_blocking(8));
        drop(sel); // the sender may be claiming it right now
        assert_eq!(rx.recv_blocking(), Ok(8));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// A `SelectLoop` selects twice while two senders race: the first select's claim may
/// still be held by the peer that won it when the loop rearms, so the loop must reuse
/// the claim only when nobody holds it, and its cases must be back at rest: the second
/// select gets the other value, and each value is received exactly once.
#[test]
fn a_select_loop_selects_twice_while_two_senders_race() {
    model(|| {
        let (tx_a, rx_a) = bounded(0);
        let (tx_b, rx_b) = bounded(0);
        // Kept open, so that a sender that finished does not close its channel.
        let _open = (tx_a.clone(), tx_b.clone());
        let a = thread::spawn(move || tx_a.send_blocking(1));
        let b = thread::spawn(move || tx_b.send_blocking(2));
        let mut sel = SelectLoop::new()
            .recv(&rx_a, |m| m.unwrap())
            .recv(&rx_b, |m| m.unwrap());
        let first = sel.wait();
        let second = sel.wait();
        assert_eq!(first + second, 3);
        assert_eq!(a.join().unwrap(), Ok(()));
        assert_eq!(b.join().unwrap(), Ok(()));
    });
}

/// A `SelectLoop`'s select dropped while a peer claims it gives back what the peer
/// handed it, and the loop's next select receives it.
#[test]
fn a_select_loop_select_dropped_while_a_peer_claims_it() {
    model(|| {
        let (tx, rx) = bounded(0);
        let (_other_tx, other_rx) = bounded::<u32>(0);
        let mut sel = SelectLoop::new()
            .recv(&rx, |m| m.unwrap())
            .recv(&other_rx, |m| m.unwrap());
        let sender = thread::spawn(move || tx.send_blocking(8));
        {
            let mut next = sel.select();
            if let Poll::Ready(v) = poll_once(&mut next) {
                assert_eq!(v, 8);
                drop(next);
                assert_eq!(sender.join().unwrap(), Ok(()));
                return;
            }
        } // dropped: the sender may be claiming it right now
        assert_eq!(sel.wait(), 8);
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn select_never_pairs_with_itself() {
    model(|| {
        let (tx, rx) = bounded(0);
        let peer_rx = rx.clone();
        let peer = thread::spawn(move || peer_rx.recv_blocking());
        let chosen = Select::new()
            .recv(&rx, |_| "recv")
            .send(&tx, 6, |res| {
                res.unwrap();
                "send"
            })
            .wait();
        assert_eq!(chosen, "send");
        assert_eq!(peer.join().unwrap(), Ok(6));
    });
}

#[test]
fn waiting_select_polls_its_future_case_while_a_peer_arrives() {
    model(|| {
        let (tx, rx) = bounded(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx, |m| m.unwrap())
                .future(std::future::pending::<()>(), |()| 0),
        );
        assert!(poll_once(&mut sel).is_pending()); // queued; the claim is shared
        let sender = thread::spawn(move || tx.send_blocking(5));
        // Polled again while the sender may be claiming it: the select pauses its
        // claim to poll the future case, then resumes or looks again.
        let got = match poll_once(&mut sel) {
            Poll::Ready(v) => v,
            Poll::Pending => loom::future::block_on(sel),
        };
        assert_eq!(got, 5);
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn a_peer_evicts_the_stale_waiter_of_a_select_another_peer_completed() {
    model(|| {
        let (tx_a, rx_a) = bounded(1);
        let (tx_b, rx_b) = bounded(1);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx_a, |m| m.unwrap())
                .recv(&rx_b, |m| m.unwrap()),
        );
        assert!(poll_once(&mut sel).is_pending()); // a waiter in each channel
                                                   // The peer that loses finds the other's win, takes the stale waiter off its
                                                   // queue and buffers its value, while the select may be withdrawing it.
        let a = thread::spawn(move || tx_a.send_blocking(1));
        let b = thread::spawn(move || tx_b.send_blocking(2));
        let got = loom::future::block_on(sel);
        assert_eq!(a.join().unwrap(), Ok(()));
        assert_eq!(b.join().unwrap(), Ok(()));
        let (won, lost) = if got == 1 {
            (&rx_a, &rx_b)
        } else {
            (&rx_b, &rx_a)
        };
        assert_eq!(lost.try_recv(), Ok(3 - got)); // the other value, exactly once
        assert!(won.try_recv().is_err() && lost.try_recv().is_err());
    });
}

// ----- the ring (every bounded channel has one under loom) -----

#[test]
fn a_value_given_back_goes_before_the_ring() {
    model(|| {
        let (tx, rx) = bounded(1);
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending()); // queued; the ring is gated
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap(); // handed to the queued receive, or buffered
            tx.send_blocking(2).unwrap();
        });
        // Dropped before or after it was handed 1: then 1 comes back ahead of the ring.
        drop(recv);
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Ok(2));
        sender.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// Counts drops, so a model can check that a value is dropped exactly once.
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_fast_send_races_the_last_receiver_leaving() {
    model(|| {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = bounded(2);
        let value = Counted(drops.clone());
        // Either the send lands in the ring before the receiver leaves (and the ring is
        // drained when it does) or it fails and hands the value back.
        let sender = thread::spawn(move || tx.try_send(value).map_err(|e| e.into_inner()));
        drop(rx);
        let back = sender.join().unwrap();
        drop(back);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn fast_and_gated_receives_share_the_ring() {
    model(|| {
        let (tx, rx) = bounded(2);
        let rx2 = rx.clone();
        tx.try_send(1).unwrap(); // the ring holds 1, ungated
        let other = thread::spawn(move || rx2.recv_blocking().unwrap());
        let sender = thread::spawn(move || tx.send_blocking(2).unwrap());
        let mine = rx.recv_blocking().unwrap();
        let theirs = other.join().unwrap();
        sender.join().unwrap();
        // Each value is received once; which receive gets which is the race.
        let mut got = [mine, theirs];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn unbounded_buffer_races_close() {
    model(|| {
        close_race(gochan::unbounded(), |tx| {
            tx.try_send(5).map_err(|e| e.into_inner())
        })
    });
}

#[test]
fn a_waiting_sender_keeps_the_slot_a_receive_frees() {
    model(|| {
        let (tx, rx) = bounded(1);
        tx.try_send(1).unwrap(); // the ring is full
        let mut second = tx.send(2);
        assert!(poll_once(&mut second).is_pending()); // queued in sendq
        let receiver = thread::spawn(move || {
            let first = rx.recv_blocking().unwrap();
            (first, rx)
        });
        // Whether or not the receive has run, the slot it frees is the waiting
        // sender's (Go's rule), so a newcomer never gets in ahead of 2.
        assert!(tx.try_send(3).is_err());
        let (first, rx) = receiver.join().unwrap();
        assert_eq!(first, 1);
        assert_eq!(poll_once(&mut second), Poll::Ready(Ok(())));
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

/// Two receivers wait on a rendezvous channel and two sends hand them values: the first
/// goes through the channel's one-value parcel, which its receiver empties without the
/// lock while the second send looks at it, and the second to the locked list when the
/// parcel is still full. Each value is received exactly once.
#[test]
fn two_hand_offs_share_the_parcel() {
    model(|| {
        let (tx, rx) = bounded::<i32>(0);
        let rx2 = rx.clone();
        let other = thread::spawn(move || rx2.recv_blocking());
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            tx.send_blocking(2).unwrap();
        });
        let mine = rx.recv_blocking().unwrap();
        let theirs = other.join().unwrap().unwrap();
        sender.join().unwrap();
        let mut got = [mine, theirs];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

// ---------------------------------------------------------------- timed waits
//
// A model has no clock: a timed wait's deadline passes at the first wait no wake has
// ended (see `src/blocking.rs`), so loom runs the withdrawal against every point of a
// peer's hand-off. Whatever the clock says, the withdrawal decides.

/// A timed send and a timed receive race on one channel: the send succeeded exactly
/// when its value was received or is still buffered, and a timed-out send's value
/// came back and is nowhere else.
fn timed_race(cap: usize) {
    model(move || {
        use gochan::{RecvTimeoutError, SendTimeoutError};
        let (tx, rx) = bounded(cap);
        let long = std::time::Duration::from_secs(1);
        let sender = thread::spawn(move || match tx.send_timeout(5, long) {
            Ok(()) => None,
            Err(SendTimeoutError::Timeout(v)) => Some(v),
            Err(SendTimeoutError::Closed(_)) => unreachable!("the receiver outlives us"),
        });
        let got = match rx.recv_timeout(long) {
            Ok(v) => Some(v),
            // Closed: the sender timed out and left.
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Closed) => None,
        };
        let back = sender.join().unwrap();
        let left = rx.try_recv().ok();
        match back {
            None => assert_eq!(
                [got, left].iter().flatten().collect::<Vec<_>>(),
                [&5],
                "sent: received once, or buffered"
            ),
            Some(v) => {
                assert_eq!(v, 5);
                assert_eq!((got, left), (None, None), "handed back, so nowhere else");
            }
        }
    });
}

#[test]
fn a_timed_send_and_receive_race_at_capacity_0() {
    timed_race(0);
}

#[test]
fn a_timed_send_and_receive_race_at_capacity_1() {
    timed_race(1);
}

/// A timed select whose send case a timed receive may take as the deadline passes:
/// the send case succeeded exactly when the receiver got the value.
#[test]
fn a_timed_select_takes_effect_exactly_when_its_peer_saw_it() {
    model(|| {
        let (tx, rx) = bounded::<i32>(0);
        let (_other_tx, other_rx) = bounded::<i32>(0);
        let long = std::time::Duration::from_secs(1);
        let receiver = thread::spawn(move || rx.recv_timeout(long).ok());
        let chosen = Select::new()
            .send(&tx, 8, |res| res.is_ok())
            .recv(&other_rx, |_| false)
            .wait_timeout(long);
        let got = receiver.join().unwrap();
        match chosen {
            Some(true) => assert_eq!(got, Some(8)),
            // The send case failed because the receiver had timed out and left,
            // closing the channel; or the select timed out first.
            Some(false) | None => assert_eq!(got, None),
        }
    });
}

// ---------------------------------------------------------------- unbounded channels
//
// An unbounded channel has no ring: its whole buffer is the `VecDeque` the lock
// guards, which grows from nothing on the first value it keeps.

/// Everything buffered now, oldest first.
fn drain<T>(rx: &Receiver<T>) -> Vec<T> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// Two sends race a waiting receive and `close`. Close is sticky, so the sends that
/// succeeded are a prefix of `[1, 2]`; the receive, which runs until the channel is
/// closed and drained, gets exactly that prefix in order, and every failed send hands
/// its value back.
#[test]
fn unbounded_sends_race_a_receive_and_close() {
    model(|| {
        let (tx, rx) = gochan::unbounded();
        let closer = tx.clone();
        let sender =
            thread::spawn(move || [1, 2].map(|v| tx.try_send(v).map_err(|e| e.into_inner())));
        let receiver = thread::spawn(move || {
            std::iter::from_fn(|| rx.recv_blocking().ok()).collect::<Vec<_>>()
        });
        closer.close();
        let sent = sender.join().unwrap();
        let got = receiver.join().unwrap();
        let mut ok = Vec::new();
        for (v, res) in [1, 2].into_iter().zip(sent) {
            match res {
                Ok(()) => ok.push(v),
                Err(back) => assert_eq!(back, v, "a failed send hands its value back"),
            }
        }
        assert_eq!(got, ok, "received exactly what was sent, in order");
        assert_eq!(
            ok,
            [1, 2][..ok.len()],
            "a failed send fails every later one"
        );
    });
}

/// The last receiver leaves while sends race it and a receive that a value may already
/// have been handed to is dropped: that value goes back to the buffer, and the last
/// receiver drops the buffer as it leaves, though a sender keeps the channel alive.
/// Every value is dropped exactly once, wherever it was.
#[test]
fn unbounded_values_buffered_when_the_receiver_leaves_are_dropped_once() {
    model(|| {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = gochan::unbounded();
        let values = [Counted(drops.clone()), Counted(drops.clone())];
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending()); // queued: the first send hands to it
        let sender = thread::spawn(move || {
            // A failed send's value comes back here and is dropped with the result.
            let sent = values.map(|v| tx.try_send(v).is_ok());
            (sent, tx)
        });
        drop(recv); // holding a handed value or not
        drop(rx); // the last receiver: drops what is buffered
        let (sent, tx) = sender.join().unwrap();
        // The channel lives on in `tx`, so the receiver's leaving dropped the sent ones.
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert!(sent[0] || !sent[1], "close is sticky");
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 2, "and none twice");
    });
}

// ---------------------------------------------------------------- recv_many

/// Runs `recv_many` to completion with limit 4 until it returns 0, checking that each
/// call appended exactly as many values as it said.
fn recv_many_all(rx: &Receiver<i32>, buf: &mut Vec<i32>) {
    loop {
        let before = buf.len();
        let n = loom::future::block_on(rx.recv_many(buf, 4));
        assert_eq!(
            buf.len(),
            before + n,
            "recv_many appends exactly what it counts"
        );
        if n == 0 {
            // 0 only once the channel is closed and drained.
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            return;
        }
    }
}

/// A `recv_many` waits on an empty channel while two senders race to it: the first
/// value wakes it, and it may batch the second, which at capacity 0 it takes straight
/// from the waiting sender (and must wake it), and at capacity 1 from the ring. Every
/// value is appended exactly once, and it returns 0 only after both senders are gone
/// and the channel is drained.
fn recv_many_waits_while_two_senders_race(cap: usize) {
    // At capacity 0 the second sender parks until the batch wakes it, and with three
    // preemptions that was some 730,000 interleavings (100 s), a third of the loom
    // step's budget; two still reach every hand-off and the batch's wake, in about 6 s.
    let preemptions = if cap == 0 { 2 } else { 3 };
    model_bounded(preemptions, move || {
        let (tx, rx) = bounded(cap);
        let tx2 = tx.clone();
        let mut buf = Vec::new();
        let mut first = Box::pin(rx.recv_many(&mut buf, 4));
        assert!(poll_once(&mut first).is_pending()); // queued on the empty channel
        let a = thread::spawn(move || tx.send_blocking(1));
        let b = thread::spawn(move || tx2.send_blocking(2));
        let n = loom::future::block_on(first);
        assert!(n == 1 || n == 2, "woken by a value, so never 0: got {n}");
        assert_eq!(buf.len(), n);
        recv_many_all(&rx, &mut buf); // the rest, until both senders have left
        assert_eq!(a.join().unwrap(), Ok(()));
        assert_eq!(b.join().unwrap(), Ok(()));
        buf.sort();
        assert_eq!(buf, [1, 2]);
    });
}

#[test]
fn recv_many_waits_while_two_senders_race_at_capacity_0() {
    recv_many_waits_while_two_senders_race(0);
}

#[test]
fn recv_many_waits_while_two_senders_race_at_capacity_1() {
    recv_many_waits_while_two_senders_race(1);
}

/// A `recv_many` waits while sends race `close`: it gets the values that went in before
/// the close, in order, and returns 0 exactly when none did.
#[test]
fn recv_many_waits_while_a_sender_races_close() {
    model(|| {
        let (tx, rx) = gochan::unbounded();
        let closer = tx.clone();
        let mut buf = Vec::new();
        let mut first = Box::pin(rx.recv_many(&mut buf, 4));
        assert!(poll_once(&mut first).is_pending());
        let sender = thread::spawn(move || [1, 2].map(|v| tx.try_send(v).is_ok()));
        let close = thread::spawn(move || closer.close());
        let n = loom::future::block_on(first);
        let sent = sender.join().unwrap();
        assert!(close.join().unwrap());
        let expected: Vec<i32> = [1, 2]
            .into_iter()
            .filter(|&v| sent[v as usize - 1])
            .collect();
        assert_eq!(
            n == 0,
            expected.is_empty(),
            "0 only when closed and drained"
        );
        assert_eq!(buf.len(), n);
        recv_many_all(&rx, &mut buf);
        assert_eq!(buf, expected);
        assert_eq!(expected, [1, 2][..expected.len()], "close is sticky");
    });
}

/// A `recv_many` that a send may have handed its first value to is dropped before it
/// collects it (`poll_again: false`), or polled once more and then dropped: nothing is
/// lost or duplicated, and a value given back keeps its place ahead of the buffer.
fn recv_many_dropped(poll_again: bool) {
    model(move || {
        let (tx, rx) = gochan::unbounded();
        let mut buf = Vec::new();
        {
            let mut fut = Box::pin(rx.recv_many(&mut buf, 4));
            assert!(poll_once(&mut fut).is_pending());
            let sender = thread::spawn(move || {
                tx.try_send(1).unwrap(); // handed to the waiting receive
                tx.try_send(2).unwrap(); // buffered behind it
            });
            if poll_again {
                let _ = poll_once(&mut fut);
            }
            drop(fut);
            sender.join().unwrap();
        }
        // What it did not return, it left in the channel, in order.
        buf.extend(drain(&rx));
        assert_eq!(buf, [1, 2]);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn recv_many_dropped_after_it_was_woken() {
    recv_many_dropped(false);
}

#[test]
fn recv_many_polled_again_then_dropped() {
    recv_many_dropped(true);
}

// ---------------------------------------------------------------- close meets a select
//
// `close` claims a waiting select's case like any peer, so it races the peer of the
// select's other channel for the one claim. That peer sends (so the select may
// complete without the close) or closes too (so each close must claim the select
// itself, or it waits forever). Loom reports a hang as a deadlock.

/// Which case of a select completed, and how.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    A(Result<i32, RecvError>),
    B(Result<i32, RecvError>),
}

/// What the peer on channel `b` does: `Some` of how its send of 2 went, or `None` when
/// it closes `b` instead.
fn peer_on_b(tx_b: Sender<i32>, sends: bool) -> Option<Result<(), SendError<i32>>> {
    if sends {
        return Some(tx_b.send_blocking(2));
    }
    // Not asserted: once the select is done, dropping `rx_b` may have closed it first.
    tx_b.close();
    None
}

/// A select waits on receives from `a` and `b`; one thread closes `a` while another
/// sends on `b` (or closes it). The select completes with exactly one of them: `a`'s
/// `Err(RecvError)`, and then a send on `b` fails once the receiver leaves, its value
/// handed back; or `b`'s outcome, and then a send succeeded.
fn close_while_a_select_waits_on_two_receives(b_sends: bool) {
    model(move || {
        let (tx_a, rx_a) = bounded::<i32>(0);
        let (tx_b, rx_b) = bounded(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx_a, Outcome::A)
                .recv(&rx_b, Outcome::B),
        );
        assert!(poll_once(&mut sel).is_pending()); // a waiter in each channel
        let closer = thread::spawn(move || tx_a.close());
        let peer = thread::spawn(move || peer_on_b(tx_b, b_sends));
        let got = loom::future::block_on(sel);
        assert!(closer.join().unwrap());
        drop(rx_b); // releases a send the select did not take
        let sent = peer.join().unwrap();
        match (got, sent) {
            (Outcome::A(res), sent) => {
                assert_eq!(res, Err(RecvError));
                assert!(sent.map_or(true, |sent| sent == Err(SendError(2))));
            }
            (Outcome::B(res), Some(sent)) => {
                assert_eq!(res, Ok(2));
                assert_eq!(sent, Ok(()));
            }
            (Outcome::B(res), None) => assert_eq!(res, Err(RecvError)),
        }
        assert_eq!(rx_a.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn close_while_a_select_waits_on_two_receives_and_a_peer_sends() {
    close_while_a_select_waits_on_two_receives(true);
}

#[test]
fn two_closes_race_for_a_select_waiting_on_both() {
    close_while_a_select_waits_on_two_receives(false);
}

/// Which case of a select with a send completed, and how.
#[derive(Debug, PartialEq, Eq)]
enum SendOrRecv {
    Sent(Result<(), SendError<i32>>),
    Received(Result<i32, RecvError>),
}

/// A select waits to send 7 on `a` (nobody receives there) and to receive from `b`;
/// one thread closes `a` while another sends on `b` (or closes it). Either the send
/// case completes with `Err(SendError(7))`, the value handed back, or the receive case
/// gets `b`'s outcome; never both.
fn close_while_a_select_waits_to_send(b_sends: bool) {
    model(move || {
        let (tx_a, rx_a) = bounded::<i32>(0);
        let (tx_b, rx_b) = bounded(0);
        let closer = tx_a.clone();
        let mut sel = Box::pin(
            Select::new()
                .send(&tx_a, 7, SendOrRecv::Sent)
                .recv(&rx_b, SendOrRecv::Received),
        );
        assert!(poll_once(&mut sel).is_pending());
        let close = thread::spawn(move || closer.close());
        let peer = thread::spawn(move || peer_on_b(tx_b, b_sends));
        let got = loom::future::block_on(sel);
        assert!(close.join().unwrap());
        drop(rx_b);
        let sent = peer.join().unwrap();
        match (got, sent) {
            (SendOrRecv::Sent(res), sent) => {
                assert_eq!(res, Err(SendError(7)));
                assert!(sent.map_or(true, |sent| sent == Err(SendError(2))));
            }
            (SendOrRecv::Received(res), Some(sent)) => {
                assert_eq!(res, Ok(2));
                assert_eq!(sent, Ok(()));
            }
            (SendOrRecv::Received(res), None) => assert_eq!(res, Err(RecvError)),
        }
        // The send case's value never reached the channel it failed on.
        assert_eq!(rx_a.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn close_while_a_select_waits_to_send_and_a_peer_sends() {
    close_while_a_select_waits_to_send(true);
}

#[test]
fn a_close_races_a_close_for_a_select_waiting_to_send() {
    close_while_a_select_waits_to_send(false);
}

// ---------------------------------------------------------------- a dropped select

/// A select waits on receives from `a` and `b`. One peer `try_send`s on `a`; the other
/// polls a send future on `b` once and cancels it if it had to wait. The select is
/// polled once more (`poll_again`) or not, then dropped while they may be claiming it.
/// Afterwards every value is in exactly one place: taken by the select (only if it
/// completed, and then only one), still in its channel (handed to the select, which
/// gave it back), or back with its sender.
fn select_dropped_while_two_peers_claim_it(poll_again: bool) {
    model(move || {
        let (tx_a, rx_a) = bounded(0);
        let (tx_b, rx_b) = bounded(0);
        let mut sel = Box::pin(Select::new().recv(&rx_a, |m| m).recv(&rx_b, |m| m));
        assert!(poll_once(&mut sel).is_pending());
        let a = thread::spawn(move || tx_a.try_send(1).map_err(|e| e.into_inner()));
        let b = thread::spawn(move || {
            let mut send = tx_b.send(2);
            match poll_once(&mut send) {
                Poll::Ready(res) => res.map_err(|e| e.0),
                // Some: it was still waiting, and takes its value back.
                Poll::Pending => Pin::new(&mut send).cancel().map_or(Ok(()), Err),
            }
        });
        let taken = if poll_again {
            match poll_once(&mut sel) {
                Poll::Ready(res) => Some(res.unwrap()),
                Poll::Pending => None,
            }
        } else {
            None
        };
        drop(sel); // the peers may be claiming it right now
        let sent_a = a.join().unwrap();
        let sent_b = b.join().unwrap();
        let left = (drain(&rx_a), drain(&rx_b));
        match taken {
            Some(1) => {
                assert_eq!((sent_a, sent_b), (Ok(()), Err(2)));
                assert_eq!(left, (vec![], vec![]));
            }
            Some(2) => {
                assert_eq!((sent_a, sent_b), (Err(1), Ok(())));
                assert_eq!(left, (vec![], vec![]));
            }
            Some(other) => panic!("the select took {other}, which nobody sent"),
            None => {
                // It took none: a send that succeeded was handed to it, and its
                // value was given back to that channel. At most one could be.
                assert_eq!(left.0, sent_a.map_or(vec![], |()| vec![1]));
                assert_eq!(left.1, sent_b.map_or(vec![], |()| vec![2]));
                assert!(sent_a.is_err() || sent_b.is_err(), "one claim, one case");
                if let Err(v) = sent_a {
                    assert_eq!(v, 1);
                }
                if let Err(v) = sent_b {
                    assert_eq!(v, 2);
                }
            }
        }
    });
}

#[test]
fn select_over_two_channels_dropped_while_two_peers_claim_it() {
    select_dropped_while_two_peers_claim_it(false);
}

#[test]
fn select_over_two_channels_polled_again_then_dropped_while_two_peers_claim_it() {
    select_dropped_while_two_peers_claim_it(true);
}
