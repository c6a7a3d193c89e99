#![cfg(not(loom))]
//! Rule 3 (Buffered, `bounded(n)`): up to n values wait in the buffer; the next send
//! waits; when a receive frees a slot and senders wait, the first waiting sender's value
//! moves into the buffer and that sender completes (Go's `recv`).

mod common;

use std::pin::pin;
use std::task::Poll;

use common::*;
use gochan::{bounded, unbounded, TryRecvError, TrySendError};

#[test]
fn up_to_n_values_buffer_then_full() {
    thread_timeout(SECS, || {
        for n in [1usize, 2, 5, 32] {
            let (tx, rx) = bounded::<usize>(n);
            assert_eq!(tx.capacity(), Some(n));
            for i in 0..n {
                assert!(!tx.is_full(), "cap {n}: full after {i}");
                assert_eq!(tx.len(), i);
                tx.try_send(i).unwrap();
            }
            assert!(tx.is_full());
            assert!(rx.is_full());
            assert_eq!(rx.len(), n);
            assert!(!rx.is_empty());
            assert_eq!(tx.try_send(99), Err(TrySendError::Full(99)));
            let mut s = pin!(tx.send(100));
            assert!(
                poll_noop(s.as_mut()).is_pending(),
                "cap {n}: send past capacity completed"
            );
            assert_eq!(rx.len(), n, "a waiting sender's value is not in the buffer");
            for i in 0..n {
                assert_eq!(rx.try_recv(), Ok(i));
            }
            assert_eq!(rx.try_recv(), Ok(100));
            assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert!(rx.is_empty());
        }
    });
}

/// The freed slot goes to the waiting sender, which is completed by the receive itself:
/// right after try_recv the buffer is full again (len == n), a try_send finds it Full,
/// and the sender's next poll is Ready.
#[test]
fn receive_moves_first_waiting_sender_into_buffer() {
    thread_timeout(SECS, || {
        for n in [1usize, 3] {
            let (tx, rx) = bounded::<u32>(n);
            for i in 0..n as u32 {
                tx.try_send(i).unwrap();
            }
            let mut s1 = pin!(tx.send(1000));
            let mut s2 = pin!(tx.send(2000));
            let (c1, w1) = counting_waker();
            let (c2, w2) = counting_waker();
            assert!(poll_with(s1.as_mut(), &w1).is_pending());
            assert!(poll_with(s2.as_mut(), &w2).is_pending());

            assert_eq!(rx.try_recv(), Ok(0));
            assert_eq!(
                rx.len(),
                n,
                "cap {n}: waiting sender's value did not move into the buffer"
            );
            assert!(c1.count() >= 1, "first waiting sender not woken");
            assert_eq!(c2.count(), 0, "second waiting sender woken without cause");
            // The slot is taken by s1's value, not left for a newcomer.
            assert_eq!(tx.try_send(7), Err(TrySendError::Full(7)));
            assert_eq!(poll_noop(s1.as_mut()), Poll::Ready(Ok(())));
            assert!(poll_with(s2.as_mut(), &w2).is_pending());

            let mut rest = Vec::new();
            while let Ok(v) = rx.try_recv() {
                rest.push(v);
            }
            let mut expected: Vec<u32> = (1..n as u32).collect();
            expected.extend([1000, 2000]);
            assert_eq!(rest, expected, "cap {n}");
            assert_eq!(poll_noop(s2.as_mut()), Poll::Ready(Ok(())));
        }
    });
}

/// The same with a recv future as the receive.
#[test]
fn recv_future_moves_waiting_sender_into_buffer() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(2);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        let mut s = pin!(tx.send(3));
        assert!(poll_noop(s.as_mut()).is_pending());
        let mut r = pin!(rx.recv());
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(1)));
        assert_eq!(rx.len(), 2);
        assert!(tx.is_full());
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Ok(3));
    });
}

