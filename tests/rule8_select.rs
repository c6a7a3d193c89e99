#![cfg(not(loom))]
//! Rule 8 (select): cases tried in a fresh uniformly random order; exactly one case
//! takes effect; unchosen send values are dropped; a select never pairs with itself;
//! `default` never waits; closed channels make cases ready; nil cases never fire; an
//! all-nil select without default never completes; bodies run in the caller's context.

mod common;

use std::future::IntoFuture;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::*;
use gochan::{
    bounded, select, unbounded, Receiver, RecvError, Select, SelectLoop, SendError, Sender,
    TryRecvError, TrySendError,
};

// ---------------------------------------------------------------- fairness

/// Probability budget for one uniformity check. Each test below makes at most 3 checks,
/// so its false-failure probability is below 3e-7 < 1e-6.
const DELTA: f64 = 1e-7;

/// Assert that `counts` (a sample of `n` = sum draws from k equally likely outcomes)
/// is uniform. Hoeffding's inequality bounds each count X ~ Binomial(n, 1/k):
/// P(|X - n/k| >= t) <= 2 exp(-2 t^2 / n). A union bound over the k counts gives
/// P(any count outside n/k ± t) <= 2k exp(-2 t^2 / n), which equals DELTA for
/// t = sqrt(n/2 · ln(2k/DELTA)). A select that prefers one case (for example the
/// first, or the first ready one after a random start) is far outside these bounds.
fn assert_uniform(counts: &[usize], what: &str) {
    let n: usize = counts.iter().sum();
    let k = counts.len() as f64;
    let mean = n as f64 / k;
    let t = ((n as f64) / 2.0 * (2.0 * k / DELTA).ln()).sqrt();
    for (i, &c) in counts.iter().enumerate() {
        assert!(
            (c as f64 - mean).abs() < t,
            "{what}: case {i} chosen {c} times of {n}; expected {mean:.0} ± {t:.0}: counts {counts:?}"
        );
    }
}

const TRIALS: usize = 20_000;

fn filled(k: usize) -> Vec<(Sender<usize>, Receiver<usize>)> {
    (0..k)
        .map(|i| {
            let (tx, rx) = unbounded();
            for _ in 0..TRIALS {
                tx.try_send(i).unwrap();
            }
            (tx, rx)
        })
        .collect()
}

/// Go's TestSelectFairness, with the `select!` macro: 2 always-ready cases.
#[test]
fn fairness_macro_2() {
    block_on_timeout(SECS, async {
        let ch = filled(2);
        let mut counts = [0usize; 2];
        for _ in 0..TRIALS {
            let i = select! {
                recv(&ch[0].1) -> m => m.unwrap(),
                recv(&ch[1].1) -> m => m.unwrap(),
            };
            counts[i] += 1;
        }
        assert_uniform(&counts, "select! with 2 ready cases");
    });
}

#[test]
fn fairness_macro_3() {
    block_on_timeout(SECS, async {
        let ch = filled(3);
        let mut counts = [0usize; 3];
        for _ in 0..TRIALS {
            let i = select! {
                recv(&ch[0].1) -> m => m.unwrap(),
                recv(&ch[1].1) -> m => m.unwrap(),
                recv(&ch[2].1) -> m => m.unwrap(),
            };
            counts[i] += 1;
        }
        assert_uniform(&counts, "select! with 3 ready cases");
    });
}

#[test]
fn fairness_macro_8() {
    block_on_timeout(SECS, async {
        let ch = filled(8);
        let mut counts = [0usize; 8];
        for _ in 0..TRIALS {
            let i = select! {
                recv(&ch[0].1) -> m => m.unwrap(),
                recv(&ch[1].1) -> m => m.unwrap(),
                recv(&ch[2].1) -> m => m.unwrap(),
                recv(&ch[3].1) -> m => m.unwrap(),
                recv(&ch[4].1) -> m => m.unwrap(),
                recv(&ch[5].1) -> m => m.unwrap(),
                recv(&ch[6].1) -> m => m.unwrap(),
                recv(&ch[7].1) -> m => m.unwrap(),
            };
            counts[i] += 1;
        }
        assert_uniform(&counts, "select! with 8 ready cases");
    });
}

/// The dynamic Select, blocking (`wait`) and awaited, with 2, 3 and 8 ready cases.
#[test]
fn fairness_dynamic() {
    thread_timeout(SECS, || {
        for k in [2usize, 3, 8] {
            let ch = filled(k);
            let mut counts = vec![0usize; k];
            for t in 0..TRIALS {
                let mut sel = Select::new();
                for (_, rx) in &ch {
                    sel = sel.recv(rx, |m: Result<usize, RecvError>| m.unwrap());
                }
                let i = if t % 2 == 0 {
                    sel.wait()
                } else {
                    futures::executor::block_on(sel.into_future())
                };
                counts[i] += 1;
            }
            assert_uniform(&counts, &format!("Select with {k} ready cases"));
        }
    });
}

/// Uniform among the ready cases when some cases are not ready. A select that scans
/// from a random start and takes the first ready case favours a ready case preceded by
/// many unready ones (here case 6 would win half the time, not a third).
#[test]
fn fairness_among_ready_cases_with_gaps() {
    block_on_timeout(SECS, async {
        let ch = filled(3);
        let empty: Vec<(Sender<usize>, Receiver<usize>)> = (0..5).map(|_| bounded(0)).collect();
        let mut counts = [0usize; 3];
        for _ in 0..TRIALS {
            let i = select! {
                recv(&ch[0].1) -> m => m.unwrap(),
                recv(&empty[0].1) -> _m => unreachable!(),
                recv(&ch[1].1) -> m => m.unwrap(),
                recv(&empty[1].1) -> _m => unreachable!(),
                recv(&empty[2].1) -> _m => unreachable!(),
                recv(&empty[3].1) -> _m => unreachable!(),
                recv(&ch[2].1) -> m => m.unwrap(),
                recv(&empty[4].1) -> _m => unreachable!(),
            };
            counts[i] += 1;
        }
        assert_uniform(&counts, "ready cases among unready ones");
    });
}

