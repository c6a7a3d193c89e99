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

use gochan::{bounded, Receiver, RecvError, Select, SendError, Sender, TryRecvError};
use loom::thread;

/// Explores every interleaving with up to three preemptions: enough for the races
/// below, small enough to finish in seconds.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
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

// ---------------------------------------------------------------- issue 17: more of the protocol

/// A numbered value that counts its drops, so a model can show each dropped once.
#[derive(Debug)]
struct Numbered(u32, std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Numbered {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

/// An unbounded channel's receive waits while a sender sends twice and the last
/// receiver leaves: the waiting receive gets the first value, and the second is
/// refused (handed back) or dropped with the channel, once.
#[test]
fn unbounded_sends_race_the_last_receiver_leaving() {
    model(|| {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (tx, rx) = gochan::unbounded::<Numbered>();
        let mut recv = rx.recv();
        assert!(poll_once(&mut recv).is_pending()); // waiting in recvq
        let counter = drops.clone();
        let sender = thread::spawn(move || {
            let first = tx.try_send(Numbered(1, counter.clone())).is_ok();
            let second = tx
                .try_send(Numbered(2, counter))
                .map_err(|e| e.into_inner().0);
            (first, second)
        });
        let got = loom::future::block_on(recv).map(|v| v.0);
        drop(rx); // may come before, between or after the sender's second send
        let (first, second) = sender.join().unwrap();
        assert!(first, "the channel was open for the first send");
        assert_eq!(got, Ok(1));
        // The second value: refused and dropped by the sender, or buffered and dropped
        // with the channel; either way exactly once.
        if let Err(v) = second {
            assert_eq!(v, 2);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// `recv_many` waits for its first value while a sender sends two and leaves: the
/// values arrive in order, each once, and a call returns 0 only once the channel is
/// closed and drained.
#[test]
fn recv_many_races_a_sender_and_its_close() {
    model(|| {
        let (tx, rx) = bounded(1);
        let sender = thread::spawn(move || {
            tx.send_blocking(1).unwrap();
            tx.send_blocking(2).unwrap();
        }); // dropping tx closes the channel
        let mut buf = Vec::new();
        let first = loom::future::block_on(rx.recv_many(&mut buf, 2));
        assert!(first >= 1, "returned {first} while a value was coming");
        loop {
            let n = loom::future::block_on(rx.recv_many(&mut buf, 2));
            if n == 0 {
                break;
            }
        }
        assert_eq!(buf, [1, 2]);
        assert!(rx.is_closed() && rx.is_empty());
        sender.join().unwrap();
    });
}

/// A `recv_many` dropped while a sender hands it a value: the value is either in
/// the buffer the call filled before it was dropped, or still in the channel.
#[test]
fn a_dropped_recv_many_loses_nothing() {
    model(|| {
        let (tx, rx) = bounded(0);
        let mut buf = Vec::new();
        let sender = {
            let mut many = Box::pin(rx.recv_many(&mut buf, 4));
            assert!(poll_once(&mut many).is_pending()); // waiting in recvq
            let sender = thread::spawn(move || tx.send_blocking(3));
            let _ = poll_once(&mut many); // may or may not find the value
            drop(many); // the sender may be handing it over right now
            sender
        };
        // The sender's leaving closes the channel, so this ends either way.
        let left = rx.recv_blocking().ok();
        assert_eq!(sender.join().unwrap(), Ok(()));
        let got: Vec<i32> = buf.into_iter().chain(left).collect();
        assert_eq!(got, [3], "the value exactly once");
    });
}

/// A select waits on two channels while one is closed and the other's sender
/// arrives: it completes with exactly one case, the close (Err) or the value, and
/// a sender whose value it did not take gets the value back.
#[test]
fn close_while_a_select_waits_on_the_channel() {
    model(|| {
        let (tx_a, rx_a) = bounded::<i32>(0);
        let (tx_b, rx_b) = bounded::<i32>(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx_a, |m| ('a', m))
                .recv(&rx_b, |m| ('b', m)),
        );
        assert!(poll_once(&mut sel).is_pending()); // waiting in both recvqs
        let closer = thread::spawn(move || assert!(tx_a.close()));
        let sender = thread::spawn(move || tx_b.send_blocking(2));
        let got = loom::future::block_on(sel);
        drop(rx_b); // releases the sender if the select did not take its value
        let sent = sender.join().unwrap();
        closer.join().unwrap();
        match got {
            ('a', m) => {
                assert_eq!(m, Err(RecvError));
                assert_eq!(sent, Err(SendError(2)));
            }
            ('b', m) => {
                assert_eq!(m, Ok(2));
                assert_eq!(sent, Ok(()));
            }
            _ => unreachable!(),
        }
        assert!(rx_a.is_closed());
    });
}

/// A select's send case waits while the channel is closed under it and a receive
/// case's peer arrives: the send case fails with its value, or the receive wins and
/// the value goes nowhere.
#[test]
fn close_while_a_select_waits_to_send() {
    model(|| {
        let (tx_a, _rx_a) = bounded::<i32>(0); // nobody receives on `a`
        let (tx_b, rx_b) = bounded::<i32>(0);
        let closer_a = tx_a.clone();
        let mut sel = Box::pin(
            Select::new()
                .send(&tx_a, 5, |res| match res {
                    Ok(()) => unreachable!("nobody receives on a"),
                    Err(SendError(v)) => Err(v),
                })
                .recv(&rx_b, |m| Ok(m.unwrap())),
        );
        assert!(poll_once(&mut sel).is_pending());
        let closer = thread::spawn(move || assert!(closer_a.close()));
        // At capacity 0 a try_send succeeds only by handing to a waiting receive.
        let sender = thread::spawn(move || tx_b.try_send(7).is_ok());
        let got = loom::future::block_on(sel);
        let b_sent = sender.join().unwrap();
        closer.join().unwrap();
        match got {
            Err(v) => {
                assert_eq!(v, 5, "the failed send case hands its value back");
                assert!(!b_sent, "b's value went to a select that chose the close");
            }
            Ok(v) => {
                assert_eq!(v, 7);
                assert!(b_sent);
            }
        }
        assert_eq!(
            rx_b.try_recv(),
            Err(TryRecvError::Closed),
            "nothing left behind"
        );
    });
}

/// A select over two channels is dropped while a peer on each tries to hand it a
/// value: the select took nothing, and each value is either still in its channel
/// (given back, so its send succeeded) or was never sent (its sender got it back).
#[test]
fn a_select_over_two_channels_dropped_while_both_peers_claim_it() {
    let mut builder = loom::model::Builder::new();
    // Three threads and two channels: a bound of 2 keeps it to seconds, and covers
    // the drop landing before, between and after the two claims.
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let (tx_a, rx_a) = bounded::<i32>(0);
        let (tx_b, rx_b) = bounded::<i32>(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx_a, |m| m.unwrap())
                .recv(&rx_b, |m| m.unwrap()),
        );
        assert!(poll_once(&mut sel).is_pending());
        let a = thread::spawn(move || tx_a.try_send(1).is_ok());
        let b = thread::spawn(move || tx_b.try_send(2).is_ok());
        drop(sel);
        let sent = (a.join().unwrap(), b.join().unwrap());
        let left = (rx_a.try_recv().ok(), rx_b.try_recv().ok());
        // A try_send on a rendezvous succeeds only by handing to a waiter: only the
        // select was waiting, and it can win once. Its value came back to the channel.
        assert!(!(sent.0 && sent.1), "one select took two values");
        assert_eq!(left.0.is_some(), sent.0);
        assert_eq!(left.1.is_some(), sent.1);
        assert!(left.0.map_or(true, |v| v == 1) && left.1.map_or(true, |v| v == 2));
    });
}