/// A blocked thread's sender is completed by the receive that freed its slot.
#[test]
fn blocking_sender_completed_by_receive() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let h = std::thread::spawn(move || tx.send_blocking(2));
        // Whether or not the thread has blocked yet, both values arrive in order and
        // the sender returns Ok.
        assert_eq!(rx.recv_blocking(), Ok(1));
        assert_eq!(rx.recv_blocking(), Ok(2));
        assert_eq!(h.join().unwrap(), Ok(()));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn unbounded_never_full() {
    thread_timeout(SECS, || {
        let (tx, rx) = unbounded::<u32>();
        assert_eq!(tx.capacity(), None);
        for i in 0..10_000 {
            tx.try_send(i).unwrap();
            assert!(!tx.is_full());
        }
        assert_eq!(rx.len(), 10_000);
        let mut s = pin!(tx.send(10_000));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        for i in 0..=10_000 {
            assert_eq!(rx.try_recv(), Ok(i));
        }
        assert!(rx.is_empty());
    });
}

/// Concurrent producers and consumers over a small buffer: every value exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffered_mpmc_exactly_once() {
    with_timeout(SECS, async {
        for cap in [1usize, 2, 7] {
            let (tx, rx) = bounded::<u64>(cap);
            const P: u64 = 4;
            const C: usize = 3;
            const N: u64 = 500;
            let mut producers = Vec::new();
            for p in 0..P {
                let tx = tx.clone();
                producers.push(tokio::spawn(async move {
                    for i in 0..N {
                        tx.send(p * N + i).await.unwrap();
                        assert!(tx.len() <= cap, "len {} > capacity {cap}", tx.len());
                    }
                }));
            }
            drop(tx);
            let mut consumers = Vec::new();
            for _ in 0..C {
                let rx = rx.clone();
                consumers.push(tokio::spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                }));
            }
            drop(rx);
            for p in producers {
                p.await.unwrap();
            }
            let mut all = Vec::new();
            for c in consumers {
                all.extend(c.await.unwrap());
            }
            assert_same_set(all, (0..P * N).collect());
        }
    })
    .await;
}

/// Threads that mix the lock-free operations of a ring buffer (`try_send`, `try_recv`)
/// with ones that wait (`send_blocking`, `recv_blocking`), so the ring's gate closes and
/// opens under real concurrency: every value is received exactly once.
#[test]
fn fast_and_waiting_operations_on_a_ring_lose_and_duplicate_nothing() {
    thread_timeout(SECS, || {
        const PRODUCERS: u64 = 4;
        const PER: u64 = 20_000;
        for cap in [8usize, 64] {
            let (tx, rx) = bounded::<u64>(cap);
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let tx = tx.clone();
                    std::thread::spawn(move || {
                        for i in 0..PER {
                            let v = p * PER + i;
                            if i % 3 == 0 {
                                tx.send_blocking(v).unwrap();
                            } else {
                                let mut v = v;
                                loop {
                                    match tx.try_send(v) {
                                        Ok(()) => break,
                                        Err(TrySendError::Full(back)) => {
                                            v = back;
                                            std::thread::yield_now();
                                        }
                                        Err(e) => panic!("{e:?}"),
                                    }
                                }
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            let consumers: Vec<_> = (0..4)
                .map(|c| {
                    let rx = rx.clone();
                    std::thread::spawn(move || {
                        let mut got = Vec::new();
                        loop {
                            if c % 2 == 0 {
                                match rx.recv_blocking() {
                                    Ok(v) => got.push(v),
                                    Err(_) => return got,
                                }
                            } else {
                                match rx.try_recv() {
                                    Ok(v) => got.push(v),
                                    Err(TryRecvError::Empty) => std::thread::yield_now(),
                                    Err(TryRecvError::Closed) => return got,
                                }
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            for p in producers {
                p.join().unwrap();
            }
            let mut all: Vec<u64> = consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect();
            all.sort_unstable();
            let expected: Vec<u64> = (0..PRODUCERS * PER).collect();
            assert_eq!(all.len(), expected.len(), "cap {cap}: count");
            assert!(all == expected, "cap {cap}: every value exactly once");
        }
    });
}
