#![cfg(not(loom))]
//! Rule 7 (Wakers): a pending future holds at most one entry in one queue per channel,
//! replaced (not duplicated) when polled again with another waker; nothing spins or
//! polls in a loop while waiting.

mod common;

use std::future::{Future, IntoFuture};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::*;
use gochan::{bounded, select, unbounded, Select, TryRecvError, TrySendError};

/// Only the latest waker of a pending recv is woken.
#[test]
fn recv_repoll_replaces_waker() {
    thread_timeout(SECS, || {
        for cap in [Some(0), Some(2), None] {
            let (tx, rx) = match cap {
                Some(n) => bounded::<u32>(n),
                None => unbounded(),
            };
            let mut r = pin!(rx.recv());
            let (a, wa) = counting_waker();
            let (b, wb) = counting_waker();
            assert!(poll_with(r.as_mut(), &wa).is_pending());
            assert!(poll_with(r.as_mut(), &wb).is_pending());
            tx.try_send(1).unwrap();
            assert_eq!(a.count(), 0, "cap {cap:?}: stale waker woken");
            assert_eq!(
                b.count(),
                1,
                "cap {cap:?}: current waker not woken exactly once"
            );
            assert_eq!(poll_with(r.as_mut(), &wb), Poll::Ready(Ok(1)));
        }
    });
}

/// Only the latest waker of a pending send is woken.
#[test]
fn send_repoll_replaces_waker() {
    thread_timeout(SECS, || {
        for cap in [0usize, 1] {
            let (tx, rx) = bounded::<u32>(cap);
            for i in 0..cap as u32 {
                tx.try_send(i).unwrap();
            }
            let mut s = pin!(tx.send(9));
            let (a, wa) = counting_waker();
            let (b, wb) = counting_waker();
            assert!(poll_with(s.as_mut(), &wa).is_pending());
            assert!(poll_with(s.as_mut(), &wb).is_pending());
            rx.try_recv().unwrap();
            assert_eq!(a.count(), 0, "cap {cap}: stale waker woken");
            assert_eq!(
                b.count(),
                1,
                "cap {cap}: current waker not woken exactly once"
            );
            assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
        }
    });
}

/// Polling a pending recv many times with different wakers leaves one entry: one value
/// satisfies it, and a second try_send finds no other waiting receiver.
#[test]
fn recv_repoll_does_not_duplicate_entry() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut r = pin!(rx.recv());
        let mut counters = Vec::new();
        for _ in 0..10 {
            let (c, w) = counting_waker();
            assert!(poll_with(r.as_mut(), &w).is_pending());
            counters.push(c);
        }
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(
            tx.try_send(2),
            Err(TrySendError::Full(2)),
            "duplicate receiver entry"
        );
        for c in &counters[..9] {
            assert_eq!(c.count(), 0);
        }
        assert_eq!(counters[9].count(), 1);
        assert_eq!(poll_noop(r.as_mut()), Poll::Ready(Ok(1)));
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    });
}

/// Same for a pending send: one entry, one value.
#[test]
fn send_repoll_does_not_duplicate_entry() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut s = pin!(tx.send(1));
        for _ in 0..10 {
            let (_c, w) = counting_waker();
            assert!(poll_with(s.as_mut(), &w).is_pending());
        }
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "duplicate sender entry"
        );
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Ok(())));
    });
}

/// Same for a pending select: polled again with another waker, it is still one waiter
/// per channel.
#[test]
fn select_repoll_replaces_waker_and_entries() {
    thread_timeout(SECS, || {
        let (txa, rxa) = bounded::<u32>(0);
        let (txb, rxb) = bounded::<u32>(0);
        let mut sel = Box::pin(
            Select::new()
                .recv(&rxa, |m| ('a', m.unwrap()))
                .recv(&rxb, |m| ('b', m.unwrap()))
                .into_future(),
        );
        let (a, wa) = counting_waker();
        let (b, wb) = counting_waker();
        assert!(poll_with(sel.as_mut(), &wa).is_pending());
        assert!(poll_with(sel.as_mut(), &wb).is_pending());
        assert_eq!(txb.try_send(5), Ok(()));
        // The select took b's value: it no longer waits on a, nor again on b.
        assert_eq!(txa.try_send(6), Err(TrySendError::Full(6)));
        assert_eq!(txb.try_send(7), Err(TrySendError::Full(7)));
        assert_eq!(a.count(), 0);
        assert_eq!(b.count(), 1);
        assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(('b', 5)));
    });
}

