#![cfg(not(loom))]
//! No public call panics on odd input: extreme capacities, double close, sends on a
//! closed channel, `recv_many` edge cases; plus the introspection methods and the error
//! types' traits.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::*;
use gochan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};

#[test]
fn bounded_zero_is_fine() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<()>(0);
        assert_eq!(tx.try_send(()), Err(TrySendError::Full(())));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// A huge capacity must not reserve memory up front: making it and using it is cheap.
#[test]
fn bounded_usize_max_is_usable() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u64>(usize::MAX);
        assert_eq!(tx.capacity(), Some(usize::MAX));
        assert!(!tx.is_full());
        for i in 0..100 {
            tx.try_send(i).unwrap();
        }
        assert_eq!(rx.len(), 100);
        for i in 0..100 {
            assert_eq!(rx.try_recv(), Ok(i));
        }
        // Many such channels at once would exhaust memory if each reserved its capacity.
        let many: Vec<_> = (0..1000)
            .map(|_| bounded::<[u8; 1024]>(usize::MAX / 2))
            .collect();
        assert_eq!(many.len(), 1000);
        let (tx, rx) = bounded::<[u8; 4096]>(1 << 40);
        tx.try_send([7; 4096]).unwrap();
        assert_eq!(rx.try_recv().unwrap()[4095], 7);
    });
}

#[test]
fn zero_sized_values() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<()>(3);
        for _ in 0..3 {
            tx.try_send(()).unwrap();
        }
        assert!(tx.is_full());
        assert_eq!(rx.len(), 3);
        let (tx, rx) = unbounded::<()>();
        for _ in 0..10_000 {
            tx.try_send(()).unwrap();
        }
        assert_eq!(rx.len(), 10_000);
    });
}

#[test]
fn double_close_and_sends_on_closed() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<Vec<u8>>(1);
        assert!(tx.close());
        assert!(!tx.close());
        assert!(!tx.close());
        assert_eq!(tx.try_send(vec![1]), Err(TrySendError::Closed(vec![1])));
        assert_eq!(tx.send_blocking(vec![2]), Err(SendError(vec![2])));
        let mut s = pin!(tx.send(vec![3]));
        assert_eq!(poll_noop(s.as_mut()), Poll::Ready(Err(SendError(vec![3]))));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(rx.recv_blocking(), Err(RecvError));
    });
}

#[test]
fn recv_many_limit_zero_returns_zero() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(4);
        tx.try_send(1).unwrap();
        let mut buf = vec![100];
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(buf, vec![100]);
        // The value is still there.
        assert_eq!(rx.try_recv(), Ok(1));
        // limit 0 on an empty open channel returns at once instead of waiting.
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
    });
}

#[test]
fn recv_many_appends_up_to_limit() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(10);
        for i in 0..7 {
            tx.try_send(i).unwrap();
        }
        let mut buf = vec![99];
        let n = rx.recv_many(&mut buf, 5).await;
        assert!((1..=5).contains(&n), "recv_many returned {n}");
        assert_eq!(buf.len(), 1 + n);
        assert_eq!(buf[0], 99, "recv_many must append, not overwrite");
        let mut expected: Vec<u32> = vec![99];
        expected.extend(0..n as u32);
        assert_eq!(buf, expected);
        // Drain the rest; total exactly the 7 values in order.
        let mut rest = Vec::new();
        while rest.len() + n < 7 {
            let m = rx.recv_many(&mut rest, 100).await;
            assert!(m >= 1);
        }
        let mut all = buf[1..].to_vec();
        all.extend(rest);
        assert_eq!(all, (0..7).collect::<Vec<_>>());
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn recv_many_zero_only_when_closed_and_drained() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(3);
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        tx.close();
        let mut buf = Vec::new();
        let mut total = 0;
        loop {
            let n = rx.recv_many(&mut buf, 10).await;
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, 2);
        assert_eq!(buf, vec![1, 2]);
        assert_eq!(rx.recv_many(&mut buf, 10).await, 0);
        assert_eq!(buf, vec![1, 2]);
    });
}