/// Send cases, a recv case and a ready future case compete on equal terms.
#[test]
fn fairness_mixed_kinds() {
    block_on_timeout(SECS, async {
        let (tx_a, rx_a) = unbounded::<u8>();
        let (tx_b, rx_b) = unbounded::<u8>();
        let (tx_c, rx_c) = unbounded::<u8>();
        for _ in 0..TRIALS {
            tx_c.try_send(0).unwrap();
        }
        let mut counts = [0usize; 4];
        for _ in 0..TRIALS {
            let i = select! {
                send(&tx_a, 1) -> r => { r.unwrap(); 0 }
                send(&tx_b, 2) -> r => { r.unwrap(); 1 }
                recv(&rx_c) -> m => { m.unwrap(); 2 }
                future(std::future::ready(())) -> _o => 3,
            };
            counts[i] += 1;
        }
        assert_eq!(
            rx_a.len(),
            counts[0],
            "send case a: values sent != times chosen"
        );
        assert_eq!(
            rx_b.len(),
            counts[1],
            "send case b: values sent != times chosen"
        );
        assert_eq!(
            rx_c.len(),
            TRIALS - counts[2],
            "recv case c: values taken != times chosen"
        );
        assert_uniform(&counts, "send, send, recv and future cases");
    });
}

/// Send fairness with the dynamic Select.
#[test]
fn fairness_send_cases_dynamic() {
    thread_timeout(SECS, || {
        let ch: Vec<(Sender<u8>, Receiver<u8>)> = (0..3).map(|_| unbounded()).collect();
        let mut counts = [0usize; 3];
        for _ in 0..TRIALS {
            let mut sel = Select::new();
            for (i, (tx, _)) in ch.iter().enumerate() {
                sel = sel.send(tx, 0u8, move |r| {
                    r.unwrap();
                    i
                });
            }
            counts[sel.wait()] += 1;
        }
        for (i, (_, rx)) in ch.iter().enumerate() {
            assert_eq!(rx.len(), counts[i]);
        }
        assert_uniform(&counts, "Select with 3 ready send cases");
    });
}

/// A select waiting with two send cases on one unbuffered channel (Go's
/// TestPseudoRandomSend shape): when a receiver comes, both cases are ready at once, so
/// each must be equally likely to be the one taken, not always the first one written.
#[test]
fn fairness_when_woken_with_duplicate_channel_cases() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<usize>(0);
        let mut counts = [0usize; 2];
        for _ in 0..TRIALS / 4 {
            let mut fut = Box::pin(async {
                select! {
                    send(&tx, 0) -> r => r.unwrap(),
                    send(&tx, 1) -> r => r.unwrap(),
                }
            });
            assert!(poll_noop(fut.as_mut()).is_pending());
            let v = rx.try_recv().expect("the waiting select offers a value");
            assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(()));
            counts[v] += 1;
        }
        assert_uniform(
            &counts,
            "two send cases on one channel, woken by a receiver",
        );
    });
}

// ---------------------------------------------------------------- exactly one case

/// Exactly one case takes effect: of k ready recv cases, one value is taken.
#[test]
fn exactly_one_recv_case_takes_effect() {
    block_on_timeout(SECS, async {
        let ch: Vec<(Sender<u32>, Receiver<u32>)> = (0..4).map(|_| bounded(1)).collect();
        for _ in 0..2000 {
            for (i, (tx, _)) in ch.iter().enumerate() {
                let _ = tx.try_send(i as u32);
            }
            let before: usize = ch.iter().map(|c| c.1.len()).sum();
            assert_eq!(before, 4);
            let got = select! {
                recv(&ch[0].1) -> m => m.unwrap(),
                recv(&ch[1].1) -> m => m.unwrap(),
                recv(&ch[2].1) -> m => m.unwrap(),
                recv(&ch[3].1) -> m => m.unwrap(),
            };
            let after: usize = ch.iter().map(|c| c.1.len()).sum();
            assert_eq!(after, 3, "more than one case took effect");
            assert_eq!(
                ch[got as usize].1.len(),
                0,
                "the chosen case's channel still full"
            );
        }
    });
}

/// Exactly one send case takes effect and the unchosen values are dropped (once each).
#[test]
fn unchosen_send_values_are_dropped() {
    block_on_timeout(SECS, async {
        let drops = Arc::new(AtomicUsize::new(0));
        let ch: Vec<(Sender<DropCounter>, Receiver<DropCounter>)> =
            (0..3).map(|_| bounded(1)).collect();
        for round in 0..500 {
            let before = drops.load(Ordering::SeqCst);
            let chosen = select! {
                send(&ch[0].0, DropCounter::new(0, &drops)) -> r => { assert!(r.is_ok()); 0 }
                send(&ch[1].0, DropCounter::new(1, &drops)) -> r => { assert!(r.is_ok()); 1 }
                send(&ch[2].0, DropCounter::new(2, &drops)) -> r => { assert!(r.is_ok()); 2 }
            };
            assert_eq!(
                drops.load(Ordering::SeqCst) - before,
                2,
                "round {round}: the two unchosen values were not dropped exactly once each"
            );
            for (i, (_, rx)) in ch.iter().enumerate() {
                if i == chosen {
                    let v = rx.try_recv().expect("chosen send case did not send");
                    assert_eq!(v.id, i);
                } else {
                    assert!(rx.try_recv().is_err(), "unchosen send case sent");
                }
            }
            assert_eq!(drops.load(Ordering::SeqCst) - before, 3);
        }
    });
}

#[test]
fn unchosen_send_values_dropped_dynamic() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(1);
        let (_tx2, rx2) = bounded::<u8>(1);
        // The recv case on an empty channel is not ready: the send case wins.
        let (tx3, _rx3) = bounded::<DropCounter>(0); // never ready
        let r = Select::new()
            .send(&tx, DropCounter::new(1, &drops), |r| r.is_ok())
            .recv(&rx2, |_m| false)
            .send(&tx3, DropCounter::new(2, &drops), |_r| false)
            .wait();
        assert!(r);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "unchosen send value not dropped"
        );
        assert_eq!(rx.try_recv().unwrap().id, 1);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    });
}

