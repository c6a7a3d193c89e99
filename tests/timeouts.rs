#![cfg(not(loom))]
//! The calls thread users reach for by habit (crossbeam's, flume's and std's names):
//! `recv_timeout`/`recv_deadline`, `send_timeout`/`send_deadline`,
//! `Select::wait_timeout`/`wait_deadline`, the blocking iterators, and
//! `Sender::closed`. A timeout that fires as a value changes hands must never lose it
//! nor deliver it twice: the races below count every value.

mod common;

use std::collections::HashSet;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use gochan::{bounded, unbounded, RecvTimeoutError, Select, SendTimeoutError, TryRecvError};

const MS: Duration = Duration::from_millis(1);
const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(64), None];

// ---------------------------------------------------------------- receive

#[test]
fn recv_timeout_times_out_on_an_empty_channel() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let start = Instant::now();
            assert_eq!(rx.recv_timeout(5 * MS), Err(RecvTimeoutError::Timeout));
            assert!(start.elapsed() >= 5 * MS, "returned before the timeout");
            // The timed-out receive left nothing queued: a later value is still there.
            if cap != Some(0) {
                tx.try_send(1).unwrap();
                assert_eq!(rx.try_recv(), Ok(1));
            } else {
                assert_eq!(tx.try_send(1), Err(gochan::TrySendError::Full(1)));
            }
        }
    });
}

#[test]
fn recv_deadline_in_the_past_still_takes_a_ready_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded(1);
        tx.try_send(9).unwrap();
        let past = Instant::now() - Duration::from_millis(10);
        assert_eq!(rx.recv_deadline(past), Ok(9));
        assert_eq!(rx.recv_deadline(past), Err(RecvTimeoutError::Timeout));
    });
}

#[test]
fn recv_timeout_reports_closed_after_draining() {
    thread_timeout(SECS, || {
        for cap in [Some(1), Some(64), None] {
            let (tx, rx) = make(cap);
            tx.try_send(1).unwrap();
            tx.close();
            assert_eq!(rx.recv_timeout(MS), Ok(1));
            assert_eq!(rx.recv_timeout(MS), Err(RecvTimeoutError::Closed));
        }
    });
}

#[test]
fn recv_timeout_wakes_on_close_while_waiting() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let closer = thread::spawn(move || {
                thread::sleep(10 * MS);
                drop(tx);
            });
            let start = Instant::now();
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(10)),
                Err(RecvTimeoutError::Closed)
            );
            assert!(start.elapsed() < Duration::from_secs(10));
            closer.join().unwrap();
        }
    });
}

#[test]
fn recv_timeout_gets_a_value_sent_while_it_waits() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let sender = thread::spawn(move || {
                thread::sleep(5 * MS);
                tx.send_blocking(77)
            });
            assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(77));
            assert_eq!(sender.join().unwrap(), Ok(()));
        }
    });
}

#[test]
fn a_timeout_too_large_for_the_clock_waits_forever() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded(0);
        let sender = thread::spawn(move || {
            thread::sleep(5 * MS);
            tx.send_timeout(3, Duration::MAX)
        });
        assert_eq!(rx.recv_timeout(Duration::MAX), Ok(3));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

// ---------------------------------------------------------------- send

#[test]
fn send_timeout_hands_the_value_back_when_full() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 64] {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = bounded(cap);
            for i in 0..cap {
                tx.try_send(DropCounter::new(i, &drops)).unwrap();
            }
            let start = Instant::now();
            match tx.send_timeout(DropCounter::new(1000, &drops), 5 * MS) {
                Err(SendTimeoutError::Timeout(v)) => assert_eq!(v.id, 1000),
                other => panic!("cap {cap}: expected a timeout, got {:?}", other.map(|_| ())),
            }
            assert!(start.elapsed() >= 5 * MS);
            // The value came back and was dropped here, once; nothing else moved.
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(rx.len(), cap);
            let ids: Vec<_> = rx.try_iter().map(|v| v.id).collect();
            assert_eq!(ids, (0..cap).collect::<Vec<_>>());
        }
    });
}