#[test]
fn select_macro_repoll_replaces_waker() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (_tx2, rx2) = bounded::<u32>(0);
        let mut fut = Box::pin(async {
            select! {
                recv(&rx) -> m => m.unwrap(),
                recv(&rx2) -> m => m.unwrap() + 100,
            }
        });
        let (a, wa) = counting_waker();
        let (b, wb) = counting_waker();
        assert!(poll_with(fut.as_mut(), &wa).is_pending());
        assert!(poll_with(fut.as_mut(), &wb).is_pending());
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(a.count(), 0);
        assert_eq!(b.count(), 1);
        assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(1));
    });
}

/// A pending future is not woken without cause: no event, no wake; neither do other
/// waiters coming and going on the same channel, nor activity on other channels.
#[test]
fn no_spurious_wakeups_while_idle() {
    thread_timeout(SECS, || {
        let (_tx1, rx1) = bounded::<u32>(0);
        let (tx2, _rx2) = bounded::<u32>(0);
        let (_tx3, rx3) = bounded::<u32>(0);
        let (c1, w1) = counting_waker();
        let (c2, w2) = counting_waker();
        let (c3, w3) = counting_waker();
        let mut r = pin!(rx1.recv());
        let mut s = pin!(tx2.send(1));
        let mut sel = Box::pin(Select::new().recv(&rx3, |m| m.unwrap()).into_future());
        assert!(poll_with(r.as_mut(), &w1).is_pending());
        assert!(poll_with(s.as_mut(), &w2).is_pending());
        assert!(poll_with(sel.as_mut(), &w3).is_pending());
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(c1.count(), 0, "idle recv woken");
        assert_eq!(c2.count(), 0, "idle send woken");
        assert_eq!(c3.count(), 0, "idle select woken");

        // Other waiters come and go on the same channels.
        {
            let mut r2 = Box::pin(rx1.recv());
            assert!(poll_noop(r2.as_mut()).is_pending());
            let mut s2 = Box::pin(tx2.send(2));
            assert!(poll_noop(s2.as_mut()).is_pending());
            assert_eq!(s2.as_mut().cancel(), Some(2));
            let mut r3 = Box::pin(rx3.recv());
            assert!(poll_noop(r3.as_mut()).is_pending());
        }
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
        // Unrelated activity on another channel.
        let (otx, orx) = bounded::<u32>(1);
        otx.try_send(1).unwrap();
        orx.try_recv().unwrap();
        assert_eq!(c1.count(), 0, "recv woken by unrelated activity");
        assert_eq!(c2.count(), 0, "send woken by unrelated activity");
        assert_eq!(c3.count(), 0, "select woken by unrelated activity");
        assert!(poll_with(r.as_mut(), &w1).is_pending());
        assert!(poll_with(s.as_mut(), &w2).is_pending());
        assert!(poll_with(sel.as_mut(), &w3).is_pending());
    });
}

/// Wraps a future and counts how often it is polled.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Arc<AtomicUsize>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        self.inner.as_mut().poll(cx)
    }
}

/// While waiting on a runtime, a future is polled a bounded number of times (a
/// spinning future would be polled thousands of times in 100 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_futures_do_not_spin() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let (tx2, rx2) = bounded::<u32>(0);
        let (_tx3, rx3) = bounded::<u32>(0);
        let recv_polls = Arc::new(AtomicUsize::new(0));
        let send_polls = Arc::new(AtomicUsize::new(0));
        let sel_polls = Arc::new(AtomicUsize::new(0));
        let rp = recv_polls.clone();
        let r = tokio::spawn(async move {
            let rx = rx;
            CountPolls {
                inner: Box::pin(rx.recv()),
                polls: rp,
            }
            .await
        });
        let sp = send_polls.clone();
        let s = tokio::spawn(async move {
            let tx2 = tx2;
            CountPolls {
                inner: Box::pin(tx2.send(5)),
                polls: sp,
            }
            .await
        });
        let selp = sel_polls.clone();
        let sel = tokio::spawn(async move {
            let rx3 = rx3;
            CountPolls {
                inner: Box::pin(async move {
                    select! {
                        recv(&rx3) -> m => m.is_ok(),
                    }
                }),
                polls: selp,
            }
            .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            recv_polls.load(Ordering::SeqCst) <= 2,
            "recv spun: {recv_polls:?}"
        );
        assert!(
            send_polls.load(Ordering::SeqCst) <= 2,
            "send spun: {send_polls:?}"
        );
        assert!(
            sel_polls.load(Ordering::SeqCst) <= 2,
            "select spun: {sel_polls:?}"
        );
        tx.send(1).await.unwrap();
        assert_eq!(r.await.unwrap(), Ok(1));
        assert_eq!(rx2.recv().await, Ok(5));
        s.await.unwrap().unwrap();
        drop(_tx3);
        assert!(!sel.await.unwrap());
        assert!(recv_polls.load(Ordering::SeqCst) <= 3);
        assert!(send_polls.load(Ordering::SeqCst) <= 3);
    })
    .await;
}