/// Go's doubleselect: senders select over sends to several unbuffered channels, one
/// forwarder per channel fans in, and every value arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_select_exactly_once() {
    with_timeout(SECS, async {
        const P: u64 = 3;
        const N: u64 = 1000;
        let chans: Vec<(Sender<u64>, Receiver<u64>)> = (0..4).map(|_| bounded(0)).collect();
        let (out_tx, out_rx) = unbounded::<u64>();
        let mut senders = Vec::new();
        for p in 0..P {
            let txs: Vec<Sender<u64>> = chans.iter().map(|c| c.0.clone()).collect();
            senders.push(tokio::spawn(async move {
                for i in 0..N {
                    let v = p * N + i;
                    select! {
                        send(&txs[0], v) -> r => r.unwrap(),
                        send(&txs[1], v) -> r => r.unwrap(),
                        send(&txs[2], v) -> r => r.unwrap(),
                        send(&txs[3], v) -> r => r.unwrap(),
                    }
                }
            }));
        }
        let mut muxes = Vec::new();
        for (tx, rx) in chans {
            drop(tx);
            let out = out_tx.clone();
            muxes.push(tokio::spawn(async move {
                while let Ok(v) = rx.recv().await {
                    out.send(v).await.unwrap();
                }
            }));
        }
        drop(out_tx);
        for s in senders {
            s.await.unwrap();
        }
        for m in muxes {
            m.await.unwrap();
        }
        let mut got = Vec::new();
        while let Ok(v) = out_rx.try_recv() {
            got.push(v);
        }
        assert_same_set(got, (0..P * N).collect());
    })
    .await;
}

/// Fan-in by select: several tasks each select over receives from several channels fed
/// by producers; every value arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_recv_fan_in_exactly_once() {
    with_timeout(SECS, async {
        for cap in [0usize, 3] {
            const N: u64 = 600;
            let chans: Vec<(Sender<u64>, Receiver<u64>)> = (0..3).map(|_| bounded(cap)).collect();
            let mut producers = Vec::new();
            for (c, (tx, _)) in chans.iter().enumerate() {
                let tx = tx.clone();
                producers.push(tokio::spawn(async move {
                    for i in 0..N {
                        tx.send(c as u64 * N + i).await.unwrap();
                    }
                }));
            }
            let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
            drop(chans);
            let mut consumers = Vec::new();
            for _ in 0..3 {
                let rxs = rxs.clone();
                consumers.push(tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut open = [true; 3];
                    while open.iter().any(|&o| o) {
                        let r0 = if open[0] { Some(&rxs[0]) } else { None };
                        let r1 = if open[1] { Some(&rxs[1]) } else { None };
                        let r2 = if open[2] { Some(&rxs[2]) } else { None };
                        let (i, m) = select! {
                            recv(r0) -> m => (0, m),
                            recv(r1) -> m => (1, m),
                            recv(r2) -> m => (2, m),
                        };
                        match m {
                            Ok(v) => got.push(v),
                            Err(RecvError) => open[i] = false,
                        }
                    }
                    got
                }));
            }
            drop(rxs);
            for p in producers {
                p.await.unwrap();
            }
            let mut all = Vec::new();
            for c in consumers {
                all.extend(c.await.unwrap());
            }
            assert_same_set(all, (0..3 * N).collect());
        }
    })
    .await;
}

/// Tasks that each select over a send and a receive pass values around; every value
/// sent by a chosen send case is received once by a chosen recv case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_send_and_recv_exactly_once() {
    with_timeout(SECS, async {
        const T: u64 = 4;
        const N: u64 = 400;
        let (tx, rx) = bounded::<u64>(0);
        let mut hs = Vec::new();
        for t in 0..T {
            let tx = tx.clone();
            let rx = rx.clone();
            hs.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut got = Vec::new();
                let mut next = 0;
                let timeout = || tokio::time::sleep(Duration::from_millis(200));
                loop {
                    let to_send = if next < N { Some(&tx) } else { None };
                    let v = t * N + next;
                    let stop = select! {
                        send(to_send, v) -> r => { r.unwrap(); sent.push(v); next += 1; false }
                        recv(&rx) -> m => { got.push(m.unwrap()); false }
                        future(timeout()) -> _o => true,
                    };
                    if stop {
                        break;
                    }
                }
                (sent, got)
            }));
        }
        let mut sent = Vec::new();
        let mut got = Vec::new();
        for h in hs {
            let (s, g) = h.await.unwrap();
            sent.extend(s);
            got.extend(g);
        }
        // A sender that could not finish (all others timed out) leaves values unsent;
        // what was sent was received exactly once.
        assert_same_set(got, sent);
    })
    .await;
}

// ---------------------------------------------------------------- self-select

/// A lone select never pairs its own send with its own receive on one unbuffered
/// channel: it stays pending until a real peer comes.
#[test]
fn never_pairs_with_itself() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut fut = Box::pin(async {
            select! {
                send(&tx, 1) -> r => { r.unwrap(); None }
                recv(&rx) -> m => Some(m.unwrap()),
            }
        });
        for _ in 0..10 {
            assert!(
                poll_noop(fut.as_mut()).is_pending(),
                "select paired with itself"
            );
        }
        // A real peer receives the select's value.
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(None));

        let mut fut = Box::pin(
            Select::new()
                .recv(&rx, |m| Some(m.unwrap()))
                .send(&tx, 2, |r| {
                    r.unwrap();
                    None
                })
                .into_future(),
        );
        for _ in 0..10 {
            assert!(
                poll_noop(fut.as_mut()).is_pending(),
                "Select paired with itself"
            );
        }
        // A real peer sends to the select's receive.
        assert_eq!(tx.try_send(3), Ok(()));
        assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(Some(3)));
    });
}

