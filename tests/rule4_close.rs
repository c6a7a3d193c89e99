#![cfg(not(loom))]
//! Rule 4 (close): `close()` returns false when already closed; after it every send,
//! pending or new, fails and hands its value back; receivers still get every buffered
//! value, then `RecvError`; close wakes every waiter at once.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::*;
use gochan::{bounded, RecvError, SendError, TryRecvError, TrySendError};

const CAPS: [Option<usize>; 5] = [Some(0), Some(1), Some(4), Some(8), None];

#[test]
fn close_returns_true_once() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u8>(cap);
            assert!(!tx.is_closed());
            assert!(!rx.is_closed());
            assert!(tx.close());
            assert!(tx.is_closed());
            assert!(rx.is_closed());
            assert!(!tx.close());
            assert!(!tx.clone().close());
            assert!(!tx.close());
        }
    });
}

#[test]
fn close_from_a_clone_closes_for_all() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u8>(1);
        let tx2 = tx.clone();
        assert!(tx2.close());
        assert!(tx.is_closed());
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn new_sends_fail_with_value_back() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, _rx) = make::<String>(cap);
            tx.close();
            assert_eq!(
                tx.try_send("a".to_string()),
                Err(TrySendError::Closed("a".to_string()))
            );
            assert_eq!(
                tx.send_blocking("b".to_string()),
                Err(SendError("b".to_string()))
            );
            let mut s = pin!(tx.send("c".to_string()));
            assert_eq!(
                poll_noop(s.as_mut()),
                Poll::Ready(Err(SendError("c".to_string())))
            );
        }
    });
}

#[test]
fn pending_sends_fail_with_value_back_and_are_woken() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 3] {
            let (tx, rx) = bounded::<u32>(cap);
            for i in 0..cap as u32 {
                tx.try_send(i).unwrap();
            }
            let mut sends: Vec<_> = (0..5u32).map(|i| Box::pin(tx.send(100 + i))).collect();
            let mut counters = Vec::new();
            for s in sends.iter_mut() {
                let (c, w) = counting_waker();
                assert!(poll_with(s.as_mut(), &w).is_pending());
                counters.push(c);
            }
            assert!(tx.close());
            for (i, c) in counters.iter().enumerate() {
                assert!(
                    c.count() >= 1,
                    "cap {cap}: pending sender {i} not woken by close"
                );
            }
            for (i, s) in sends.iter_mut().enumerate() {
                assert_eq!(
                    poll_noop(s.as_mut()),
                    Poll::Ready(Err(SendError(100 + i as u32))),
                    "cap {cap}"
                );
            }
            // Buffered values survive the close; the failed sends' values are not there.
            for i in 0..cap as u32 {
                assert_eq!(rx.try_recv(), Ok(i));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        }
    });
}

#[test]
fn receivers_drain_buffer_then_error() {
    thread_timeout(SECS, || {
        for cap in [Some(5), None] {
            let (tx, rx) = make::<u32>(cap);
            for i in 0..5 {
                tx.try_send(i).unwrap();
            }
            tx.close();
            assert_eq!(rx.len(), 5);
            assert_eq!(rx.try_recv(), Ok(0));
            let mut r = pin!(rx.recv());
            assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(1)));
            assert_eq!(rx.recv_blocking(), Ok(2));
            assert_eq!(rx.try_recv(), Ok(3));
            assert_eq!(rx.try_recv(), Ok(4));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx.recv_blocking(), Err(RecvError));
            let mut r = pin!(rx.recv());
            assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Err(RecvError)));
            // Still closed and drained, for good.
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        }
    });
}

#[test]
fn close_wakes_every_pending_receiver() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let mut recvs: Vec<_> = (0..8).map(|_| Box::pin(rx.recv())).collect();
            let mut counters = Vec::new();
            for r in recvs.iter_mut() {
                let (c, w) = counting_waker();
                assert!(poll_with(r.as_mut(), &w).is_pending());
                counters.push(c);
            }
            assert!(tx.close());
            for (i, c) in counters.iter().enumerate() {
                assert!(
                    c.count() >= 1,
                    "cap {cap:?}: receiver {i} not woken by close"
                );
            }
            for r in recvs.iter_mut() {
                assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Err(RecvError)));
            }
        }
    });
}