/// recv_many waits for the first value, then returns what it has.
#[test]
fn recv_many_waits_for_first_value() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut buf = Vec::new();
        {
            let mut fut = Box::pin(rx.recv_many(&mut buf, 4));
            assert!(poll_noop(fut.as_mut()).is_pending());
            assert!(poll_noop(fut.as_mut()).is_pending());
            // A waiting recv_many is a waiting receiver.
            assert_eq!(tx.try_send(5), Ok(()));
            match poll_noop(fut.as_mut()) {
                Poll::Ready(n) => assert_eq!(n, 1),
                Poll::Pending => panic!("recv_many did not complete after a value arrived"),
            }
        }
        assert_eq!(buf, vec![5]);
    });
}

/// recv_many with a thread sending: every value exactly once across calls.
#[test]
fn recv_many_with_concurrent_sender() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u64>(8);
        let h = std::thread::spawn(move || {
            for i in 0..5000 {
                tx.send_blocking(i).unwrap();
            }
        });
        let mut buf = Vec::new();
        loop {
            let before = buf.len();
            let n = rx.recv_many(&mut buf, 64).await;
            assert!(n <= 64);
            assert_eq!(buf.len(), before + n);
            if n == 0 {
                break;
            }
        }
        h.join().unwrap();
        assert_eq!(buf, (0..5000).collect::<Vec<_>>());
    });
}

#[test]
fn introspection_on_both_ends() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u8>(2);
        assert_eq!(tx.capacity(), Some(2));
        assert_eq!(rx.capacity(), Some(2));
        assert!(tx.is_empty() && rx.is_empty());
        tx.try_send(1).unwrap();
        assert_eq!((tx.len(), rx.len()), (1, 1));
        assert!(!tx.is_empty() && !rx.is_empty());
        assert!(!tx.is_full() && !rx.is_full());
        tx.try_send(2).unwrap();
        assert!(tx.is_full() && rx.is_full());

        let (utx, urx) = unbounded::<u8>();
        assert_eq!(utx.capacity(), None);
        assert_eq!(urx.capacity(), None);
        assert!(!utx.is_full() && !urx.is_full());

        assert!(tx.same_channel(&tx.clone()));
        assert!(rx.same_channel(&rx.clone()));
        assert!(!tx.same_channel(&utx));
        assert!(!rx.same_channel(&urx));
        let (tx2, _rx2) = bounded::<u8>(2);
        assert!(!tx.same_channel(&tx2));
    });
}

#[test]
fn debug_output_non_empty() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u8>(2);
        assert!(!format!("{tx:?}").is_empty());
        assert!(!format!("{rx:?}").is_empty());
        let (tx, rx) = unbounded::<String>();
        assert!(!format!("{tx:?}").is_empty());
        assert!(!format!("{rx:?}").is_empty());
        // Debug works for values that are not Debug themselves.
        struct Opaque;
        let (tx, rx) = bounded::<Opaque>(1);
        tx.try_send(Opaque).ok();
        assert!(!format!("{tx:?}").is_empty());
        assert!(!format!("{rx:?}").is_empty());
    });
}