/// Go's TestSelfSelect: two tasks each loop selecting over a send and a receive on the
/// same channel (cases in either order); they make progress and, unbuffered, never
/// receive their own value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_select_two_tasks() {
    with_timeout(SECS, async {
        for cap in [0usize, 10] {
            let (tx, rx) = bounded::<usize>(cap);
            let mut hs = Vec::new();
            for p in 0..2usize {
                let tx = tx.clone();
                let rx = rx.clone();
                hs.push(tokio::spawn(async move {
                    for i in 0..1000 {
                        let got = if p == 0 || i % 2 == 0 {
                            select! {
                                send(&tx, p) -> r => { r.unwrap(); None }
                                recv(&rx) -> m => Some(m.unwrap()),
                            }
                        } else {
                            select! {
                                recv(&rx) -> m => Some(m.unwrap()),
                                send(&tx, p) -> r => { r.unwrap(); None }
                            }
                        };
                        if let Some(v) = got {
                            assert!(!(cap == 0 && v == p), "task {p} received its own value");
                        }
                    }
                }));
            }
            for h in hs {
                h.await.unwrap();
            }
        }
    })
    .await;
}

/// The same with the dynamic Select on threads.
#[test]
fn self_select_two_threads_dynamic() {
    thread_timeout(SECS, || {
        for cap in [0usize, 10] {
            let (tx, rx) = bounded::<usize>(cap);
            let hs: Vec<_> = (0..2usize)
                .map(|p| {
                    let tx = tx.clone();
                    let rx = rx.clone();
                    std::thread::spawn(move || {
                        for _ in 0..1000 {
                            let got = Select::new()
                                .send(&tx, p, |r| {
                                    r.unwrap();
                                    None
                                })
                                .recv(&rx, |m| Some(m.unwrap()))
                                .wait();
                            if let Some(v) = got {
                                assert!(!(cap == 0 && v == p), "thread {p} received its own value");
                            }
                        }
                    })
                })
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        }
    });
}

// ---------------------------------------------------------------- default

#[test]
fn default_runs_when_nothing_ready_and_waits_for_nothing() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let (tx1, rx1) = bounded::<u32>(1);
        tx1.try_send(0).unwrap(); // full: its send case is not ready
        let r = select! {
            recv(&rx) -> _m => "recv",
            send(&tx1, 1) -> _r => "send",
            default => "default",
        };
        assert_eq!(r, "default");
        // Nothing stayed queued: no waiting receiver on rx, no waiting sender on tx1.
        assert_eq!(tx.try_send(5), Err(TrySendError::Full(5)));
        assert_eq!(rx1.try_recv(), Ok(0));
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
        let d = Select::new().recv(&rx, |_m| 1).default(|| 2).wait();
        assert_eq!(d, 2);
        assert_eq!(tx.try_send(6), Err(TrySendError::Full(6)));
    });
}

/// With default, a ready case is always taken: a value in the channel, a waiting
/// sender (unbuffered), a waiting receiver (unbuffered).
#[test]
fn default_never_beats_a_ready_case() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(1);
        for i in 0..1000 {
            tx.try_send(i).unwrap();
            let got = select! {
                recv(&rx) -> m => m.unwrap(),
                default => panic!("default taken while a value was buffered"),
            };
            assert_eq!(got, i);
        }
        let (tx0, rx0) = bounded::<u32>(0);
        let mut s = Box::pin(tx0.send(7));
        assert!(poll_noop(s.as_mut()).is_pending());
        let got = select! {
            recv(&rx0) -> m => m.unwrap(),
            default => panic!("default taken while a sender waited"),
        };
        assert_eq!(got, 7);
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        let mut r = Box::pin(rx0.recv());
        assert!(poll_noop(r.as_mut()).is_pending());
        select! {
            send(&tx0, 8) -> res => res.unwrap(),
            default => panic!("default taken while a receiver waited"),
        }
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(8)));
    });
}

/// Repeated across threads at once: every thread's select with default finds its own
/// buffered value, never the default.
#[test]
fn default_with_value_across_threads() {
    thread_timeout(SECS, || {
        let hs: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let (tx, rx) = bounded::<u32>(1);
                    for i in 0..2000 {
                        tx.try_send(i).unwrap();
                        let got = if (i + t) % 2 == 0 {
                            futures::executor::block_on(async {
                                select! {
                                    recv(&rx) -> m => m.unwrap(),
                                    default => u32::MAX,
                                }
                            })
                        } else {
                            Select::new()
                                .recv(&rx, |m| m.unwrap())
                                .default(|| u32::MAX)
                                .wait()
                        };
                        assert_eq!(got, i, "thread {t}: default taken with a value ready");
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    });
}

/// A shared channel with one value per round and several threads selecting with
/// default: exactly one thread gets each value, nobody gets it twice.
#[test]
fn default_shared_channel_exactly_once() {
    thread_timeout(SECS, || {
        let (tx, rx) = unbounded::<u64>();
        const N: u64 = 4000;
        let hs: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        let r = Select::new()
                            .recv(&rx, |m| m.ok())
                            .default(|| Some(u64::MAX))
                            .wait();
                        match r {
                            Some(u64::MAX) => std::thread::yield_now(),
                            Some(v) => got.push(v),
                            None => break,
                        }
                    }
                    got
                })
            })
            .collect();
        for i in 0..N {
            tx.send_blocking(i).unwrap();
        }
        drop(tx);
        let mut all = Vec::new();
        for h in hs {
            all.extend(h.join().unwrap());
        }
        assert_same_set(all, (0..N).collect());
    });
}

// ---------------------------------------------------------------- closed, nil

#[test]
fn closed_channel_cases_are_ready() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        tx.close();
        let r = select! {
            recv(&rx) -> m => m,
        };
        assert_eq!(r, Err(RecvError));
        let r = select! {
            send(&tx, 5) -> res => res,
        };
        assert_eq!(r, Err(SendError(5)));
        // With default, the closed cases still win (they are ready).
        for _ in 0..100 {
            let r = select! {
                send(&tx, 6) -> res => res.map_err(|e| e.0),
                default => panic!("default beat a closed (ready) send case"),
            };
            assert_eq!(r, Err(6));
        }
        let r = Select::new().recv(&rx, |m| m).wait();
        assert_eq!(r, Err(RecvError));
        let r = Select::new().send(&tx, 7, |r| r).wait();
        assert_eq!(r, Err(SendError(7)));
    });
}

