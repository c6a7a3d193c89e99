#![cfg(not(loom))]
//! Rule 6 (Cancellation): any send, recv or select future may be dropped at any poll
//! and no value is ever lost or duplicated. `SendFuture::cancel` returns `Some(v)`
//! exactly when no receiver has v and never will. A receive dropped after it was handed
//! a value gives it back (to the next waiting receiver, or to the head of the channel);
//! a dropped woken waiter passes the wake-up on.

mod common;

use std::future::IntoFuture;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use common::*;
use gochan::{bounded, select, RecvError, Select, SendError, TryRecvError, TrySendError};

// ---------------------------------------------------------------- send futures

#[test]
fn dropped_pending_send_withdraws_its_value() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 3] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = bounded::<DropCounter>(cap);
            for i in 0..cap {
                tx.try_send(DropCounter::new(i, &drops)).unwrap();
            }
            {
                let mut s = Box::pin(tx.send(DropCounter::new(100, &drops)));
                assert!(poll_noop(s.as_mut()).is_pending());
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "cap {cap}: value not dropped with its future"
            );
            for i in 0..cap {
                assert_eq!(rx.try_recv().unwrap().id, i);
            }
            assert!(
                matches!(rx.try_recv(), Err(TryRecvError::Empty)),
                "cap {cap}: dropped send still delivered"
            );
            assert_eq!(drops.load(Ordering::SeqCst), 1 + cap);
        }
    });
}

#[test]
fn dropped_send_after_receiver_took_value_counts_as_done() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        let mut s = Box::pin(tx.send(DropCounter::new(1, &drops)));
        assert!(poll_noop(s.as_mut()).is_pending());
        let got = rx.try_recv().expect("waiting sender's value");
        assert_eq!(got.id, 1);
        drop(s); // never polled again
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "the received value was dropped by the sender"
        );
        drop(got);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    });
}

#[test]
fn cancel_returns_value_when_nobody_took_it() {
    thread_timeout(SECS, || {
        for cap in [0usize, 2] {
            let (tx, rx) = bounded::<u32>(cap);
            for i in 0..cap as u32 {
                tx.try_send(i).unwrap();
            }
            let mut s = pin!(tx.send(77));
            assert!(poll_noop(s.as_mut()).is_pending());
            assert_eq!(s.as_mut().cancel(), Some(77));
            // The value is gone from the channel and the future no longer waits there.
            for i in 0..cap as u32 {
                assert_eq!(rx.try_recv(), Ok(i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap}");
            // Polling after cancel stays pending and registers nothing.
            for _ in 0..3 {
                assert!(poll_noop(s.as_mut()).is_pending());
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(s.as_mut().cancel(), None, "second cancel must give nothing");
        }
    });
}

#[test]
fn cancel_unpolled_send_returns_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(5));
        assert_eq!(s.as_mut().cancel(), Some(5));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn cancel_none_when_receiver_took_value_unbuffered() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(8));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(8));
        assert_eq!(s.as_mut().cancel(), None);
        assert!(poll_noop(s.as_mut()).is_pending());
    });
}

#[test]
fn cancel_none_when_value_moved_into_buffer() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let mut s = pin!(tx.send(2));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(1)); // moves 2 into the buffer: the send is done
        assert_eq!(
            s.as_mut().cancel(),
            None,
            "value in the buffer will be received"
        );
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn cancel_none_when_recv_future_took_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(3));
        assert!(poll_noop(s.as_mut()).is_pending());
        let mut r = pin!(rx.recv());
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(3)));
        assert_eq!(s.as_mut().cancel(), None);
    });
}

#[test]
fn cancel_after_completion_is_none() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        let mut s = pin!(tx.send(1));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        assert_eq!(s.as_mut().cancel(), None);
        assert_eq!(rx.try_recv(), Ok(1));
    });
}

#[test]
fn cancel_after_close_returns_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(4));
        assert!(poll_noop(s.as_mut()).is_pending());
        tx.close();
        assert_eq!(
            s.as_mut().cancel(),
            Some(4),
            "closed: no receiver has 4 and none will"
        );
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn cancel_after_failed_send_is_none() {
    thread_timeout(SECS, || {
        let (tx, _rx) = bounded::<u32>(0);
        tx.close();
        let mut s = pin!(tx.send(4));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Err(SendError(4))));
        assert_eq!(
            s.as_mut().cancel(),
            None,
            "the value was already handed back"
        );
    });
}