#[test]
fn send_timeout_on_a_closed_channel_hands_the_value_back() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            drop(rx);
            assert_eq!(tx.send_timeout(5, MS), Err(SendTimeoutError::Closed(5)));
        }
    });
}

#[test]
fn send_timeout_fails_with_closed_when_closed_while_waiting() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1] {
            let (tx, rx) = bounded(cap);
            for i in 0..cap {
                tx.try_send(i).unwrap();
            }
            let closer = thread::spawn(move || {
                thread::sleep(10 * MS);
                drop(rx);
            });
            assert_eq!(
                tx.send_timeout(99, Duration::from_secs(10)),
                Err(SendTimeoutError::Closed(99))
            );
            closer.join().unwrap();
        }
    });
}

#[test]
fn send_deadline_meets_a_receiver_that_arrives_in_time() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1] {
            let (tx, rx) = bounded(cap);
            for i in 0..cap {
                tx.try_send(i).unwrap();
            }
            let receiver = thread::spawn(move || {
                thread::sleep(5 * MS);
                (0..=cap)
                    .map(|_| rx.recv_blocking().unwrap())
                    .collect::<Vec<_>>()
            });
            let deadline = Instant::now() + Duration::from_secs(10);
            assert_eq!(tx.send_deadline(cap, deadline), Ok(()));
            assert_eq!(receiver.join().unwrap(), (0..=cap).collect::<Vec<_>>());
        }
    });
}

// ---------------------------------------------------------------- the races