/// A select waiting on a channel is woken by its close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_select_woken_by_close() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let (tx2, _rx2) = bounded::<u32>(0);
        let h = tokio::spawn(async move {
            select! {
                recv(&rx) -> m => m.map(|_| "recv"),
                send(&tx2, 1) -> r => r.map(|_| "send").map_err(|_| RecvError),
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        tx.close();
        assert_eq!(h.await.unwrap(), Err(RecvError));
    })
    .await;
}

/// A select waiting on a send case gets its value back when that channel closes; a
/// select waiting on a receive case gets `RecvError`; close wakes every waiting select.
#[test]
fn waiting_selects_fail_and_wake_on_close() {
    thread_timeout(SECS, || {
        let (txa, _rxa) = bounded::<String>(0);
        let (txb, rxb) = bounded::<String>(0);
        let (_txn, rxn) = bounded::<String>(0); // never ready
        let mut sends: Vec<_> = (0..4)
            .map(|i| {
                Box::pin(
                    Select::new()
                        .send(&txa, format!("v{i}"), |r| r.map_err(|e| e.0))
                        .recv(&rxn, |_m| Ok(()))
                        .into_future(),
                )
            })
            .collect();
        let mut recvs: Vec<_> = (0..4)
            .map(|_| {
                Box::pin(
                    Select::new()
                        .recv(&rxb, |m| m.map(|_| ()).map_err(|_| "closed".to_string()))
                        .recv(&rxn, |_m| Ok(()))
                        .into_future(),
                )
            })
            .collect();
        let mut counters = Vec::new();
        for s in sends.iter_mut().chain(recvs.iter_mut()) {
            let (c, w) = counting_waker();
            assert!(poll_with(s.as_mut(), &w).is_pending());
            counters.push(c);
        }
        assert!(txa.close());
        assert!(txb.close());
        for (i, c) in counters.iter().enumerate() {
            assert!(c.count() >= 1, "waiting select {i} not woken by close");
        }
        for (i, s) in sends.iter_mut().enumerate() {
            assert_eq!(
                poll_noop(s.as_mut()),
                Poll::Ready(Err(format!("v{i}"))),
                "select {i}: send case must fail with its value"
            );
        }
        for r in recvs.iter_mut() {
            assert_eq!(
                poll_noop(r.as_mut()),
                Poll::Ready(Err("closed".to_string()))
            );
        }
    });
}

/// A nil send case never sends, and its value, like any unchosen case's, lives until
/// the select is dropped.
#[test]
fn a_nil_send_case_keeps_its_value_until_the_select_drops() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (_tx, rx) = bounded::<DropCounter>(0);
        let nil_tx: Option<&Sender<DropCounter>> = None;
        let mut sel = Box::pin(
            Select::new()
                .send(nil_tx, DropCounter::new(1, &drops), |_| 0)
                .recv(&rx, |_| 1)
                .into_future(),
        );
        for _ in 0..3 {
            assert!(poll_noop(sel.as_mut()).is_pending());
        }
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "dropped while the select waits"
        );
        drop(sel);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn nil_cases_never_fire() {
    block_on_local_timeout(SECS, || async {
        let nil_rx: Option<&Receiver<u32>> = None;
        let nil_tx: Option<&Sender<u32>> = None;
        let (tx, rx) = bounded::<u32>(1);
        for i in 0..500 {
            tx.try_send(i).unwrap();
            let r = select! {
                recv(nil_rx) -> _m => panic!("nil recv fired"),
                send(nil_tx, 1) -> _r => panic!("nil send fired"),
                recv(&rx) -> m => m.unwrap(),
            };
            assert_eq!(r, i);
            let d = select! {
                recv(nil_rx) -> _m => panic!("nil recv fired"),
                send(nil_tx, 1) -> _r => panic!("nil send fired"),
                default => 9,
            };
            assert_eq!(d, 9);
        }
        // Some(&rx) is a live case.
        tx.try_send(42).unwrap();
        let r = select! {
            recv(Some(&rx)) -> m => m.unwrap(),
        };
        assert_eq!(r, 42);
        // Dynamic Select with None cases.
        tx.try_send(43).unwrap();
        let r = Select::new()
            .recv(None::<&Receiver<u32>>, |_m| panic!("nil recv fired"))
            .send(None::<&Sender<u32>>, 0, |_r| panic!("nil send fired"))
            .recv(&rx, |m| m.unwrap())
            .await;
        assert_eq!(r, 43);
    });
}

/// A nil case beside a timer: the select waits for the timer.
#[test]
fn nil_case_beside_a_timer() {
    tokio_timeout(SECS, 0, async {
        let nil_rx: Option<&Receiver<u32>> = None;
        let r = select! {
            recv(nil_rx) -> _m => "nil",
            future(tokio::time::sleep(Duration::from_millis(20))) -> _o => "timer",
        };
        assert_eq!(r, "timer");
    });
}

/// Go's `select {}`: every case nil and no default never completes.
#[test]
fn all_nil_no_default_never_completes() {
    thread_timeout(SECS, || {
        let nil_rx: Option<&Receiver<u32>> = None;
        let nil_tx: Option<&Sender<u32>> = None;
        let mut fut = Box::pin(async {
            select! {
                recv(nil_rx) -> _m => 1,
                send(nil_tx, 5) -> _r => 2,
            }
        });
        let (c, w) = counting_waker();
        for _ in 0..5 {
            assert!(poll_with(fut.as_mut(), &w).is_pending());
        }
        assert_eq!(c.count(), 0);
        let mut empty = Box::pin(Select::<u8>::new().into_future());
        for _ in 0..5 {
            assert!(poll_noop(empty.as_mut()).is_pending());
        }
        let mut nil_dyn = Box::pin(
            Select::new()
                .recv(None::<&Receiver<u32>>, |_m| 1)
                .send(None::<&Sender<u32>>, 1, |_r| 2)
                .into_future(),
        );
        for _ in 0..5 {
            assert!(poll_noop(nil_dyn.as_mut()).is_pending());
        }
    });
}

