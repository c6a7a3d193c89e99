#![cfg(not(loom))]
//! Rule 5 (Drop): dropping the last `Sender` closes the channel; dropping the last
//! `Receiver` closes it for senders (pending and later sends fail with the value back);
//! from then on `is_closed()` is true and `close()` returns false. The counts track
//! clones and drops.

mod common;

use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use common::*;
use gochan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};

const CAPS: [Option<usize>; 5] = [Some(0), Some(1), Some(4), Some(8), None];

#[test]
fn counts_track_clones_and_drops() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u8>(1);
        assert_eq!((tx.sender_count(), tx.receiver_count()), (1, 1));
        let tx2 = tx.clone();
        let tx3 = tx2.clone();
        assert_eq!(rx.sender_count(), 3);
        let rx2 = rx.clone();
        assert_eq!(tx.receiver_count(), 2);
        assert_eq!(rx2.receiver_count(), 2);
        drop(tx3);
        assert_eq!(tx.sender_count(), 2);
        drop(rx2);
        assert_eq!(tx.receiver_count(), 1);
        drop(tx2);
        assert_eq!(rx.sender_count(), 1);
        assert!(!rx.is_closed());
        // Streams and sinks made by value keep their handle's count.
        let s = rx.clone().into_stream();
        assert_eq!(tx.receiver_count(), 2);
        drop(s);
        assert_eq!(tx.receiver_count(), 1);
        let k = tx.clone().into_sink();
        assert_eq!(rx.sender_count(), 2);
        drop(k);
        assert_eq!(rx.sender_count(), 1);
        assert!(!tx.is_closed());
        drop(tx);
        assert_eq!(rx.sender_count(), 0);
        assert!(rx.is_closed());
    });
}

#[test]
fn dropping_last_sender_closes() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let tx2 = tx.clone();
            if cap != Some(0) {
                tx.try_send(1).unwrap();
            }
            drop(tx);
            assert!(!rx.is_closed(), "a sender remains");
            drop(tx2);
            assert!(rx.is_closed());
            if cap != Some(0) {
                assert_eq!(rx.try_recv(), Ok(1));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx.recv_blocking(), Err(RecvError));
        }
    });
}

#[test]
fn dropping_last_sender_wakes_pending_receivers() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let mut r1 = pin!(rx.recv());
            let mut r2 = pin!(rx.recv());
            let (c1, w1) = counting_waker();
            let (c2, w2) = counting_waker();
            assert!(poll_with(r1.as_mut(), &w1).is_pending());
            assert!(poll_with(r2.as_mut(), &w2).is_pending());
            drop(tx);
            assert!(c1.count() >= 1 && c2.count() >= 1, "cap {cap:?}: not woken");
            assert_eq!(poll_noop(r1.as_mut()), Poll::Ready(Err(RecvError)));
            assert_eq!(poll_noop(r2.as_mut()), Poll::Ready(Err(RecvError)));
        }
    });
}

#[test]
fn dropping_last_receiver_fails_pending_and_later_sends() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 3] {
            let (tx, rx) = bounded::<u32>(cap);
            let rx2 = rx.clone();
            for i in 0..cap as u32 {
                tx.try_send(i).unwrap();
            }
            let mut s1 = pin!(tx.send(100));
            let mut s2 = pin!(tx.send(200));
            let (c1, w1) = counting_waker();
            let (c2, w2) = counting_waker();
            assert!(poll_with(s1.as_mut(), &w1).is_pending());
            assert!(poll_with(s2.as_mut(), &w2).is_pending());
            drop(rx);
            assert!(!tx.is_closed(), "one receiver remains");
            assert!(poll_with(s1.as_mut(), &w1).is_pending());
            drop(rx2);
            assert!(
                c1.count() >= 1 && c2.count() >= 1,
                "cap {cap}: pending senders not woken"
            );
            assert_eq!(poll_noop(s1.as_mut()), Poll::Ready(Err(SendError(100))));
            assert_eq!(poll_noop(s2.as_mut()), Poll::Ready(Err(SendError(200))));
            assert!(tx.is_closed());
            assert!(
                !tx.close(),
                "close() after the last receiver dropped must be false"
            );
            assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
            assert_eq!(tx.send_blocking(6), Err(SendError(6)));
            let mut s3 = pin!(tx.send(7));
            assert_eq!(poll_noop(s3.as_mut()), Poll::Ready(Err(SendError(7))));
            assert_eq!(tx.receiver_count(), 0);
        }
    });
}