/// Keeps the core busy for up to `max_us` microseconds, so that a peer's timeout of the
/// same order fires around the moment this side arrives.
fn dawdle(rng: &mut Rng, max_us: u64) {
    let until = Instant::now() + Duration::from_micros(rng.below(max_us));
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

/// What each side saw: the ids whose send returned `Ok`, the ids handed back by a
/// timeout, and the ids received.
#[derive(Default)]
struct Books {
    sent: Vec<u64>,
    returned: Vec<u64>,
    received: Vec<u64>,
}

/// Every id sent once: `Ok` sends are received exactly once (or are still buffered),
/// timed-out sends are never received.
fn audit(cap: Option<usize>, books: &Books, leftover: Vec<u64>) {
    let mut received = books.received.clone();
    received.extend(leftover);
    let got: HashSet<u64> = received.iter().copied().collect();
    assert_eq!(
        got.len(),
        received.len(),
        "cap {cap:?}: a value was received twice"
    );
    let sent: HashSet<u64> = books.sent.iter().copied().collect();
    assert_eq!(
        got, sent,
        "cap {cap:?}: received values differ from sent ones"
    );
    for id in &books.returned {
        assert!(
            !got.contains(id),
            "cap {cap:?}: {id} was handed back and received"
        );
    }
}

/// Senders and receivers with timeouts around the time a hand-off takes, so that
/// timeouts fire while values change hands, on plain threads beside tokio tasks using
/// the async calls on the same channel.
fn race_timeouts(cap: Option<usize>) -> (Books, usize) {
    const SENDERS: u64 = 2;
    const PER_SENDER: u64 = 3_000;
    let (tx, rx) = make::<u64>(cap);
    let books = Arc::new(Mutex::new(Books::default()));
    let timeouts = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for s in 0..SENDERS {
        let (tx, books, timeouts) = (tx.clone(), books.clone(), timeouts.clone());
        handles.push(thread::spawn(move || {
            let mut rng = Rng::new(s + 1);
            for i in 0..PER_SENDER {
                dawdle(&mut rng, 20);
                let id = s * PER_SENDER + i;
                let timeout = Duration::from_micros(rng.below(40));
                match tx.send_timeout(id, timeout) {
                    Ok(()) => books.lock().unwrap().sent.push(id),
                    Err(SendTimeoutError::Timeout(back)) => {
                        assert_eq!(back, id);
                        timeouts.fetch_add(1, Ordering::Relaxed);
                        books.lock().unwrap().returned.push(id);
                    }
                    Err(SendTimeoutError::Closed(_)) => unreachable!("nobody closes"),
                }
            }
        }));
    }
    // An async sender on tokio beside the threads.
    let async_sender = {
        let (tx, books) = (tx.clone(), books.clone());
        thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                for i in 0..PER_SENDER {
                    let id = SENDERS * PER_SENDER + i;
                    tx.send(id).await.unwrap();
                    books.lock().unwrap().sent.push(id);
                }
            });
        })
    };
    drop(tx);
    let mut receivers = Vec::new();
    for r in 0..2u64 {
        let (rx, books, timeouts) = (rx.clone(), books.clone(), timeouts.clone());
        receivers.push(thread::spawn(move || {
            let mut rng = Rng::new(100 + r);
            loop {
                dawdle(&mut rng, 30);
                let timeout = Duration::from_micros(rng.below(40));
                match rx.recv_timeout(timeout) {
                    Ok(id) => books.lock().unwrap().received.push(id),
                    Err(RecvTimeoutError::Timeout) => {
                        timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(RecvTimeoutError::Closed) => return,
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    async_sender.join().unwrap();
    for h in receivers {
        h.join().unwrap();
    }
    let leftover: Vec<u64> = rx.try_iter().collect();
    assert!(
        leftover.is_empty(),
        "receivers stop only once closed and drained"
    );
    let books = Arc::try_unwrap(books).ok().unwrap().into_inner().unwrap();
    audit(cap, &books, leftover);
    (books, timeouts.load(Ordering::Relaxed))
}

#[test]
fn timeouts_racing_hand_offs_lose_and_duplicate_nothing() {
    thread_timeout(60, || {
        for cap in CAPS {
            let (books, timeouts) = race_timeouts(cap);
            assert_eq!(books.sent.len() + books.returned.len(), 9_000);
            // Not asserted (it depends on the machine), but the race is only a race
            // if some timeouts fired.
            eprintln!(
                "cap {cap:?}: {} sent, {} handed back, {timeouts} timeouts",
                books.sent.len(),
                books.returned.len()
            );
        }
    });
}

/// A rendezvous where every send and receive has a timeout right at the hand-off:
/// `Ok` on one side must mean `Ok` on the other.
#[test]
fn rendezvous_timeouts_agree_on_both_sides() {
    thread_timeout(60, || {
        let (tx, rx) = bounded::<u64>(0);
        let receiver = thread::spawn(move || {
            let mut rng = Rng::new(7);
            let mut got = Vec::new();
            loop {
                dawdle(&mut rng, 30);
                match rx.recv_timeout(Duration::from_micros(rng.below(30))) {
                    Ok(id) => got.push(id),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Closed) => return got,
                }
            }
        });
        let mut rng = Rng::new(8);
        let mut sent = Vec::new();
        for id in 0..5_000 {
            dawdle(&mut rng, 30);
            if tx
                .send_timeout(id, Duration::from_micros(rng.below(30)))
                .is_ok()
            {
                sent.push(id);
            }
        }
        drop(tx);
        assert_eq!(receiver.join().unwrap(), sent);
    });
}

// ---------------------------------------------------------------- select

#[test]
fn select_wait_timeout_times_out_and_drops_unchosen_send_values() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, _rx_keep) = bounded(0);
        let (_tx_keep, rx) = bounded::<u32>(0);
        let start = Instant::now();
        let got = Select::new()
            .send(&tx, DropCounter::new(1, &drops), |res| res.is_ok())
            .recv(&rx, |_| false)
            .wait_timeout(5 * MS);
        assert_eq!(got, None);
        assert!(start.elapsed() >= 5 * MS);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        // Nothing of the select is left in either queue.
        assert!(matches!(
            tx.try_send(DropCounter::new(2, &drops)),
            Err(gochan::TrySendError::Full(_))
        ));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn select_wait_deadline_completes_a_case_in_time() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded(0);
        let (_tx2, rx2) = bounded::<u32>(0);
        let sender = thread::spawn(move || {
            thread::sleep(5 * MS);
            tx.send_blocking(11)
        });
        let got = Select::new()
            .recv(&rx, |msg| msg.unwrap())
            .recv(&rx2, |_| 0)
            .wait_deadline(Instant::now() + Duration::from_secs(10));
        assert_eq!(got, Some(11));
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

#[test]
fn select_wait_timeout_with_default_never_waits() {
    thread_timeout(SECS, || {
        let (_tx, rx) = bounded::<u32>(0);
        let got = Select::new()
            .recv(&rx, |_| 1)
            .default(|| 2)
            .wait_timeout(Duration::from_secs(10));
        assert_eq!(got, Some(2));
    });
}

/// A select with a send case and a receive case, each on its own rendezvous channel,
/// timing out around the moment the peers arrive: `Some` names the one case that took
/// effect, `None` means neither did.
#[test]
fn select_timeouts_racing_peers_take_effect_exactly_once() {
    thread_timeout(60, || {
        const ROUNDS: u64 = 3_000;
        let (out_tx, out_rx) = bounded::<u64>(0);
        let (in_tx, in_rx) = bounded::<u64>(0);
        let taker = thread::spawn(move || {
            let mut rng = Rng::new(21);
            let mut got = Vec::new();
            loop {
                dawdle(&mut rng, 30);
                match out_rx.recv_timeout(Duration::from_micros(rng.below(30))) {
                    Ok(id) => got.push(id),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Closed) => return got,
                }
            }
        });
        let giver = thread::spawn(move || {
            let mut rng = Rng::new(22);
            let mut given = Vec::new();
            for id in 0..ROUNDS {
                dawdle(&mut rng, 30);
                let id = 1_000_000 + id;
                if in_tx
                    .send_timeout(id, Duration::from_micros(rng.below(30)))
                    .is_ok()
                {
                    given.push(id);
                }
            }
            given
        });
        let mut rng = Rng::new(23);
        let (mut sent, mut received, mut timeouts) = (Vec::new(), Vec::new(), 0);
        for id in 0..ROUNDS {
            #[derive(Debug)]
            enum Won {
                Sent(u64),
                Received(Option<u64>),
            }
            let got = Select::new()
                .send(&out_tx, id, move |res| {
                    res.unwrap();
                    Won::Sent(id)
                })
                .recv(&in_rx, |msg| Won::Received(msg.ok()))
                .wait_timeout(Duration::from_micros(rng.below(30)));
            match got {
                Some(Won::Sent(id)) => sent.push(id),
                Some(Won::Received(Some(id))) => received.push(id),
                // The giver finished and its sender is gone.
                Some(Won::Received(None)) => {}
                None => timeouts += 1,
            }
        }
        drop(out_tx);
        let given = giver.join().unwrap();
        // What the giver sent after our last select is still... nowhere: at capacity 0
        // a send completes only with a receiver, so every `Ok` of the giver was ours.
        assert_eq!(received, given);
        assert_eq!(taker.join().unwrap(), sent);
        eprintln!(
            "{} sent, {} received, {timeouts} timed out",
            sent.len(),
            received.len()
        );
    });
}

// ---------------------------------------------------------------- iterators

#[test]
fn iter_ranges_over_values_from_threads_and_tasks_until_closed() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let thread_tx = tx.clone();
            let threads = thread::spawn(move || {
                for i in 0..100 {
                    thread_tx.send_blocking(i).unwrap();
                }
            });
            let task = thread::spawn(move || {
                futures::executor::block_on(async move {
                    for i in 100..200 {
                        tx.send(i).await.unwrap();
                    }
                })
            });
            let mut got: Vec<u32> = rx.iter().collect();
            threads.join().unwrap();
            task.join().unwrap();
            got.sort_unstable();
            assert_eq!(got, (0..200).collect::<Vec<_>>(), "cap {cap:?}");
            // Fused: a closed and drained channel stays so.
            assert_eq!(rx.iter().next(), None);
        }
    });
}