/// A cancelled send leaves the queue, so the next waiting sender is served.
#[test]
fn cancelled_sender_leaves_the_queue() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s1 = pin!(tx.send(1));
        let mut s2 = pin!(tx.send(2));
        assert!(poll_noop(s1.as_mut()).is_pending());
        assert!(poll_noop(s2.as_mut()).is_pending());
        assert_eq!(s1.as_mut().cancel(), Some(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(poll_noop(s2.as_mut()), Poll::Ready(Ok(())));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// The `tokio::select!` pattern from the spec: after another branch won, cancel tells
/// whether the value was taken.
#[tokio::test(flavor = "current_thread")]
async fn cancel_after_tokio_select_timeout() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let mut send = pin!(tx.send(10));
        tokio::select! {
            _ = send.as_mut() => panic!("no receiver: the send cannot complete"),
            _ = tokio::time::sleep(std::time::Duration::from_millis(10)) => {}
        }
        assert_eq!(send.as_mut().cancel(), Some(10));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

        let mut send = pin!(tx.send(11));
        tokio::select! {
            _ = send.as_mut() => panic!("not polled after the receive"),
            _ = async {
                // Let the send register, then take its value, then win.
                tokio::task::yield_now().await;
                assert_eq!(rx.try_recv(), Ok(11));
            } => {}
        }
        assert_eq!(send.as_mut().cancel(), None);
    })
    .await;
}

// ---------------------------------------------------------------- recv futures