#[test]
fn dropping_last_receiver_unbounded() {
    thread_timeout(SECS, || {
        let (tx, rx) = unbounded::<u32>();
        tx.try_send(1).unwrap();
        drop(rx);
        assert!(tx.is_closed());
        assert!(!tx.close());
        assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    });
}

/// A thread blocked in send_blocking is released (with its value) when the last
/// receiver goes away: no sender waits forever on a channel nobody can read.
#[test]
fn dropping_last_receiver_releases_blocked_thread() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<String>(0);
        let h = std::thread::spawn(move || tx.send_blocking("leak?".to_string()));
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(rx);
        assert_eq!(h.join().unwrap(), Err(SendError("leak?".to_string())));
    });
}

/// A task blocked in send is released when the last receiver drops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_last_receiver_releases_tasks() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(1);
        tx.send(0).await.unwrap();
        let hs: Vec<_> = (1..=10u32)
            .map(|i| {
                let tx = tx.clone();
                tokio::spawn(async move { tx.send(i).await })
            })
            .collect();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(rx);
        let mut back = Vec::new();
        for h in hs {
            back.push(h.await.unwrap().unwrap_err().0 as u64);
        }
        assert_same_set(back, (1..=10).collect());
    })
    .await;
}

/// No leaks and no double drops: whatever is buffered or held by pending sends when the
/// handles go away is dropped exactly once.
#[test]
fn values_dropped_exactly_once_with_the_channel() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let drops = Arc::new(AtomicUsize::new(0));
            {
                let (tx, rx) = make::<DropCounter>(cap);
                let buffered = match cap {
                    Some(n) => n.min(4),
                    None => 4,
                };
                for i in 0..buffered {
                    tx.try_send(DropCounter::new(i, &drops)).unwrap();
                }
                if cap != Some(0) {
                    let got = rx.try_recv().unwrap();
                    assert_eq!(got.id, 0);
                    drop(got);
                    assert_eq!(drops.load(Ordering::SeqCst), 1);
                }
                drop(rx);
                drop(tx);
            }
            let buffered = match cap {
                Some(n) => n.min(4),
                None => 4,
            };
            assert_eq!(
                drops.load(Ordering::SeqCst),
                buffered,
                "cap {cap:?}: values leaked or dropped twice"
            );
        }
    });
}

/// Values still buffered when only the receiver side is dropped are dropped no later
/// than the channel itself, and never twice, even when senders keep using the channel.
#[test]
fn buffered_values_after_last_receiver_dropped() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(3);
        for i in 0..3 {
            tx.try_send(DropCounter::new(i, &drops)).unwrap();
        }
        drop(rx);
        match tx.try_send(DropCounter::new(9, &drops)) {
            Err(TrySendError::Closed(v)) => {
                assert_eq!(v.id, 9);
                drop(v);
            }
            other => panic!("expected Closed, got {other:?}"),
        }
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
    });
}

/// Values handed to waiting receives that never collect them (their futures were
/// forgotten) belong to nobody who can receive: the last receiver's drop drops them,
/// once each. Two are handed, so both the first hand-off's slot and the list behind it
/// are covered.
#[test]
fn values_handed_to_forgotten_receives_dropped_with_the_last_receiver() {
    thread_timeout(SECS, || {
        for cap in [Some(0), Some(1), Some(8), None] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = make::<DropCounter>(cap);
            for i in 0..2 {
                // Never dropped, so never withdrawn (and, on the stack, not leaked).
                let mut recv = std::mem::ManuallyDrop::new(rx.recv());
                assert!(poll_noop(Pin::new(&mut *recv)).is_pending(), "cap {cap:?}");
                tx.try_send(DropCounter::new(i, &drops)).unwrap(); // handed to it
            }
            assert_eq!(drops.load(Ordering::SeqCst), 0, "cap {cap:?}");
            drop(rx);
            assert_eq!(drops.load(Ordering::SeqCst), 2, "cap {cap:?}");
            drop(tx);
            assert_eq!(drops.load(Ordering::SeqCst), 2, "cap {cap:?}");
        }
    });
}