#[test]
fn for_loops_over_a_receiver_and_a_reference() {
    thread_timeout(SECS, || {
        let (tx, rx) = unbounded();
        for i in 0..3 {
            tx.try_send(i).unwrap();
        }
        drop(tx);
        let mut by_ref = Vec::new();
        for v in &rx {
            by_ref.push(v);
            if v == 1 {
                break;
            }
        }
        let rest: Vec<i32> = rx.into_iter().collect();
        assert_eq!((by_ref, rest), (vec![0, 1], vec![2]));
    });
}

#[test]
fn try_iter_takes_what_is_ready_and_never_waits() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded(0);
        assert_eq!(rx.try_iter().next(), None); // nobody waits to send
        let sender = thread::spawn(move || tx.send_blocking(5));
        // At capacity 0 a value is ready only while its sender waits.
        let got = loop {
            if let Some(v) = rx.try_iter().next() {
                break v;
            }
            thread::yield_now();
        };
        assert_eq!(got, 5);
        assert_eq!(sender.join().unwrap(), Ok(()));
        assert_eq!(rx.try_iter().count(), 0);
    });
}

// ---------------------------------------------------------------- Sender::closed

#[test]
fn closed_completes_when_the_last_receiver_leaves() {
    tokio_timeout(SECS, 2, async {
        for cap in CAPS {
            let (tx, rx) = make::<u32>(cap);
            let rx2 = rx.clone();
            let waiter = tokio::spawn(async move {
                tx.closed().await;
                tx.try_send(1)
            });
            tokio::task::yield_now().await;
            drop(rx);
            tokio::time::sleep(Duration::from_millis(5)).await;
            assert!(!waiter.is_finished(), "one receiver is left");
            drop(rx2);
            assert_eq!(waiter.await.unwrap(), Err(gochan::TrySendError::Closed(1)));
        }
    });
}

