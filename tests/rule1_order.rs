#![cfg(not(loom))]
//! Rule 1 (Order): one channel is FIFO; blocked senders are served in the order they
//! blocked; blocked receivers are served in the order they blocked, whatever order the
//! woken futures are later polled in.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::*;
use std::future::IntoFuture;

use gochan::{bounded, select, RecvFuture, Select, SendFuture, TryRecvError};

fn caps() -> Vec<Option<usize>> {
    vec![Some(0), Some(1), Some(3), Some(64), None]
}

#[test]
fn buffered_values_come_out_in_send_order() {
    thread_timeout(SECS, || {
        for cap in [Some(1000), None] {
            let (tx, rx) = make::<u32>(cap);
            for i in 0..1000 {
                tx.try_send(i).unwrap();
            }
            for i in 0..1000 {
                assert_eq!(rx.try_recv(), Ok(i), "cap {cap:?}");
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

/// One producer, one consumer, concurrently: the consumer sees 0..N in order, for
/// every capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_single_producer_concurrent() {
    with_timeout(SECS, async {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            const N: u32 = 2000;
            let prod = tokio::spawn(async move {
                for i in 0..N {
                    tx.send(i).await.unwrap();
                }
            });
            let mut next = 0;
            while let Ok(v) = rx.recv().await {
                assert_eq!(v, next, "cap {cap:?}: out of order");
                next += 1;
            }
            assert_eq!(next, N, "cap {cap:?}: lost values");
            prod.await.unwrap();
        }
    })
    .await;
}

/// Several producers: each producer's own values stay in its order (FIFO per channel
/// implies per-sender order), and every value arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifo_per_producer_with_many_producers() {
    with_timeout(SECS, async {
        for cap in caps() {
            let (tx, rx) = make::<(u32, u32)>(cap);
            const P: u32 = 4;
            const N: u32 = 500;
            let mut handles = Vec::new();
            for p in 0..P {
                let tx = tx.clone();
                handles.push(tokio::spawn(async move {
                    for i in 0..N {
                        tx.send((p, i)).await.unwrap();
                    }
                }));
            }
            drop(tx);
            let mut next = [0u32; P as usize];
            let mut total = 0;
            while let Ok((p, i)) = rx.recv().await {
                assert_eq!(
                    i, next[p as usize],
                    "cap {cap:?}: producer {p} out of order"
                );
                next[p as usize] += 1;
                total += 1;
            }
            assert_eq!(total, P * N, "cap {cap:?}");
            assert!(next.iter().all(|&n| n == N));
            for h in handles {
                h.await.unwrap();
            }
        }
    })
    .await;
}

/// Senders blocked in order s0, s1, s2 are served in that order, even when they are
/// polled again (with new wakers) in the reverse order before a receiver comes.
#[test]
fn blocked_senders_served_in_block_order() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 2] {
            let (tx, rx) = bounded::<u32>(cap);
            // Fill the buffer with 100, 101, ...
            for i in 0..cap as u32 {
                tx.try_send(100 + i).unwrap();
            }
            let mut s0 = pin!(tx.send(0));
            let mut s1 = pin!(tx.send(1));
            let mut s2 = pin!(tx.send(2));
            assert!(poll_noop(s0.as_mut()).is_pending());
            assert!(poll_noop(s1.as_mut()).is_pending());
            assert!(poll_noop(s2.as_mut()).is_pending());
            // Re-poll in reverse order: must not change the queue order.
            assert!(poll_noop(s2.as_mut()).is_pending());
            assert!(poll_noop(s1.as_mut()).is_pending());
            assert!(poll_noop(s0.as_mut()).is_pending());

            let mut got = Vec::new();
            for _ in 0..cap + 3 {
                got.push(rx.try_recv().expect("a value or a waiting sender"));
            }
            let mut expected: Vec<u32> = (0..cap as u32).map(|i| 100 + i).collect();
            expected.extend([0, 1, 2]);
            assert_eq!(got, expected, "cap {cap}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            // Every sender completed, whatever order they are polled in now.
            assert_eq!(poll_noop(s2.as_mut()), Poll::Ready(Ok(())));
            assert_eq!(poll_noop(s0.as_mut()), Poll::Ready(Ok(())));
            assert_eq!(poll_noop(s1.as_mut()), Poll::Ready(Ok(())));
        }
    });
}

/// Blocked senders served in block order when the receiver is a recv future too.
#[test]
fn blocked_senders_served_in_block_order_async_recv() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut sends: Vec<_> = (0..5).map(|i| Box::pin(tx.send(i))).collect();
        for s in sends.iter_mut() {
            assert!(poll_noop(s.as_mut()).is_pending());
        }
        for i in 0..5 {
            let mut r = pin!(rx.recv());
            assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(i)));
        }
        for s in sends.iter_mut().rev() {
            assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        }
    });
}