/// A thread blocked in recv_blocking does not burn the CPU: measured as thread CPU time
/// is not portable, so check instead that it stays blocked and wakes on the value.
#[test]
fn blocked_thread_wakes_on_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let h = std::thread::spawn(move || rx.recv_blocking());
        std::thread::sleep(Duration::from_millis(30));
        assert!(!h.is_finished());
        tx.send_blocking(3).unwrap();
        assert_eq!(h.join().unwrap(), Ok(3));
    });
}

/// A blocking call made while another runs on the same thread (here inside a future
/// case of a blocking select) shares the thread's waker, so it may consume a wake meant
/// for the outer call. The outer call must still see it: here the wake lands, always,
/// before the nested receive can complete, and a lost wake would leave the outer call
/// parked for good (the timeout fails the test).
#[test]
fn a_blocking_call_nested_in_another_keeps_the_outer_wake() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut helper: Option<std::thread::JoinHandle<()>> = None;
        let mut nested = None;
        let polls = Arc::new(AtomicUsize::new(0));
        let case = {
            let polls = polls.clone();
            std::future::poll_fn(move |cx: &mut Context<'_>| {
                polls.fetch_add(1, Ordering::SeqCst);
                if let Some(got) = nested {
                    helper.take().unwrap().join().unwrap();
                    return Poll::Ready(got);
                }
                // Once the nested receive waits, wake the outer call, then send what
                // the nested one waits for. The only public sign that a receiver is
                // queued is the channel's `Debug` (`waiting_receivers`, src/chan.rs):
                // renaming that field would leave this loop spinning into the timeout.
                let (waker, tx) = (cx.waker().clone(), tx.clone());
                helper = Some(std::thread::spawn(move || {
                    while !format!("{tx:?}").contains("waiting_receivers: 1") {
                        std::thread::yield_now();
                    }
                    waker.wake();
                    tx.send_blocking(7).unwrap();
                }));
                nested = Some(rx.recv_blocking().unwrap());
                Poll::Pending
            })
        };
        let got = Select::new().future(case, |got| got).wait();
        assert_eq!(got, 7);
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    });
}

/// CPU time (user + system, in clock ticks) a thread of this process has used, read
/// from /proc; `None` where that is not available.
#[cfg(target_os = "linux")]
fn thread_cpu_ticks(tid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// This thread's id, from /proc/thread-self ("PID/task/TID").
#[cfg(target_os = "linux")]
fn own_tid() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_string_lossy().into_owned())
}