#[tokio::test(flavor = "current_thread")]
async fn all_nil_times_out() {
    with_timeout(SECS, async {
        let nil_rx: Option<&Receiver<u32>> = None;
        let r = tokio::time::timeout(Duration::from_millis(50), async {
            select! {
                recv(nil_rx) -> _m => (),
            }
        })
        .await;
        assert!(r.is_err(), "an all-nil select completed");
        let r = tokio::time::timeout(Duration::from_millis(50), Select::<()>::new()).await;
        assert!(r.is_err(), "an empty Select completed");
    })
    .await;
}

// ---------------------------------------------------------------- control flow

async fn first_or_err(rx: &Receiver<u32>) -> Result<u32, RecvError> {
    let v = select! {
        recv(rx) -> m => m?,
    };
    Ok(v * 10)
}

async fn returns_from_body(rx: &Receiver<u32>) -> &'static str {
    select! {
        recv(rx) -> _m => return "returned",
        default => {}
    }
    "fell through"
}

#[test]
fn control_flow_in_bodies() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(4);
        // `?` propagates from the enclosing fn.
        tx.try_send(2).unwrap();
        assert_eq!(first_or_err(&rx).await, Ok(20));
        // `return` returns from the enclosing fn.
        tx.try_send(1).unwrap();
        assert_eq!(returns_from_body(&rx).await, "returned");
        assert_eq!(returns_from_body(&rx).await, "fell through");
        // `continue` and `break` act on the enclosing loop.
        for i in 0..4 {
            tx.try_send(i).unwrap();
        }
        let mut seen = Vec::new();
        let mut iterations = 0;
        loop {
            iterations += 1;
            select! {
                recv(&rx) -> m => {
                    let v = m.unwrap();
                    if v % 2 == 0 {
                        continue;
                    }
                    seen.push(v);
                    if v == 3 {
                        break;
                    }
                }
                default => panic!("ran dry"),
            }
            seen.push(100);
        }
        assert_eq!(seen, vec![1, 100, 3]);
        assert_eq!(iterations, 4);
        // Labeled break out of an outer loop.
        tx.try_send(9).unwrap();
        let mut n = 0;
        'outer: for _ in 0..3 {
            for _ in 0..3 {
                n += 1;
                select! {
                    recv(&rx) -> _m => break 'outer,
                    default => {}
                }
            }
        }
        assert_eq!(n, 1);
        drop(tx);
        assert_eq!(first_or_err(&rx).await, Err(RecvError));
    });
}

// ---------------------------------------------------------------- futures and timers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn future_case_timer_fires_when_channel_idle() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let r = select! {
            recv(&rx) -> _m => "recv",
            future(tokio::time::sleep(Duration::from_millis(30))) -> _o => "timeout",
        };
        assert_eq!(r, "timeout");
        // The timed-out select left nothing behind.
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        // A value that arrives before the timer wins.
        let keep_open = tx.clone();
        let h = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(5).await
        });
        let r = select! {
            recv(&rx) -> m => m.unwrap(),
            future(tokio::time::sleep(Duration::from_secs(10))) -> _o => panic!("timer beat the value"),
        };
        assert_eq!(r, 5);
        h.await.unwrap().unwrap();
        // Dynamic Select with a future case.
        let r = Select::new()
            .recv(&rx, |_m| 0u8)
            .future(tokio::time::sleep(Duration::from_millis(10)), |()| 1u8)
            .await;
        assert_eq!(r, 1);
        drop(keep_open);
    })
    .await;
}

#[test]
fn future_case_output_is_passed() {
    block_on_timeout(SECS, async {
        let (_tx, rx) = bounded::<u32>(0);
        let r = select! {
            recv(&rx) -> _m => 0,
            future(async { 41u64 }) -> out => out + 1,
        };
        assert_eq!(r, 42);
    });
}

// ---------------------------------------------------------------- biased

#[test]
fn biased_tries_cases_in_order() {
    thread_timeout(SECS, || {
        let ch = filled(3);
        for _ in 0..500 {
            let r = Select::new()
                .recv(&ch[0].1, |m| m.unwrap())
                .recv(&ch[1].1, |m| m.unwrap())
                .recv(&ch[2].1, |m| m.unwrap())
                .biased()
                .wait();
            assert_eq!(r, 0);
        }
        // First case not ready: the second ready one wins, every time.
        let (_e, empty) = bounded::<usize>(0);
        for _ in 0..500 {
            let r = Select::new()
                .recv(&empty, |_m| 99)
                .recv(&ch[2].1, |m| m.unwrap())
                .recv(&ch[1].1, |m| m.unwrap())
                .biased()
                .default(|| 98)
                .wait();
            assert_eq!(r, 2);
        }
    });
}

// ---------------------------------------------------------------- Send + spawn

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_future_is_spawnable_and_wait_blocks_a_thread() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<String>(0);
        let (tx2, rx2) = bounded::<String>(0);
        let h = tokio::spawn(async move {
            select! {
                recv(&rx) -> m => m.unwrap(),
                recv(&rx2) -> m => m.unwrap(),
            }
        });
        tx2.send("two".to_string()).await.unwrap();
        assert_eq!(h.await.unwrap(), "two");
        let (tx3, rx3) = bounded::<String>(0);
        let t = std::thread::spawn(move || Select::new().recv(&rx3, |m| m.unwrap()).wait());
        tx3.send("three".to_string()).await.unwrap();
        let got = tokio::task::spawn_blocking(move || t.join().unwrap())
            .await
            .unwrap();
        assert_eq!(got, "three");
        drop(tx);
    })
    .await;
}