/// Receivers blocked in order r0, r1, r2 get the values in that order, even when the
/// woken futures are polled in reverse order.
#[test]
fn blocked_receivers_served_in_block_order_reverse_poll() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let mut recvs: Vec<std::pin::Pin<Box<RecvFuture<'_, u32>>>> =
                (0..4).map(|_| Box::pin(rx.recv())).collect();
            let mut counters = Vec::new();
            for r in recvs.iter_mut() {
                let (c, w) = counting_waker();
                assert!(poll_with(r.as_mut(), &w).is_pending());
                counters.push(c);
            }
            for i in 0..4 {
                tx.try_send(i).unwrap_or_else(|e| {
                    panic!("cap {cap:?}: try_send({i}) with a receiver waiting: {e:?}")
                });
            }
            for (i, c) in counters.iter().enumerate() {
                assert!(c.count() >= 1, "cap {cap:?}: receiver {i} was not woken");
            }
            // Poll in reverse order: the longest waiter still gets the first value.
            for i in (0..4).rev() {
                assert_eq!(
                    poll_noop(recvs[i].as_mut()),
                    Poll::Ready(Ok(i as u32)),
                    "cap {cap:?}: receiver {i}"
                );
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

/// Same with async sends on the sending side: a send future that finds receivers
/// waiting hands its value to the longest waiter.
#[test]
fn blocked_receivers_served_in_block_order_async_send() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let mut r0 = pin!(rx.recv());
            let mut r1 = pin!(rx.recv());
            let mut r2 = pin!(rx.recv());
            assert!(poll_noop(r0.as_mut()).is_pending());
            assert!(poll_noop(r1.as_mut()).is_pending());
            assert!(poll_noop(r2.as_mut()).is_pending());
            // Re-poll r0 with a new waker: it keeps its place at the head.
            assert!(poll_noop(r0.as_mut()).is_pending());
            for i in 0..3 {
                let mut s = pin!(tx.send(i));
                assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())), "cap {cap:?}");
            }
            assert_eq!(poll_noop(r2.as_mut()), Poll::Ready(Ok(2)), "cap {cap:?}");
            assert_eq!(poll_noop(r1.as_mut()), Poll::Ready(Ok(1)), "cap {cap:?}");
            assert_eq!(poll_noop(r0.as_mut()), Poll::Ready(Ok(0)), "cap {cap:?}");
        }
    });
}

/// A receiver that blocks later never overtakes one that blocked earlier, even if it
/// is the only one polled after the send.
#[test]
fn late_receiver_polled_first_does_not_steal() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let mut early = pin!(rx.recv());
            assert!(poll_noop(early.as_mut()).is_pending());
            let mut late = pin!(rx.recv());
            assert!(poll_noop(late.as_mut()).is_pending());
            tx.try_send(7).unwrap();
            // The late receiver is polled first and must still be waiting.
            assert!(poll_noop(late.as_mut()).is_pending(), "cap {cap:?}");
            assert_eq!(poll_noop(early.as_mut()), Poll::Ready(Ok(7)));
            tx.try_send(8).unwrap();
            assert_eq!(poll_noop(late.as_mut()), Poll::Ready(Ok(8)));
        }
    });
}

/// A try_recv from a fresh receiver does not overtake a blocked receiver that has
/// already been handed a value.
#[test]
fn try_recv_does_not_steal_from_a_waiting_receiver() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let mut r = pin!(rx.recv());
            assert!(poll_noop(r.as_mut()).is_pending());
            tx.try_send(1).unwrap();
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "cap {cap:?}");
            assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(1)));
        }
    });
}

/// A queue of blocked send futures drains in order through `recv_blocking` too.
#[test]
fn send_futures_drain_in_order_blocking() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut sends: Vec<std::pin::Pin<Box<SendFuture<'_, u32>>>> =
            (0..10).map(|i| Box::pin(tx.send(i))).collect();
        for s in sends.iter_mut() {
            assert!(poll_noop(s.as_mut()).is_pending());
        }
        for i in 0..10 {
            assert_eq!(rx.recv_blocking(), Ok(i));
        }
        for s in sends.iter_mut() {
            assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        }
    });
}

/// A waiting select is a blocked receiver like any other: it keeps its place in line,
/// also when polled again with another waker.
#[test]
fn waiting_select_keeps_its_place() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let (_never_tx, never) = bounded::<u32>(0);
            let mut sel = Box::pin(
                Select::new()
                    .recv(&rx, |m| m.unwrap())
                    .recv(&never, |_m| unreachable!())
                    .into_future(),
            );
            assert!(poll_noop(sel.as_mut()).is_pending());
            let mut plain = pin!(rx.recv());
            assert!(poll_noop(plain.as_mut()).is_pending());
            let (_c, w) = counting_waker();
            assert!(poll_with(sel.as_mut(), &w).is_pending());
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            assert_eq!(poll_noop(plain.as_mut()), Poll::Ready(Ok(2)), "cap {cap:?}");
            assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(1), "cap {cap:?}");
        }
    });
}

/// The same for a select with a (never-ready) future case: being polled again does not
/// send it to the back of the queue (rule 7: its entry is replaced, not re-made).
#[test]
fn waiting_select_with_future_case_keeps_its_place() {
    thread_timeout(SECS, || {
        for cap in caps() {
            let (tx, rx) = make::<u32>(cap);
            let mut sel = Box::pin(async {
                select! {
                    recv(&rx) -> m => m.unwrap(),
                    future(std::future::pending::<()>()) -> _o => unreachable!(),
                }
            });
            assert!(poll_noop(sel.as_mut()).is_pending());
            let mut plain = pin!(rx.recv());
            assert!(poll_noop(plain.as_mut()).is_pending());
            let (_c, w) = counting_waker();
            assert!(poll_with(sel.as_mut(), &w).is_pending());
            tx.try_send(1).unwrap();
            tx.try_send(2).unwrap();
            assert_eq!(poll_noop(plain.as_mut()), Poll::Ready(Ok(2)), "cap {cap:?}");
            assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(1), "cap {cap:?}");
        }
    });
}