#[test]
fn error_types_traits() {
    thread_timeout(SECS, || {
        fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}

        let e = SendError(5u32);
        is_error(&e);
        assert!(!e.to_string().is_empty());
        assert!(!format!("{e:?}").is_empty());
        assert_eq!(e, SendError(5));
        assert_ne!(e, SendError(6));
        assert_eq!(e.0, 5);

        let full = TrySendError::Full(1u32);
        let closed = TrySendError::Closed(1u32);
        is_error(&full);
        assert!(!full.to_string().is_empty());
        assert!(!closed.to_string().is_empty());
        assert_ne!(
            full.to_string(),
            closed.to_string(),
            "Full and Closed read the same"
        );
        assert_ne!(full, closed);
        assert!(!format!("{full:?}").is_empty());
        assert_eq!(full.into_inner(), 1);
        assert_eq!(closed.into_inner(), 1);

        let r = RecvError;
        is_error(&r);
        assert!(!r.to_string().is_empty());
        assert_eq!(r, RecvError);
        assert!(!format!("{r:?}").is_empty());

        let empty = TryRecvError::Empty;
        let tclosed = TryRecvError::Closed;
        is_error(&empty);
        assert!(!empty.to_string().is_empty());
        assert_ne!(empty.to_string(), tclosed.to_string());
        assert_ne!(empty, tclosed);
        assert!(!format!("{tclosed:?}").is_empty());

        // Errors box into `dyn Error` and work with `?`.
        fn boxed() -> Result<(), Box<dyn std::error::Error>> {
            let (tx, _rx) = bounded::<u32>(0);
            tx.try_send(1)?;
            Ok(())
        }
        assert!(boxed().is_err());
        // Display and Debug do not require T: Display.
        struct NoDisplay;
        let e = SendError(NoDisplay);
        assert!(!e.to_string().is_empty());
        let e = TrySendError::Full(NoDisplay);
        assert!(!e.to_string().is_empty());
    });
}

#[test]
fn handles_outlive_each_other_in_any_order() {
    thread_timeout(SECS, || {
        for order in 0..4 {
            let (tx, rx) = bounded::<String>(2);
            tx.try_send("a".into()).unwrap();
            let tx2 = tx.clone();
            let rx2 = rx.clone();
            match order {
                0 => {
                    drop(tx);
                    drop(rx);
                    drop(tx2);
                    drop(rx2);
                }
                1 => {
                    drop(rx2);
                    drop(rx);
                    assert!(tx2.is_closed());
                    drop(tx2);
                    drop(tx);
                }
                2 => {
                    drop(tx2);
                    drop(tx);
                    assert_eq!(rx.try_recv(), Ok("a".to_string()));
                    assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
                }
                _ => {
                    let s = rx2.into_stream();
                    let k = tx2.into_sink();
                    drop(rx);
                    drop(tx);
                    drop(k);
                    drop(s);
                }
            }
        }
    });
}

#[test]
fn try_send_and_try_recv_interleaved_never_panic() {
    thread_timeout(SECS, || {
        let mut rng = Rng::new(7);
        for cap in [0usize, 1, 3] {
            let (tx, rx) = bounded::<u64>(cap);
            let mut model: std::collections::VecDeque<u64> = Default::default();
            for i in 0..2000u64 {
                match rng.below(3) {
                    0 => match tx.try_send(i) {
                        Ok(()) => model.push_back(i),
                        Err(TrySendError::Full(v)) => {
                            assert_eq!(v, i);
                            assert_eq!(model.len(), cap);
                        }
                        Err(TrySendError::Closed(_)) => panic!("not closed"),
                    },
                    _ => match rx.try_recv() {
                        Ok(v) => assert_eq!(Some(v), model.pop_front()),
                        Err(TryRecvError::Empty) => assert!(model.is_empty()),
                        Err(TryRecvError::Closed) => panic!("not closed"),
                    },
                }
                assert_eq!(rx.len(), model.len());
            }
        }
    });
}

