#![cfg(not(loom))]
//! Ports of the logic of Go's `runtime/chan_test.go` (and `chanbarrier_test.go`) to
//! gochan, written from what each Go test checks. Each test names the Go test it ports.
//! TestSelfSelect and TestSelectFairness live in rule8_select.rs.

mod common;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use common::*;
use futures::StreamExt;
use gochan::{bounded, select, Receiver, RecvError, Select, Sender, TryRecvError};

/// TestChan, block 1: receive from an empty channel blocks; a non-blocking receive does
/// not block; two sends then release both receivers.
fn chan_recv_from_empty_blocks(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    let recv1 = Arc::new(AtomicBool::new(false));
    let recv2 = Arc::new(AtomicBool::new(false));
    let hs: Vec<_> = [recv1.clone(), recv2.clone()]
        .into_iter()
        .map(|flag| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let _ = rx.recv_blocking();
                flag.store(true, Ordering::SeqCst);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1));
    assert!(
        !recv1.load(Ordering::SeqCst) && !recv2.load(Ordering::SeqCst),
        "chan[{cap}]: receive from empty chan"
    );
    let r = Select::new().recv(&rx, |_m| true).default(|| false).wait();
    assert!(
        !r,
        "chan[{cap}]: non-blocking receive from empty chan got a value"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send_blocking(0).unwrap();
    tx.send_blocking(0).unwrap();
    for h in hs {
        h.join().unwrap();
    }
}

/// TestChan, block 2: a send to a full channel blocks; a non-blocking send does not.
fn chan_send_to_full_blocks(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    for i in 0..cap as i32 {
        tx.send_blocking(i).unwrap();
    }
    let sent = Arc::new(AtomicBool::new(false));
    let h = {
        let (tx, sent) = (tx.clone(), sent.clone());
        std::thread::spawn(move || {
            tx.send_blocking(0).unwrap();
            sent.store(true, Ordering::SeqCst);
        })
    };
    std::thread::sleep(Duration::from_millis(1));
    assert!(
        !sent.load(Ordering::SeqCst),
        "chan[{cap}]: send to full chan"
    );
    let r = Select::new()
        .send(&tx, 0, |_r| true)
        .default(|| false)
        .wait();
    assert!(!r, "chan[{cap}]: non-blocking send to full chan");
    rx.recv_blocking().unwrap();
    h.join().unwrap();
}

/// TestChan, block 3: receiving from a closed channel gives the buffered values, then
/// the closed indication (Go's zero value with ok == false; here RecvError).
fn chan_recv_from_closed(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    for i in 0..cap as i32 {
        tx.send_blocking(i).unwrap();
    }
    tx.close();
    for i in 0..cap as i32 {
        assert_eq!(rx.recv_blocking(), Ok(i), "chan[{cap}]");
    }
    assert_eq!(rx.recv_blocking(), Err(RecvError));
    assert_eq!(rx.recv_blocking(), Err(RecvError));
}

/// TestChan, block 4: close unblocks a receive.
fn chan_close_unblocks_recv(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    let h = std::thread::spawn(move || rx.recv_blocking());
    std::thread::sleep(Duration::from_millis(1));
    tx.close();
    assert_eq!(h.join().unwrap(), Err(RecvError), "chan[{cap}]");
}

/// TestChan, block 5: 100 values arrive uncorrupted in FIFO order (twice: once with
/// recv_blocking, once with the async recv).
fn chan_fifo_100(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    let h = {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for i in 0..200 {
                tx.send_blocking(i).unwrap();
            }
        })
    };
    for i in 0..100 {
        assert_eq!(rx.recv_blocking(), Ok(i), "chan[{cap}]");
    }
    futures::executor::block_on(async {
        for i in 100..200 {
            assert_eq!(rx.recv().await, Ok(i), "chan[{cap}]");
        }
    });
    h.join().unwrap();
}