/// Threads blocked in `recv_blocking`, `send_blocking` and `Select::wait` sleep: over
/// a second they use (almost) no CPU. A thread that spins or yields in a loop uses
/// most of a core; the bound (0.1 s of CPU) leaves room for a loaded machine and can
/// only be exceeded by a busy wait.
#[cfg(target_os = "linux")]
#[test]
fn blocked_threads_do_not_spin() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (tx2, rx2) = bounded::<u32>(0);
        let (_tx3, rx3) = bounded::<u32>(0);
        let (tid_tx, tid_rx) = std::sync::mpsc::channel::<Option<String>>();
        let mut hs = Vec::new();
        {
            let tid_tx = tid_tx.clone();
            hs.push(std::thread::spawn(move || {
                tid_tx.send(own_tid()).unwrap();
                assert_eq!(rx.recv_blocking(), Ok(1));
            }));
        }
        {
            let tid_tx = tid_tx.clone();
            hs.push(std::thread::spawn(move || {
                tid_tx.send(own_tid()).unwrap();
                assert_eq!(tx2.send_blocking(2), Ok(()));
            }));
        }
        {
            let tid_tx = tid_tx.clone();
            hs.push(std::thread::spawn(move || {
                tid_tx.send(own_tid()).unwrap();
                let r = Select::new().recv(&rx3, |m| m.is_ok()).wait();
                assert!(!r, "closed channel expected");
            }));
        }
        let tids: Vec<Option<String>> = (0..3).map(|_| tid_rx.recv().unwrap()).collect();
        // Let them block.
        std::thread::sleep(Duration::from_millis(100));
        let before: Vec<Option<u64>> = tids
            .iter()
            .map(|t| t.as_deref().and_then(thread_cpu_ticks))
            .collect();
        std::thread::sleep(Duration::from_millis(1000));
        let after: Vec<Option<u64>> = tids
            .iter()
            .map(|t| t.as_deref().and_then(thread_cpu_ticks))
            .collect();
        let names = ["recv_blocking", "send_blocking", "Select::wait"];
        // Clock ticks are 1/100 s on Linux (USER_HZ); 10 ticks = 0.1 s of CPU.
        for i in 0..3 {
            let (Some(b), Some(a)) = (before[i], after[i]) else {
                panic!("{}: cannot read the thread's CPU time from /proc", names[i]);
            };
            assert!(
                a - b <= 10,
                "{}: a blocked thread used {} ticks of CPU in 1 s: it spins",
                names[i],
                a - b
            );
        }
        tx.send_blocking(1).unwrap();
        assert_eq!(rx2.recv_blocking(), Ok(2));
        drop(_tx3);
        for h in hs {
            h.join().unwrap();
        }
    });
}

/// A waker whose last reference, when dropped, locks the channel that held it: as a
/// task that owns futures of that channel does when its last waker goes.
struct LocksOnDrop {
    rx: gochan::Receiver<u32>,
    woken: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl std::task::Wake for LocksOnDrop {
    fn wake(self: Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for LocksOnDrop {
    fn drop(&mut self) {
        // `Debug` reads the state under the lock: it would hang if the channel still
        // held its lock while dropping this waker.
        let _ = format!("{:?}", self.rx);
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// The channel holds the only clone of a waiting future's waker; completing the waiter
/// wakes and drops it. That drop may run any code, locking the channel included, so it
/// must come after the lock is released, for every verb that completes a waiter.
#[test]
fn a_woken_waker_is_dropped_outside_the_lock() {
    thread_timeout(20, || {
        for peer in ["try_send", "send", "try_recv", "recv"] {
            let (tx, rx) = bounded::<u32>(0);
            let woken = Arc::new(AtomicUsize::new(0));
            let dropped = Arc::new(AtomicUsize::new(0));
            let waker = std::task::Waker::from(Arc::new(LocksOnDrop {
                rx: rx.clone(),
                woken: woken.clone(),
                dropped: dropped.clone(),
            }));
            let waits_to_send = peer.ends_with("recv");
            let mut send = pin!(tx.send(7));
            let mut recv = pin!(rx.recv());
            // The waiting side registers the only other clone of the waker.
            if waits_to_send {
                assert!(poll_with(send.as_mut(), &waker).is_pending());
            } else {
                assert!(poll_with(recv.as_mut(), &waker).is_pending());
            }
            drop(waker);
            assert_eq!(
                dropped.load(Ordering::SeqCst),
                0,
                "{peer}: the queue holds it"
            );

            match peer {
                "try_send" => assert_eq!(tx.try_send(7), Ok(())),
                "send" => assert_eq!(poll_noop(send.as_mut()), Poll::Ready(Ok(()))),
                "try_recv" => assert_eq!(rx.try_recv(), Ok(7)),
                _ => assert_eq!(poll_noop(recv.as_mut()), Poll::Ready(Ok(7))),
            }
            assert_eq!(woken.load(Ordering::SeqCst), 1, "{peer}: woken once");
            assert_eq!(dropped.load(Ordering::SeqCst), 1, "{peer}: dropped once");
            // The woken side finds its operation done.
            if waits_to_send {
                assert_eq!(poll_noop(send.as_mut()), Poll::Ready(Ok(())));
            } else {
                assert_eq!(poll_noop(recv.as_mut()), Poll::Ready(Ok(7)));
            }
        }
    });
}