/// The non-blocking calls and the observers see every operation that happened before
/// them on another thread: after a thread's try_send returned Ok and it told us so,
/// try_recv, len, is_empty and a select with default find the value; after we freed
/// the slot and told the thread, its try_send succeeds; after a close, is_closed is
/// true everywhere.
#[test]
fn non_blocking_calls_see_completed_operations_across_threads() {
    thread_timeout(SECS, || {
        use std::sync::mpsc;
        const ROUNDS: u32 = 3000;
        let (tx, rx) = bounded::<u32>(1);
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (sent_tx, sent_rx) = mpsc::channel::<u32>();
        let sender = std::thread::spawn(move || {
            for i in 0..ROUNDS {
                go_rx.recv().unwrap();
                assert_eq!(tx.try_send(i), Ok(()), "round {i}: slot freed but Full");
                sent_tx.send(i).unwrap();
            }
            go_rx.recv().unwrap();
            assert!(tx.close());
            sent_tx.send(u32::MAX).unwrap();
        });
        for i in 0..ROUNDS {
            go_tx.send(()).unwrap();
            assert_eq!(sent_rx.recv().unwrap(), i);
            assert_eq!(rx.len(), 1, "round {i}: len misses a completed send");
            assert!(!rx.is_empty());
            assert!(rx.is_full());
            let got = match i % 3 {
                0 => rx.try_recv().ok(),
                1 => gochan::Select::new()
                    .recv(&rx, |m| m.ok())
                    .default(|| None)
                    .wait(),
                _ => futures::executor::block_on(async {
                    gochan::select! {
                        recv(&rx) -> m => m.ok(),
                        default => None,
                    }
                }),
            };
            assert_eq!(got, Some(i), "round {i}: value sent but not seen");
            assert_eq!(rx.len(), 0);
        }
        go_tx.send(()).unwrap();
        assert_eq!(sent_rx.recv().unwrap(), u32::MAX);
        assert!(rx.is_closed(), "close on another thread not seen");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        sender.join().unwrap();
    });
}

/// A value whose `Drop` uses the channel it travels on (here: formats a handle of it,
/// which inspects the channel). The crate must never drop a value while it holds the
/// channel's lock, or this deadlocks (or panics) instead of running.
struct UsesChannel {
    probe: gochan::Sender<UsesChannel>,
    drops: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for UsesChannel {
    fn drop(&mut self) {
        let shown = format!("{:?}", self.probe);
        assert!(!shown.is_empty());
        let _ = self.probe.is_closed();
        let _ = self.probe.len();
        self.drops.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn values_dropped_outside_the_lock() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let value = |tx: &gochan::Sender<UsesChannel>| UsesChannel {
            probe: tx.clone(),
            drops: drops.clone(),
        };

        // 1. Buffered values dropped when the last receiver goes.
        let (tx, rx) = bounded::<UsesChannel>(2);
        tx.try_send(value(&tx)).ok().unwrap();
        tx.try_send(value(&tx)).ok().unwrap();
        drop(rx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "buffered values not dropped"
        );

        // 2. A pending send future dropped with its value.
        let (tx, _rx) = bounded::<UsesChannel>(0);
        {
            let mut s = Box::pin(tx.send(value(&tx)));
            assert!(poll_noop(s.as_mut()).is_pending());
        }
        assert_eq!(drops.load(Ordering::SeqCst), 3);

        // 3. Unchosen select send values.
        let (tx, rx) = bounded::<UsesChannel>(1);
        let (tx2, rx2) = bounded::<UsesChannel>(1);
        futures::executor::block_on(async {
            gochan::select! {
                send(&tx, value(&tx)) -> r => assert!(r.is_ok()),
                send(&tx2, value(&tx2)) -> r => assert!(r.is_ok()),
            }
        });
        assert_eq!(
            drops.load(Ordering::SeqCst),
            4,
            "unchosen value not dropped"
        );
        let (tx3, rx3) = bounded::<UsesChannel>(0);
        let r = gochan::Select::new()
            .send(&tx3, value(&tx3), |r| r.is_ok())
            .default(|| false)
            .wait();
        assert!(!r);
        assert_eq!(drops.load(Ordering::SeqCst), 5);

        // 4. A waiting select's send value, withdrawn when another case wins.
        let (tx4, rx4) = bounded::<u8>(0);
        {
            let mut sel = Box::pin(async {
                gochan::select! {
                    send(&tx3, value(&tx3)) -> _r => 0u8,
                    recv(&rx4) -> m => m.unwrap(),
                }
            });
            assert!(poll_noop(sel.as_mut()).is_pending());
            assert_eq!(tx4.try_send(7), Ok(()));
            assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(7));
        }
        assert_eq!(drops.load(Ordering::SeqCst), 6);

        // 5. The value the select sent sits in one of its two channels and holds a
        //    sender of it: drain both to break the cycle.
        while let Ok(v) = rx.try_recv() {
            drop(v);
        }
        while let Ok(v) = rx2.try_recv() {
            drop(v);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 7);
        drop((tx, tx2, tx3, rx3, tx4));
    });
}