/// TestChan, block 6: 4 senders each send 0..L, 4 receivers each receive L values;
/// every value is received exactly P times overall.
fn chan_multi_sender_receiver(cap: usize) {
    const P: usize = 4;
    const L: usize = 1000;
    let (tx, rx) = bounded::<usize>(cap);
    let senders: Vec<_> = (0..P)
        .map(|_| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..L {
                    tx.send_blocking(i).unwrap();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..P)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let mut recv = vec![0usize; L];
                for _ in 0..L {
                    recv[rx.recv_blocking().unwrap()] += 1;
                }
                recv
            })
        })
        .collect();
    let mut total = vec![0usize; L];
    for r in receivers {
        for (k, n) in r.join().unwrap().into_iter().enumerate() {
            total[k] += n;
        }
    }
    for s in senders {
        s.join().unwrap();
    }
    assert!(
        total.iter().all(|&n| n == P),
        "chan[{cap}]: some value not received {P} times"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// TestChan, block 7: len and cap.
fn chan_len_cap(cap: usize) {
    let (tx, rx) = bounded::<i32>(cap);
    assert_eq!((rx.len(), rx.capacity()), (0, Some(cap)));
    for i in 0..cap as i32 {
        tx.send_blocking(i).unwrap();
    }
    assert_eq!((tx.len(), tx.capacity()), (cap, Some(cap)));
}

/// TestChan (short mode: capacities 0..20).
#[test]
fn test_chan() {
    thread_timeout(30, || {
        for cap in 0..20 {
            chan_recv_from_empty_blocks(cap);
            chan_send_to_full_blocks(cap);
            chan_recv_from_closed(cap);
            chan_close_unblocks_recv(cap);
            chan_fifo_100(cap);
            chan_multi_sender_receiver(cap);
            chan_len_cap(cap);
        }
    });
}

/// TestNonblockRecvRace: a select with default on a channel that holds a value, racing
/// with a close and a receive, never takes the default: the channel is always ready
/// (with the value, or closed).
#[test]
fn test_nonblock_recv_race() {
    thread_timeout(SECS, || {
        for _ in 0..1000 {
            let (tx, rx) = bounded::<i32>(1);
            tx.send_blocking(1).unwrap();
            let rx2 = rx.clone();
            let h = std::thread::spawn(move || {
                Select::new().recv(&rx2, |_m| true).default(|| false).wait()
            });
            tx.close();
            let _ = rx.recv_blocking();
            assert!(h.join().unwrap(), "chan is not ready");
        }
    });
}

/// TestNonblockSelectRace: of two channels, at least one is always ready for the
/// select with default, so default never runs.
#[test]
fn test_nonblock_select_race() {
    thread_timeout(SECS, || {
        for _ in 0..1000 {
            let (tx1, rx1) = bounded::<i32>(1);
            let (tx2, rx2) = bounded::<i32>(1);
            tx1.send_blocking(1).unwrap();
            let h = {
                let (rx1, rx2) = (rx1.clone(), rx2.clone());
                std::thread::spawn(move || {
                    futures::executor::block_on(async {
                        select! {
                            recv(&rx1) -> _m => true,
                            recv(&rx2) -> _m => true,
                            default => false,
                        }
                    })
                })
            };
            tx2.send_blocking(1).unwrap();
            Select::new().recv(&rx1, |_m| ()).default(|| ()).wait();
            assert!(h.join().unwrap(), "no chan is ready");
        }
    });
}

/// TestNonblockSelectRace2: the same with close(c2) instead of a send.
#[test]
fn test_nonblock_select_race2() {
    thread_timeout(SECS, || {
        for _ in 0..1000 {
            let (tx1, rx1) = bounded::<i32>(1);
            let (tx2, rx2) = bounded::<i32>(0);
            tx1.send_blocking(1).unwrap();
            let h = {
                let (rx1, rx2) = (rx1.clone(), rx2.clone());
                std::thread::spawn(move || {
                    Select::new()
                        .recv(&rx1, |_m| true)
                        .recv(&rx2, |_m| true)
                        .default(|| false)
                        .wait()
                })
            };
            tx2.close();
            Select::new().recv(&rx1, |_m| ()).default(|| ()).wait();
            assert!(h.join().unwrap(), "no chan is ready");
        }
    });
}

/// TestSelectStress: per channel (two unbuffered, capacities 2 and 3) one plain sender
/// and one plain receiver, plus one task sending to all four in a single select and one
/// receiving from all four in a single select, dropping each channel from its select
/// (nil) once it has done N there. Nothing deadlocks, and here, with distinct values,
/// every value is received exactly once on the channel it was sent to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_select_stress() {
    with_timeout(30, async {
        const N: u64 = 1000;
        let caps = [0usize, 0, 2, 3];
        let chans: Vec<(Sender<u64>, Receiver<u64>)> = caps.iter().map(|&c| bounded(c)).collect();
        let mut plain_senders = Vec::new();
        let mut plain_receivers = Vec::new();
        for (k, (tx, rx)) in chans.iter().enumerate() {
            let tx = tx.clone();
            plain_senders.push(tokio::spawn(async move {
                for i in 0..N {
                    tx.send(k as u64 * 10 * N + i).await.unwrap();
                }
            }));
            let rx = rx.clone();
            plain_receivers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..N {
                    got.push(rx.recv().await.unwrap());
                }
                got
            }));
        }
        let txs: Vec<Sender<u64>> = chans.iter().map(|c| c.0.clone()).collect();
        let select_sender = tokio::spawn(async move {
            let mut n = [0u64; 4];
            for _ in 0..4 * N {
                let on = |k: usize| if n[k] < N { Some(&txs[k]) } else { None };
                let v = |k: usize| k as u64 * 10 * N + N + n[k];
                let k = select! {
                    send(on(3), v(3)) -> r => { r.unwrap(); 3 }
                    send(on(2), v(2)) -> r => { r.unwrap(); 2 }
                    send(on(0), v(0)) -> r => { r.unwrap(); 0 }
                    send(on(1), v(1)) -> r => { r.unwrap(); 1 }
                };
                n[k] += 1;
            }
            assert_eq!(n, [N; 4]);
        });
        let rxs: Vec<Receiver<u64>> = chans.iter().map(|c| c.1.clone()).collect();
        let select_receiver = tokio::spawn(async move {
            let mut n = [0u64; 4];
            let mut got: Vec<Vec<u64>> = vec![Vec::new(); 4];
            for _ in 0..4 * N {
                let on = |k: usize| if n[k] < N { Some(&rxs[k]) } else { None };
                let (k, v) = select! {
                    recv(on(0)) -> m => (0, m.unwrap()),
                    recv(on(1)) -> m => (1, m.unwrap()),
                    recv(on(2)) -> m => (2, m.unwrap()),
                    recv(on(3)) -> m => (3, m.unwrap()),
                };
                n[k] += 1;
                got[k].push(v);
            }
            got
        });
        for s in plain_senders {
            s.await.unwrap();
        }
        select_sender.await.unwrap();
        let mut per_chan: Vec<Vec<u64>> = vec![Vec::new(); 4];
        for (k, r) in plain_receivers.into_iter().enumerate() {
            per_chan[k].extend(r.await.unwrap());
        }
        for (k, g) in select_receiver.await.unwrap().into_iter().enumerate() {
            per_chan[k].extend(g);
        }
        for (k, got) in per_chan.into_iter().enumerate() {
            let base = k as u64 * 10 * N;
            assert_same_set(got, (base..base + 2 * N).collect());
        }
    })
    .await;
}