/// Every way of ending a case: block bodies with and without a trailing comma,
/// expression bodies with a comma, and a last case without one.
#[test]
fn macro_accepts_every_comma_style() {
    common::block_on_timeout(10, async move {
        let (tx, rx) = gochan::unbounded::<u32>();
        let (_tx2, rx2) = gochan::unbounded::<u32>();
        tx.try_send(1).unwrap();
        let mut sum = 0;
        gochan::select! {
            recv(&rx) -> m => { sum += m.unwrap(); },
            recv(&rx2) -> m => { sum += m.unwrap(); },
            default => {},
        }
        tx.try_send(2).unwrap();
        gochan::select! {
            recv(&rx) -> m => { sum += m.unwrap(); }
            recv(&rx2) -> m => sum += m.unwrap(),
            default => {}
        }
        let last = gochan::select! {
            recv(&rx2) -> _m => 0,
            default => 7
        };
        assert_eq!((sum, last), (3, 7));
    });
}

/// A `Select` with more cases than its order fits on the stack (32) keeps the order on
/// the heap: every ready case is still found, each value received exactly once, and a
/// waiting select over all of them wakes for the one a thread sends on.
#[test]
fn select_with_more_cases_than_fit_on_the_stack() {
    thread_timeout(SECS, || {
        const N: usize = 40;
        let (txs, rxs): (Vec<Sender<usize>>, Vec<Receiver<usize>>) =
            (0..N).map(|_| bounded(1)).unzip();
        for (i, tx) in txs.iter().enumerate() {
            tx.try_send(i * 10).unwrap();
        }
        let pick = |rxs: &[Receiver<usize>]| {
            let mut sel = Select::new();
            for (i, rx) in rxs.iter().enumerate() {
                sel = sel.recv(rx, move |msg| (i, msg.unwrap()));
            }
            sel.wait()
        };
        let mut seen: Vec<(usize, usize)> = (0..N).map(|_| pick(&rxs)).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..N).map(|i| (i, i * 10)).collect::<Vec<_>>());

        let tx = txs[37].clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send_blocking(999).unwrap();
        });
        assert_eq!(pick(&rxs), (37, 999));
        h.join().unwrap();
        assert!(rxs
            .iter()
            .all(|rx| rx.try_recv() == Err(TryRecvError::Empty)));
    });
}

// ---------------------------------------------------------------- SelectLoop

/// A `SelectLoop` chooses fairly on every select, not only on its first: its order and
/// random state persist between selects, which must not favour any case.
#[test]
fn select_loop_is_fair_on_every_select() {
    thread_timeout(SECS, || {
        for k in [2usize, 3, 8] {
            let ch = filled(k);
            let mut sel = SelectLoop::new();
            for (_, rx) in &ch {
                sel = sel.recv(rx, |m: Result<usize, RecvError>| m.unwrap());
            }
            let mut counts = vec![0usize; k];
            for t in 0..TRIALS {
                let i = if t % 2 == 0 {
                    sel.wait()
                } else {
                    futures::executor::block_on(sel.select())
                };
                counts[i] += 1;
            }
            assert_uniform(&counts, &format!("SelectLoop with {k} ready cases"));
        }
    });
}

/// Fan-in with one `SelectLoop` per consumer thread, producers on other threads, at
/// capacities 0 and 3; a closed channel's case is disabled. Every value arrives exactly
/// once.
#[test]
fn select_loop_fan_in_exactly_once() {
    thread_timeout(SECS, || {
        for cap in [0usize, 3] {
            const N: u64 = 2000;
            let chans: Vec<(Sender<u64>, Receiver<u64>)> = (0..3).map(|_| bounded(cap)).collect();
            let producers: Vec<_> = chans
                .iter()
                .enumerate()
                .map(|(c, (tx, _))| {
                    let tx = tx.clone();
                    std::thread::spawn(move || {
                        for i in 0..N {
                            tx.send_blocking(c as u64 * N + i).unwrap();
                        }
                    })
                })
                .collect();
            let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
            drop(chans);
            let consumers: Vec<_> = (0..2)
                .map(|_| {
                    let rxs = rxs.clone();
                    std::thread::spawn(move || {
                        let mut sel = SelectLoop::new();
                        for (i, rx) in rxs.iter().enumerate() {
                            sel = sel.recv(rx, move |m: Result<u64, RecvError>| (i, m));
                        }
                        let (mut got, mut open) = (Vec::new(), rxs.len());
                        while open > 0 {
                            match sel.wait() {
                                (_, Ok(v)) => got.push(v),
                                (i, Err(RecvError)) => {
                                    sel.disable(i);
                                    open -= 1;
                                }
                            }
                        }
                        got
                    })
                })
                .collect();
            drop(rxs);
            for p in producers {
                p.join().unwrap();
            }
            let all = consumers
                .into_iter()
                .flat_map(|c| c.join().unwrap())
                .collect();
            assert_same_set(all, (0..3 * N).collect());
        }
    });
}