/// A waker whose `clone` panics, as a buggy executor's might.
fn waker_that_panics_on_clone() -> std::task::Waker {
    use std::task::{RawWaker, RawWakerVTable, Waker};
    fn clone(_: *const ()) -> RawWaker {
        panic!("this waker cannot be cloned");
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: RawWaker's contract is kept: no function of the vtable reads the data
    // pointer (null) or owns anything through it, and `clone` never returns.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// A send that must wait clones the task's waker with the channel locked. If that
/// clone panics, the value is still the future's, and is dropped with it after the
/// lock is released (its `Drop` inspects the channel, which would hang if the lock
/// were still held), and the channel is left as it was.
#[test]
fn a_panicking_waker_clone_drops_the_value_outside_the_lock() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<UsesChannel>(0);
        let value = UsesChannel {
            probe: tx.clone(),
            drops: drops.clone(),
        };
        let waker = waker_that_panics_on_clone();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut send = pin!(tx.send(value));
            let _ = poll_with(send.as_mut(), &waker);
        }));
        assert!(outcome.is_err(), "the waker's clone did not panic");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the value was not dropped once"
        );
        let shown = format!("{rx:?}");
        assert!(shown.contains("waiting_senders: 0"), "{shown}");
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    });
}

/// A value that cannot be moved once pinned is still only moved while unpinned: the
/// channel owns it by value, so `!Unpin` payloads work in every call and the futures
/// only need pinning as any future does.
#[test]
fn values_that_are_not_unpin() {
    use std::marker::PhantomPinned;
    #[derive(Debug)]
    struct Pinned(u32, PhantomPinned);
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<Pinned>(0);
        let (sent, got) = futures::join!(tx.send(Pinned(1, PhantomPinned)), rx.recv());
        assert!(sent.is_ok());
        assert_eq!(got.unwrap().0, 1);
        let (tx2, rx2) = bounded::<Pinned>(1);
        let chosen = gochan::select! {
            send(&tx2, Pinned(2, PhantomPinned)) -> r => r.is_ok(),
            recv(&rx) -> _ => false,
        };
        assert!(chosen);
        assert_eq!(rx2.recv().await.unwrap().0, 2);
        drop(tx2);
        assert!(rx2.recv().await.is_err());
    });
}

/// Handles are `Send + Sync` when `T: Send`: a payload that is not `Sync` crosses
/// threads by value, one owner at a time, as in Go. A payload that is not even `Send`
/// works on one thread.
#[test]
fn values_that_are_not_sync_or_not_send() {
    use std::cell::Cell;
    use std::rc::Rc;
    fn send_and_sync<X: Send + Sync>(_: &X) {}
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<Cell<u32>>(1);
        send_and_sync(&tx);
        send_and_sync(&rx);
        let producer = std::thread::spawn(move || {
            for i in 0..100 {
                tx.send_blocking(Cell::new(i)).unwrap();
            }
        });
        let got: Vec<u32> = rx.iter().map(Cell::into_inner).collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        producer.join().unwrap();

        let (tx, rx) = unbounded::<Rc<u32>>();
        let shared = Rc::new(5);
        tx.try_send(shared.clone()).unwrap();
        let back = futures::executor::block_on(rx.recv()).unwrap();
        assert!(Rc::ptr_eq(&shared, &back));
    });
}

/// A blocking call inside an async task works on a multi-threaded runtime (it blocks
/// that worker while it waits; the crate docs say to use `spawn_blocking` instead), and
/// leaves the channel as the futures expect it.
#[test]
fn blocking_calls_inside_a_multi_thread_task() {
    tokio_timeout(SECS, 2, async {
        let (tx, rx) = bounded::<u32>(0);
        let receiver = tokio::spawn(async move {
            let mut sum = 0;
            while let Ok(v) = rx.recv_blocking() {
                sum += v;
            }
            sum
        });
        for i in 1..=50 {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        assert_eq!(receiver.await.unwrap(), (1..=50).sum::<u32>());
    });
}