/// TestChanSendInterface: send cases with default on a full channel, twice on the same
/// channel; default is taken and nothing panics.
#[test]
fn test_chan_send_interface() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<Box<u8>>(1);
        tx.send(Box::new(1)).await.unwrap();
        let a = select! {
            send(&tx, Box::new(2)) -> _r => 1,
            default => 0,
        };
        assert_eq!(a, 0);
        let b = select! {
            send(&tx, Box::new(3)) -> _r => 1,
            send(&tx, Box::new(4)) -> _r => 2,
            default => 0,
        };
        assert_eq!(b, 0);
        assert_eq!(*rx.try_recv().unwrap(), 1);
    });
}

/// TestPseudoRandomSend: a select with two send cases on one channel (`c <- 1`,
/// `c <- 0`) sends a pseudo-random mix. With 100 fair coin flips, at most 10 zeros (or
/// ones) has probability below 2e-17; Go fails the test in that case too.
#[test]
fn test_pseudo_random_send() {
    thread_timeout(SECS, || {
        let n = 100usize;
        for cap in [0, n] {
            let (tx, rx) = bounded::<usize>(cap);
            let h = std::thread::spawn(move || {
                let mut l = Vec::with_capacity(n);
                for _ in 0..n {
                    std::thread::yield_now();
                    l.push(rx.recv_blocking().unwrap());
                }
                l
            });
            for i in 0..n {
                if i % 2 == 0 {
                    Select::new()
                        .send(&tx, 1, |r| r.unwrap())
                        .send(&tx, 0, |r| r.unwrap())
                        .wait();
                } else {
                    futures::executor::block_on(async {
                        select! {
                            send(&tx, 1) -> r => r.unwrap(),
                            send(&tx, 0) -> r => r.unwrap(),
                        }
                    });
                }
            }
            let l = h.join().unwrap();
            let n1: usize = l.iter().sum();
            let n0 = n - n1;
            assert!(
                n0 > n / 10 && n1 > n / 10,
                "want pseudorandom, got {n0} zeros and {n1} ones (chan cap {cap})"
            );
        }
    });
}

