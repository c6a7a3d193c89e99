#![cfg(not(loom))]
//! Rule 2 (Unbuffered, `bounded(0)`): a send completes only when a receiver takes the
//! value; `try_send` gives `Full` without a receiver; `try_recv` succeeds only when a
//! sender waits; a send that finds a receiver waiting hands its value straight over and
//! completes at once; a receive that finds a sender waiting takes its value and
//! completes it.

mod common;

use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::*;
use gochan::{bounded, TryRecvError, TrySendError};

#[test]
fn capacity_zero_shape() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u8>(0);
        assert_eq!(tx.capacity(), Some(0));
        assert_eq!(rx.capacity(), Some(0));
        assert!(tx.is_full());
        assert!(rx.is_full());
        assert!(tx.is_empty());
        assert!(rx.is_empty());
        assert_eq!(tx.len(), 0);
        assert_eq!(rx.len(), 0);
    });
}

#[test]
fn send_pending_without_receiver() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(1));
        for _ in 0..5 {
            assert!(poll_noop(s.as_mut()).is_pending());
        }
        // A waiting sender does not make the channel hold a value in its buffer.
        assert!(rx.is_full());
        // Nobody received: the sender is still pending until try_recv takes its value.
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn try_send_full_without_receiver() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        assert_eq!(tx.try_send(5), Err(TrySendError::Full(5)));
        assert_eq!(tx.try_send(6).unwrap_err().into_inner(), 6);
        // A failed try_send leaves nothing behind.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(rx.len(), 0);
    });
}

#[test]
fn try_recv_only_when_sender_waits() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let mut s = pin!(tx.send(9));
        // Not yet polled: not waiting, so nothing to take.
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(poll_noop(s.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(9));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
    });
}

/// A receive that finds a sender waiting takes its value and completes it: the sender's
/// waker is woken and its next poll is Ready without any further receive.
#[test]
fn recv_completes_waiting_sender() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(3));
        let (sc, sw) = counting_waker();
        assert!(poll_with(s.as_mut(), &sw).is_pending());
        assert_eq!(sc.count(), 0);
        let mut r = pin!(rx.recv());
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(3)));
        assert!(sc.count() >= 1, "the completed sender was not woken");
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
    });
}

/// A send that finds a receiver waiting completes at once (first poll Ready) and the
/// receiver is woken with the value.
#[test]
fn send_to_waiting_receiver_completes_at_once() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut r = pin!(rx.recv());
        let (rc, rw) = counting_waker();
        assert!(poll_with(r.as_mut(), &rw).is_pending());
        let mut s = pin!(tx.send(4));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        assert!(rc.count() >= 1, "receiver not woken");
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(4)));
    });
}

#[test]
fn try_send_to_waiting_receiver_succeeds() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut r = pin!(rx.recv());
        assert!(poll_noop(r.as_mut()).is_pending());
        assert_eq!(tx.try_send(11), Ok(()));
        // The only receiver has its value now: the next try_send has nobody to hand to.
        assert_eq!(tx.try_send(12), Err(TrySendError::Full(12)));
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(11)));
    });
}

/// A blocking send on a thread stays blocked until a receiver arrives.
#[test]
fn blocking_send_waits_for_receiver() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let done = Arc::new(AtomicBool::new(false));
        let d = done.clone();
        let h = std::thread::spawn(move || {
            tx.send_blocking(42).unwrap();
            d.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(50));
        // Whatever the scheduling, the send cannot have completed: nobody received.
        assert!(
            !done.load(Ordering::SeqCst),
            "unbuffered send completed without a receiver"
        );
        assert_eq!(rx.recv_blocking(), Ok(42));
        h.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
    });
}

/// try_recv polled in a loop eventually takes the value of a blocked thread's send:
/// the blocked sender is visible to try_recv.
#[test]
fn try_recv_sees_blocked_thread_sender() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let h = std::thread::spawn(move || tx.send_blocking(5));
        let v = loop {
            match rx.try_recv() {
                Ok(v) => break v,
                Err(TryRecvError::Empty) => std::thread::yield_now(),
                Err(TryRecvError::Closed) => panic!("closed before the send"),
            }
        };
        assert_eq!(v, 5);
        assert_eq!(h.join().unwrap(), Ok(()));
    });
}

/// Rendezvous under load: each send completes only once its value was received, so at
/// any moment the number of completed sends never exceeds the number of receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_sends_never_exceed_receives() {
    with_timeout(SECS, async {
        use std::sync::atomic::AtomicUsize;
        let (tx, rx) = bounded::<u64>(0);
        let sent = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(AtomicUsize::new(0));
        const P: u64 = 3;
        const N: u64 = 500;
        let mut hs = Vec::new();
        for p in 0..P {
            let tx = tx.clone();
            let sent = sent.clone();
            let received = received.clone();
            hs.push(tokio::spawn(async move {
                for i in 0..N {
                    tx.send(p * N + i).await.unwrap();
                    let s = sent.fetch_add(1, Ordering::SeqCst) + 1;
                    // Every completed send's value was taken by the one consumer, which
                    // bumps `received` after recv returns and before it receives again:
                    // at most one taken value is not yet counted.
                    let r = received.load(Ordering::SeqCst);
                    assert!(s <= r + 1, "{s} sends completed but only {r} (+1) received");
                }
            }));
        }
        drop(tx);
        let mut got = Vec::new();
        while let Ok(v) = rx.recv().await {
            got.push(v);
            received.fetch_add(1, Ordering::SeqCst);
        }
        for h in hs {
            h.await.unwrap();
        }
        assert_same_set(got, (0..P * N).collect());
    })
    .await;
}