/// A recv future dropped after it was handed a value passes the value (and the
/// wake-up) to the next waiting receiver.
#[test]
fn dropped_handed_recv_passes_value_to_next_receiver() {
    thread_timeout(SECS, || {
        for cap in [Some(0), Some(2), None] {
            let (tx, rx) = make::<u32>(cap);
            let mut r1 = Box::pin(rx.recv());
            let mut r2 = Box::pin(rx.recv());
            let (c1, w1) = counting_waker();
            let (c2, w2) = counting_waker();
            assert!(poll_with(r1.as_mut(), &w1).is_pending());
            assert!(poll_with(r2.as_mut(), &w2).is_pending());
            tx.try_send(1).unwrap();
            assert!(c1.count() >= 1);
            assert_eq!(
                c2.count(),
                0,
                "cap {cap:?}: second receiver woken without a value"
            );
            drop(r1);
            assert!(c2.count() >= 1, "cap {cap:?}: wake-up not passed on");
            assert_eq!(poll_noop(r2.as_mut()), Poll::Ready(Ok(1)), "cap {cap:?}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

/// With no other receiver waiting, the value goes back to the head of the channel, so
/// the next receive takes it first, even at capacity 0.
#[test]
fn dropped_handed_recv_returns_value_to_head() {
    thread_timeout(SECS, || {
        for cap in [Some(0), Some(1), Some(2), None] {
            let (tx, rx) = make::<u32>(cap);
            let mut r = Box::pin(rx.recv());
            assert!(poll_noop(r.as_mut()).is_pending());
            tx.try_send(1).unwrap();
            // Fill the buffer behind it.
            let extra = match cap {
                Some(n) => n as u32,
                None => 3,
            };
            for i in 0..extra {
                tx.try_send(10 + i).unwrap();
            }
            drop(r);
            assert_eq!(
                rx.len(),
                1 + extra as usize,
                "cap {cap:?}: handed-back value not counted by len"
            );
            assert_eq!(
                rx.try_recv(),
                Ok(1),
                "cap {cap:?}: handed-back value is not first"
            );
            for i in 0..extra {
                assert_eq!(rx.try_recv(), Ok(10 + i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

/// At capacity 0 with a sender waiting too: the handed-back value comes before the
/// waiting sender's value.
#[test]
fn dropped_handed_recv_unbuffered_before_waiting_sender() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut r = Box::pin(rx.recv());
        assert!(poll_noop(r.as_mut()).is_pending());
        tx.try_send(1).unwrap();
        let mut s = pin!(tx.send(2));
        assert!(poll_noop(s.as_mut()).is_pending());
        drop(r);
        let mut r2 = pin!(rx.recv());
        assert_eq!(poll_noop(r2.as_mut()), Poll::Ready(Ok(1)));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
    });
}

/// A handed value survives a close: the next receive gets it, then RecvError.
#[test]
fn dropped_handed_recv_after_close() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut r = Box::pin(rx.recv());
        assert!(poll_noop(r.as_mut()).is_pending());
        tx.try_send(1).unwrap();
        drop(tx);
        drop(r);
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

/// Dropping a pending (not handed) receiver removes it from the queue: a later send
/// does not hand its value into the void.
#[test]
fn dropped_pending_recv_leaves_the_queue() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        {
            let mut r = Box::pin(rx.recv());
            assert!(poll_noop(r.as_mut()).is_pending());
        }
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        let mut s = pin!(tx.send(2));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

/// Values handed to a recv future that is dropped are dropped exactly once overall.
#[test]
fn handed_back_values_are_not_duplicated() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        let mut r = Box::pin(rx.recv());
        assert!(poll_noop(r.as_mut()).is_pending());
        tx.try_send(DropCounter::new(1, &drops)).unwrap();
        drop(r);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "handed-back value was dropped"
        );
        let v = rx.try_recv().unwrap();
        assert_eq!(v.id, 1);
        drop(v);
        drop((tx, rx));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// recv_many is a receive too: dropped after it was handed its first value, it gives
/// the value back.
#[test]
fn dropped_handed_recv_many_gives_value_back() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut buf = Vec::new();
        {
            let mut fut = Box::pin(rx.recv_many(&mut buf, 8));
            assert!(poll_noop(fut.as_mut()).is_pending());
            assert_eq!(
                tx.try_send(1),
                Ok(()),
                "a waiting recv_many is a waiting receiver"
            );
        }
        // Exactly once: back in the channel (or, if the dropped future had already
        // stored it, in `buf`), never lost and never both.
        let mut seen = buf.clone();
        seen.extend(rx.try_recv().ok());
        assert_eq!(
            seen,
            vec![1],
            "value lost or duplicated by the dropped recv_many"
        );
    });
}

// ---------------------------------------------------------------- select futures

/// A select future that was handed a value and is dropped before returning it gives the
/// value back to the channel.
#[test]
fn dropped_select_macro_gives_value_back() {
    thread_timeout(SECS, || {
        let (txa, rxa) = bounded::<u32>(0);
        let (_txb, rxb) = bounded::<u32>(0);
        {
            let mut fut = Box::pin(async {
                select! {
                    recv(&rxa) -> m => m.map(|v| v + 1000),
                    recv(&rxb) -> m => m,
                }
            });
            assert!(poll_noop(fut.as_mut()).is_pending());
            assert_eq!(
                txa.try_send(5),
                Ok(()),
                "a waiting select is a waiting receiver"
            );
        }
        assert_eq!(rxa.try_recv(), Ok(5));
        assert_eq!(rxb.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn dropped_dynamic_select_gives_value_to_next_receiver() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (_tx2, rx2) = bounded::<u32>(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rx, |m| m.unwrap())
                .recv(&rx2, |m| m.unwrap())
                .into_future(),
        );
        assert!(poll_noop(sel.as_mut()).is_pending());
        let mut r = Box::pin(rx.recv());
        let (c, w) = counting_waker();
        assert!(poll_with(r.as_mut(), &w).is_pending());
        tx.try_send(9).unwrap();
        drop(sel);
        assert!(
            c.count() >= 1,
            "wake-up not passed on from the dropped select"
        );
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(9)));
    });
}

/// A select with a send case, dropped after a receiver took the value: that send counts
/// as done and the value exists exactly once.
#[test]
fn dropped_select_send_after_receiver_took_value() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        let (_tx2, rx2) = bounded::<DropCounter>(0);
        let v = DropCounter::new(1, &drops);
        {
            let mut fut = Box::pin(async {
                select! {
                    send(&tx, v) -> res => res.is_ok(),
                    recv(&rx2) -> _m => false,
                }
            });
            assert!(poll_noop(fut.as_mut()).is_pending());
            let got = rx.try_recv().expect("the select's send waits");
            assert_eq!(got.id, 1);
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            drop(got);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    });
}

// ---------------------------------------------------------------- polling after done

#[test]
fn polling_completed_futures_again_stays_pending() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        let mut s = pin!(tx.send(1));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.len(), 1, "re-polling a completed send sent again");

        let mut r = pin!(rx.recv());
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(1)));
        assert!(poll_noop(r.as_mut()).is_pending());
        // It registered nothing: a value sent now stays in the buffer for try_recv.
        tx.try_send(2).unwrap();
        assert!(poll_noop(r.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(2));

        // At capacity 0, a completed recv polled again is not a waiting receiver.
        let (tx0, rx0) = bounded::<u32>(0);
        let mut s0 = pin!(tx0.send(3));
        assert!(poll_noop(s0.as_mut()).is_pending());
        let mut r0 = pin!(rx0.recv());
        assert_eq!(poll_noop(r0.as_mut()), Poll::Ready(Ok(3)));
        assert!(poll_noop(r0.as_mut()).is_pending());
        assert_eq!(tx0.try_send(4), Err(TrySendError::Full(4)));
        assert_eq!(poll_noop(s0.as_mut()), Poll::Ready(Ok(())));
        assert!(poll_noop(s0.as_mut()).is_pending());
        assert_eq!(rx0.try_recv(), Err(TryRecvError::Empty));

        // Failed futures too.
        tx0.close();
        let mut r1 = pin!(rx0.recv());
        assert_eq!(poll_noop(r1.as_mut()), Poll::Ready(Err(RecvError)));
        assert!(poll_noop(r1.as_mut()).is_pending());
        let mut s1 = pin!(tx0.send(5));
        assert_eq!(poll_noop(s1.as_mut()), Poll::Ready(Err(SendError(5))));
        assert!(poll_noop(s1.as_mut()).is_pending());
    });
}