#[test]
fn closed_completes_on_close_and_wakes_every_waiter_once() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        let (counter_a, waker_a) = counting_waker();
        let (counter_b, waker_b) = counting_waker();
        let (counter_c, waker_c) = counting_waker();
        let mut a = pin!(tx.closed());
        let mut b = pin!(tx.closed());
        assert_eq!(poll_with(a.as_mut(), &waker_a), Poll::Pending);
        assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Pending);
        // A poll with another waker replaces the first: only the newest is woken.
        assert_eq!(poll_with(a.as_mut(), &waker_c), Poll::Pending);
        assert!(tx.close());
        assert_eq!(
            (counter_a.count(), counter_b.count(), counter_c.count()),
            (0, 1, 1)
        );
        assert_eq!(poll_with(a.as_mut(), &waker_a), Poll::Ready(()));
        assert_eq!(poll_with(b.as_mut(), &waker_b), Poll::Ready(()));
        // Complete for good.
        assert_eq!(poll_with(a.as_mut(), &waker_a), Poll::Ready(()));
        drop(rx);
    });
}

#[test]
fn a_dropped_closed_future_is_not_woken() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (counter, waker) = counting_waker();
        {
            let mut fut = pin!(tx.closed());
            assert_eq!(poll_with(fut.as_mut(), &waker), Poll::Pending);
        }
        drop(rx);
        assert_eq!(counter.count(), 0);
        assert!(tx.is_closed());
        assert_eq!(poll_noop(pin!(tx.closed())), Poll::Ready(()));
    });
}

#[test]
fn closed_in_a_select_stops_a_producer() {
    tokio_timeout(SECS, 2, async {
        let (tx, rx) = bounded::<u32>(1);
        let producer = tokio::spawn(async move {
            let mut sent = 0;
            loop {
                gochan::select! {
                    send(&tx, sent) -> res => {
                        if res.is_err() {
                            return sent;
                        }
                        sent += 1;
                    }
                    future(tx.closed()) -> _closed => return sent,
                }
            }
        });
        for expect in 0..10 {
            assert_eq!(rx.recv().await, Ok(expect));
        }
        drop(rx);
        let sent = producer.await.unwrap();
        // Ten were received; at most one more sat in the buffer when rx left.
        assert!((10..=11).contains(&sent), "sent {sent}");
    });
}