/// TestMultiConsumer: 23 workers range over a work channel (yielding sometimes to mess
/// with the FIFO-ish nature of range) and forward into a results channel, closed once
/// they are all done; count and sum match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_consumer() {
    with_timeout(30, async {
        const NWORK: usize = 23;
        const NITER: usize = 20_000;
        const PN: [u64; 10] = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
        let (qtx, qrx) = bounded::<u64>(NWORK * 3);
        let (rtx, rrx) = bounded::<u64>(NWORK * 3);
        let mut workers = Vec::new();
        for w in 0..NWORK {
            let mut q = qrx.clone().into_stream();
            let r = rtx.clone();
            workers.push(tokio::spawn(async move {
                while let Some(v) = q.next().await {
                    if PN[w % PN.len()] == v {
                        tokio::task::yield_now().await;
                    }
                    r.send(v).await.unwrap();
                }
            }));
        }
        drop((qrx, rtx));
        let feeder = tokio::spawn(async move {
            let mut expect = 0;
            for i in 0..NITER {
                let v = PN[i % PN.len()];
                expect += v;
                qtx.send(v).await.unwrap();
            }
            qtx.close();
            for w in workers {
                w.await.unwrap();
            }
            // All result senders are gone now, so the results channel is closed.
            expect
        });
        let mut n = 0;
        let mut s = 0;
        let mut results = rrx.stream();
        while let Some(v) = results.next().await {
            n += 1;
            s += v;
        }
        let expect = feeder.await.unwrap();
        assert_eq!((n, s), (NITER, expect));
    })
    .await;
}

/// TestSelectDuplicateChannel: a select queued twice on one channel (and on another)
/// is woken through the other channel; it must leave the first channel's queue intact,
/// so a later send there reaches the receiver queued behind it.
#[test]
fn test_select_duplicate_channel() {
    thread_timeout(SECS, || {
        let (ctx, crx) = bounded::<i32>(0);
        let (dtx, drx) = bounded::<i32>(0);
        // "goroutine A"
        let mut a = Box::pin(
            Select::new()
                .recv(&crx, |m| ('c', m.unwrap()))
                .recv(&crx, |m| ('c', m.unwrap()))
                .recv(&drx, |m| ('d', m.unwrap()))
                .into_future(),
        );
        assert!(poll_noop(a.as_mut()).is_pending());
        // "goroutine B" queues on c behind A.
        let mut b = Box::pin(crx.recv());
        let (bc, bw) = counting_waker();
        assert!(poll_with(b.as_mut(), &bw).is_pending());
        // Wake A through d.
        assert_eq!(dtx.try_send(7), Ok(()));
        assert_eq!(poll_noop(a.as_mut()), Poll::Ready(('d', 7)));
        // Wake B through c.
        assert_eq!(ctx.try_send(8), Ok(()), "B is waiting on c");
        assert!(bc.count() >= 1);
        assert_eq!(poll_noop(b.as_mut()), Poll::Ready(Ok(8)));

        // The same with the macro, on threads.
        thread_timeout(SECS, || {
            let (ctx, crx) = bounded::<i32>(0);
            let (dtx, drx) = bounded::<i32>(0);
            let (etx, erx) = bounded::<i32>(0);
            let a = {
                let (crx, drx) = (crx.clone(), drx.clone());
                std::thread::spawn(move || {
                    futures::executor::block_on(async {
                        select! {
                            recv(&crx) -> _m => {}
                            recv(&crx) -> _m => {}
                            recv(&drx) -> _m => {}
                        }
                    });
                    etx.send_blocking(9).unwrap();
                })
            };
            std::thread::sleep(Duration::from_millis(1));
            let b = std::thread::spawn(move || crx.recv_blocking());
            std::thread::sleep(Duration::from_millis(1));
            dtx.send_blocking(7).unwrap();
            assert_eq!(erx.recv_blocking(), Ok(9));
            ctx.send_blocking(8).unwrap();
            assert_eq!(b.join().unwrap(), Ok(8));
            a.join().unwrap();
            drop(drx);
        });
    });
}

/// TestChanSendBarrier / TestChanSendSelectBarrier (chanbarrier_test.go): many tasks
/// each make a request whose answer comes from a helper that sends on an unbuffered
/// channel (plainly, or in a select beside a `done` channel); the answer arrives intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_chan_send_barrier() {
    with_timeout(SECS, async {
        async fn do_request(use_select: bool, id: u64) -> Result<String, String> {
            let (tx, rx) = bounded::<Result<String, String>>(0);
            let (done_tx, done_rx) = bounded::<()>(0);
            let answer = Err(format!("error {id}"));
            let h = tokio::spawn(async move {
                if use_select {
                    select! {
                        send(&tx, answer) -> _r => {}
                        recv(&done_rx) -> _m => {}
                    }
                } else {
                    let _ = tx.send(answer).await;
                }
            });
            let r = rx.recv().await.unwrap();
            drop(done_tx);
            h.await.unwrap();
            r
        }
        let mut hs = Vec::new();
        for t in 0..50u64 {
            hs.push(tokio::spawn(async move {
                for j in 0..20u64 {
                    let id = t * 100 + j;
                    let r = do_request(j % 2 == 0, id).await;
                    assert_eq!(r, Err(format!("error {id}")));
                }
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    })
    .await;
}