/// Close is a broadcast under real concurrency: many tasks blocked in recv and many
/// blocked in send all finish when the channel closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_releases_many_tasks() {
    with_timeout(SECS, async {
        for cap in [0usize, 2] {
            // Receivers on one channel...
            let (tx, rx) = bounded::<u32>(cap);
            let mut hs = Vec::new();
            for _ in 0..50 {
                let rx = rx.clone();
                hs.push(tokio::spawn(async move { rx.recv().await }));
            }
            // ...and senders on another, filled to capacity.
            let (tx2, rx2) = bounded::<u32>(cap);
            for i in 0..cap as u32 {
                tx2.try_send(i).unwrap();
            }
            let mut ss = Vec::new();
            for i in 0..50u32 {
                let tx2 = tx2.clone();
                ss.push(tokio::spawn(async move { tx2.send(1000 + i).await }));
            }
            // Let them all block (no correctness depends on this: a task that has not
            // started yet sees the closed channel and fails the same way).
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            assert!(tx.close());
            assert!(tx2.close());
            for h in hs {
                assert_eq!(h.await.unwrap(), Err(RecvError));
            }
            let mut back = Vec::new();
            for s in ss {
                back.push(s.await.unwrap().unwrap_err().0 as u64);
            }
            assert_same_set(back, (1000..1050).collect());
            for i in 0..cap as u32 {
                assert_eq!(rx2.try_recv(), Ok(i));
            }
            assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
        }
    })
    .await;
}

/// Blocking waiters on threads are released by close too.
#[test]
fn close_releases_blocked_threads() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let recvs: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || rx.recv_blocking())
            })
            .collect();
        let (tx2, _rx2) = bounded::<u32>(0);
        let sends: Vec<_> = (0..4u32)
            .map(|i| {
                let tx2 = tx2.clone();
                std::thread::spawn(move || tx2.send_blocking(i))
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        tx.close();
        tx2.close();
        for h in recvs {
            assert_eq!(h.join().unwrap(), Err(RecvError));
        }
        let mut back: Vec<u64> = sends
            .into_iter()
            .map(|h| h.join().unwrap().unwrap_err().0 as u64)
            .collect();
        back.sort();
        assert_eq!(back, vec![0, 1, 2, 3]);
    });
}

/// Values sent before a concurrent close are all received; those whose send failed
/// come back to their sender; nothing is lost or duplicated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_races_with_senders_exactly_once() {
    with_timeout(SECS, async {
        for cap in CAPS {
            let (tx, rx) = make::<u64>(cap);
            const P: u64 = 4;
            const N: u64 = 300;
            let mut hs = Vec::new();
            for p in 0..P {
                let tx = tx.clone();
                hs.push(tokio::spawn(async move {
                    let mut ok = Vec::new();
                    let mut back = Vec::new();
                    for i in 0..N {
                        match tx.send(p * N + i).await {
                            Ok(()) => ok.push(p * N + i),
                            Err(SendError(v)) => back.push(v),
                        }
                    }
                    (ok, back)
                }));
            }
            let consumer = {
                let rx = rx.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                        if got.len() == 200 {
                            assert!(tx.close());
                        }
                    }
                    got
                })
            };
            let got = consumer.await.unwrap();
            let mut ok = Vec::new();
            let mut back = Vec::new();
            for h in hs {
                let (o, b) = h.await.unwrap();
                ok.extend(o);
                back.extend(b);
            }
            assert!(got.len() >= 200);
            assert_same_set(got, ok.clone());
            let mut all = ok;
            all.extend(back);
            assert_same_set(all, (0..P * N).collect());
        }
    })
    .await;
}

/// A receive that was handed a value before the close still returns that value: close
/// fails sends, it does not take values back from receivers.
#[test]
fn handed_value_survives_close() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let mut r = Box::pin(rx.recv());
            assert!(poll_noop(r.as_mut()).is_pending());
            tx.try_send(5).unwrap();
            assert!(tx.close());
            assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(5)), "cap {cap:?}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        }
    });
}