#[test]
fn polling_completed_select_again_stays_pending() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let mut sel = Box::pin(Select::new().recv(&rx, |m| m.unwrap()).into_future());
        assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(1));
        assert!(poll_noop(sel.as_mut()).is_pending());
        tx.try_send(2).unwrap();
        assert!(poll_noop(sel.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

// ---------------------------------------------------------------- stress

const UNKNOWN: u8 = 0;
const MUST: u8 = 1; // a receiver has it or will: must be received exactly once
const MUST_NOT: u8 = 2; // the sender got it back or it was an unchosen case
const MAYBE: u8 = 3; // send future dropped without cancel: received at most once

/// Many tasks race sends and receives (plain futures, `cancel`, dropped futures,
/// `select!` with a competing future, and a blocking thread) against cancellation
/// points that fire after a random number of polls. Every value whose send returned
/// Ok, or whose cancel returned None, or whose select send case was chosen, is received
/// exactly once; every value handed back by cancel or left in an unchosen case is never
/// received; every value is dropped exactly once.
#[test]
fn randomized_cancellation_stress() {
    thread_timeout(60, || {
        for _round in 0..3 {
            for cap in [Some(0), Some(1), Some(4), None] {
                tokio_timeout(30, 2, stress_one(cap));
            }
        }
    });
}

async fn stress_one(cap: Option<usize>) {
    const P: usize = 4;
    const N: usize = 2000;
    const C: usize = 3;
    // Producers 0..P are tasks; producer P is a plain thread using send_blocking.
    let total = (P + 1) * N;
    let ledger = Ledger::new(total);
    let outcome: Arc<Vec<AtomicU8>> =
        Arc::new((0..total).map(|_| AtomicU8::new(UNKNOWN)).collect());
    let (tx, rx) = make::<Token>(cap);
    let mut seed_rng = Rng::from_clock(&format!("cancel stress cap {cap:?}"));

    let mut producers = Vec::new();
    for p in 0..P {
        let tx = tx.clone();
        let ledger = ledger.clone();
        let outcome = outcome.clone();
        let mut rng = Rng::new(seed_rng.next_u64());
        producers.push(tokio::spawn(async move {
            for i in 0..N {
                let id = p * N + i;
                let tok = ledger.token(id);
                let set = |o: u8| outcome[id].store(o, Ordering::SeqCst);
                let k = rng.below(6) as u32;
                match rng.below(5) {
                    0 => {
                        tx.send(tok).await.expect("send failed on an open channel");
                        set(MUST);
                    }
                    1 => {
                        let mut send = pin!(tx.send(tok));
                        tokio::select! {
                            r = send.as_mut() => {
                                assert!(r.is_ok(), "send failed on an open channel");
                                set(MUST);
                            }
                            _ = YieldN(k) => match send.as_mut().cancel() {
                                Some(back) => {
                                    assert_eq!(back.id, id, "cancel returned another value");
                                    set(MUST_NOT);
                                }
                                None => set(MUST),
                            },
                        }
                    }
                    2 => {
                        set(MAYBE);
                        let send = tx.send(tok);
                        tokio::select! {
                            r = send => {
                                assert!(r.is_ok());
                                set(MUST);
                            }
                            _ = YieldN(k) => {}
                        }
                    }
                    3 => {
                        select! {
                            send(&tx, tok) -> res => {
                                assert!(res.is_ok(), "select send failed on an open channel");
                                set(MUST);
                            }
                            future(YieldN(k)) -> _o => set(MUST_NOT),
                        }
                    }
                    _ => {
                        // A select that is itself dropped from outside.
                        set(MAYBE);
                        tokio::select! {
                            _ = async {
                                select! {
                                    send(&tx, tok) -> res => {
                                        assert!(res.is_ok());
                                        set(MUST);
                                    }
                                    future(YieldN(k)) -> _o => set(MUST_NOT),
                                }
                            } => {}
                            _ = YieldN(rng.below(4) as u32) => {}
                        }
                    }
                }
            }
        }));
    }

    let blocking_producer = {
        let tx = tx.clone();
        let ledger = ledger.clone();
        let outcome = outcome.clone();
        std::thread::spawn(move || {
            for i in 0..N {
                let id = P * N + i;
                let tok = ledger.token(id);
                assert!(
                    tx.send_blocking(tok).is_ok(),
                    "send_blocking failed on an open channel"
                );
                outcome[id].store(MUST, Ordering::SeqCst);
            }
        })
    };

    let mut consumers = Vec::new();
    for _ in 0..C {
        let rx = rx.clone();
        let mut rng = Rng::new(seed_rng.next_u64());
        consumers.push(tokio::spawn(async move {
            let mut n = 0usize;
            loop {
                let k = rng.below(6) as u32;
                let got: Result<Option<Token>, RecvError> = match rng.below(5) {
                    0 => rx.recv().await.map(Some),
                    1 => tokio::select! {
                        r = rx.recv() => r.map(Some),
                        _ = YieldN(k) => Ok(None),
                    },
                    2 => select! {
                        recv(&rx) -> m => m.map(Some),
                        future(YieldN(k)) -> _o => Ok(None),
                    },
                    3 => tokio::select! {
                        r = async {
                            select! {
                                recv(&rx) -> m => m.map(Some),
                                future(YieldN(k)) -> _o => Ok(None),
                            }
                        } => r,
                        _ = YieldN(rng.below(4) as u32) => Ok(None),
                    },
                    _ => match rx.try_recv() {
                        Ok(t) => Ok(Some(t)),
                        Err(TryRecvError::Empty) => {
                            tokio::task::yield_now().await;
                            Ok(None)
                        }
                        Err(TryRecvError::Closed) => Err(RecvError),
                    },
                };
                match got {
                    Ok(Some(t)) => {
                        t.receive();
                        n += 1;
                    }
                    Ok(None) => {}
                    Err(RecvError) => break,
                }
            }
            n
        }));
    }
    // One plain thread receiving with the blocking call on the same channel.
    let blocking = {
        let rx = rx.clone();
        std::thread::spawn(move || {
            let mut n = 0usize;
            while let Ok(t) = rx.recv_blocking() {
                t.receive();
                n += 1;
            }
            n
        })
    };

    for p in producers {
        p.await.expect("producer panicked");
    }
    tokio::task::spawn_blocking(move || blocking_producer.join())
        .await
        .unwrap()
        .expect("blocking producer panicked");
    drop(tx);
    let mut received = 0;
    for c in consumers {
        received += c.await.expect("consumer panicked");
    }
    received += tokio::task::spawn_blocking(move || blocking.join())
        .await
        .unwrap()
        .expect("blocking consumer panicked");
    // Closed and drained: nothing left behind.
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    drop(rx);

    let mut must = 0;
    for id in 0..total {
        let o = outcome[id].load(Ordering::SeqCst);
        let r = ledger.received(id);
        match o {
            MUST => {
                assert_eq!(
                    r, 1,
                    "cap {cap:?}: value {id} sent Ok but received {r} times"
                );
                must += 1;
            }
            MUST_NOT => assert_eq!(r, 0, "cap {cap:?}: value {id} handed back but received"),
            MAYBE => assert!(r <= 1, "cap {cap:?}: value {id} received {r} times"),
            _ => panic!("cap {cap:?}: value {id} has no outcome"),
        }
        assert_eq!(
            ledger.drops(id),
            1,
            "cap {cap:?}: value {id} dropped {} times",
            ledger.drops(id)
        );
    }
    let count = |o: u8| {
        (0..total)
            .filter(|&id| outcome[id].load(Ordering::SeqCst) == o)
            .count()
    };
    eprintln!(
        "cap {cap:?}: {must} must be received, {} handed back or unchosen, {} maybe; {received} received",
        count(MUST_NOT),
        count(MAYBE)
    );
    assert!(received >= must);
    let sum: usize = (0..total).map(|id| ledger.received(id)).sum();
    assert_eq!(sum, received);
}