/// Threads that each loop over one `SelectLoop` with a send case and a receive case
/// on a shared channel pass values around until the channel closes. Every value a send
/// case made is received exactly once, handed back by the close, or still held unsent
/// by its case when the loop is dropped; each is dropped exactly once.
#[test]
fn select_loop_send_and_recv_exactly_once() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1, 4] {
            const SELECTS: usize = 4000;
            let drops = Arc::new(AtomicUsize::new(0));
            let made = Arc::new(AtomicUsize::new(0));
            let selects = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = bounded::<DropCounter>(cap);
            let workers: Vec<_> = (0..3)
                .map(|w| {
                    let (tx, rx) = (tx.clone(), rx.clone());
                    let (drops, made, selects) = (drops.clone(), made.clone(), selects.clone());
                    std::thread::spawn(move || {
                        let (mut received, mut handed_back) = (Vec::new(), 0);
                        let mut next = 0;
                        let mut sel = SelectLoop::new()
                            .send(
                                &tx,
                                || {
                                    next += 1;
                                    made.fetch_add(1, Ordering::SeqCst);
                                    DropCounter::new(w * 1_000_000 + next, &drops)
                                },
                                |res| match res {
                                    Ok(()) => Ok(None),
                                    Err(SendError(_)) => Err(true),
                                },
                            )
                            .recv(&rx, |m| match m {
                                Ok(v) => Ok(Some(v.id as u64)),
                                Err(RecvError) => Err(false),
                            });
                        loop {
                            match sel.wait() {
                                Ok(got) => received.extend(got),
                                Err(was_send) => {
                                    handed_back += usize::from(was_send);
                                    break;
                                }
                            }
                            selects.fetch_add(1, Ordering::SeqCst);
                        }
                        (received, handed_back)
                    })
                })
                .collect();
            // Two waiting workers can always pair, so the selects keep coming.
            while selects.load(Ordering::SeqCst) < SELECTS {
                std::thread::sleep(Duration::from_millis(1));
            }
            assert!(tx.close());
            let (mut all, mut handed_back) = (Vec::new(), 0);
            for w in workers {
                let (got, back) = w.join().unwrap();
                all.extend(got);
                handed_back += back;
            }
            all.extend(rx.try_iter().map(|v| v.id as u64)); // left in the buffer
            let mut distinct = all.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(
                distinct.len(),
                all.len(),
                "cap {cap}: a value was received twice"
            );
            let made = made.load(Ordering::SeqCst);
            // Each worker's send case holds at most one unsent value when it stops.
            let unsent = made - all.len() - handed_back;
            assert!(
                unsent <= 3,
                "cap {cap}: {unsent} values neither received nor held"
            );
            assert_eq!(drops.load(Ordering::SeqCst), made, "cap {cap}: drops");
        }
    });
}

/// An unchosen send case keeps its value for the next select instead of dropping it,
/// and `make` is called again only after the value was sent.
#[test]
fn select_loop_send_case_keeps_its_value_until_sent() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0); // nobody receives yet: the send waits
        let (ready_tx, ready_rx) = unbounded::<u32>();
        let mut made = 0;
        let mut sel = SelectLoop::new()
            .send(
                &tx,
                || {
                    made += 1;
                    DropCounter::new(made, &drops)
                },
                |res| {
                    res.unwrap();
                    0
                },
            )
            .recv(&ready_rx, |m| m.unwrap());
        for i in 1..=5 {
            ready_tx.try_send(i).unwrap();
            assert_eq!(sel.wait(), i); // the send case lost: its value stays in it
        }
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        let receiver = std::thread::spawn(move || rx.recv_blocking().unwrap().id);
        assert_eq!(sel.wait(), 0);
        assert_eq!(receiver.join().unwrap(), 1); // the first value made, sent at last
        drop(sel);
        assert_eq!(made, 1, "make ran again only after its value was sent");
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

/// A `select()` future dropped after a sender handed its receive case a value gives
/// the value back, and the loop's next select receives it: nothing lost or doubled.
#[test]
fn select_loop_dropped_select_gives_back_and_the_next_gets_it() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (_idle_tx, idle_rx) = bounded::<u32>(0);
        let mut sel = SelectLoop::new()
            .recv(&rx, |m| m.unwrap())
            .recv(&idle_rx, |m| m.unwrap());
        {
            let mut next = sel.select();
            assert!(poll_noop(Pin::new(&mut next)).is_pending()); // queued on both
            assert_eq!(tx.try_send(9), Ok(())); // handed to the waiting case
        } // dropped before it collected the value
        assert_eq!(rx.len(), 1, "the value went back to the channel");
        assert_eq!(sel.wait(), 9);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// A leaked (forgotten, not dropped) `select()` future leaves its waiters queued; the
/// next select withdraws them first, so no channel keeps a stale waiter.
#[test]
fn select_loop_recovers_from_a_leaked_select() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut sel = SelectLoop::new().recv(&rx, |m| m.unwrap());
        let mut next = sel.select();
        assert!(poll_noop(Pin::new(&mut next)).is_pending());
        std::mem::forget(next);
        let sender = std::thread::spawn(move || tx.send_blocking(4));
        assert_eq!(sel.wait(), 4);
        assert_eq!(sender.join().unwrap(), Ok(()));
    });
}

/// `default` makes every select of the loop non-blocking; a ready case still wins.
#[test]
fn select_loop_default_never_waits() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        let mut sel = SelectLoop::new().recv(&rx, |m| m.ok()).default(|| None);
        for round in 0..100 {
            assert_eq!(sel.wait(), None);
            tx.try_send(round).unwrap();
            assert_eq!(sel.wait(), Some(round));
        }
    });
}

/// A closed channel's case is ready on every select until disabled; a disabled (or
/// nil) case never fires, so with nothing else the loop waits forever.
#[test]
fn select_loop_closed_and_disabled_cases() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        let nil: Option<&Receiver<u32>> = None;
        let mut sel = SelectLoop::new().recv(nil, |_| "nil").recv(&rx, |m| {
            if m.is_ok() {
                "value"
            } else {
                "closed"
            }
        });
        tx.try_send(1).unwrap();
        drop(tx);
        assert_eq!(sel.wait(), "value");
        assert_eq!(sel.wait(), "closed");
        assert_eq!(sel.wait(), "closed");
        sel.disable(1);
        assert_eq!(sel.wait_timeout(Duration::from_millis(20)), None);
        assert!(poll_noop(Pin::new(&mut sel.select())).is_pending());
    });
}

/// A timed-out select keeps its send case's value, and the next select sends it.
#[test]
fn select_loop_wait_timeout_keeps_the_send_value() {
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        let mut made = 0;
        let mut sel = SelectLoop::new().send(
            &tx,
            || {
                made += 1;
                DropCounter::new(made, &drops)
            },
            |res| res.is_ok(),
        );
        assert_eq!(sel.wait_timeout(Duration::from_millis(10)), None);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        let receiver = std::thread::spawn(move || rx.recv_blocking().unwrap().id);
        assert_eq!(sel.wait_timeout(Duration::from_secs(SECS)), Some(true));
        assert_eq!(receiver.join().unwrap(), 1);
        drop(sel);
        assert_eq!(made, 1);
    });
}
