#![cfg(not(loom))]
//! What a panic leaves behind. User code runs inside gochan's calls in three places: a
//! waker's `wake`, a value's `Drop`, and a select's bodies and mapping closures. When
//! any of them panics, the operation that ran it has either taken effect or not, the
//! panic unwinds out of the call that ran the code, and the channel stays usable by
//! every other handle: nothing is lost, duplicated or dropped twice, and no waiter is
//! left unwoken.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use common::*;
use gochan::{bounded, unbounded, RecvError, SendError, TryRecvError, TrySendError};

/// A waker whose `wake` panics, as a broken executor's might.
struct PanickingWake;

impl Wake for PanickingWake {
    fn wake(self: Arc<Self>) {
        panic!("this waker panics when woken");
    }
}

fn panicking_waker() -> Waker {
    Waker::from(Arc::new(PanickingWake))
}

/// A value that counts its drops, and panics in `Drop` when armed.
#[derive(Debug)]
struct Bomb {
    id: u32,
    armed: bool,
    drops: Arc<AtomicUsize>,
}

impl Bomb {
    fn new(id: u32, armed: bool, drops: &Arc<AtomicUsize>) -> Self {
        Bomb {
            id,
            armed,
            drops: drops.clone(),
        }
    }
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if self.armed {
            panic!("value {} panics when dropped", self.id);
        }
    }
}

fn panics<R>(f: impl FnOnce() -> R) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

fn drops() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[test]
fn a_waker_that_panics_on_wake_finds_the_hand_off_done() {
    thread_timeout(SECS, || {
        let dropped = drops();
        let (tx, rx) = bounded::<Bomb>(0);
        let bad = panicking_waker();
        let mut recv = pin!(rx.recv());
        assert!(poll_with(recv.as_mut(), &bad).is_pending());

        // The send hands the value over, then wakes the receiver: the panic unwinds
        // out of the send, which has taken effect.
        assert!(panics(|| tx.try_send(Bomb::new(1, false, &dropped))));
        match poll_noop(recv.as_mut()) {
            Poll::Ready(Ok(v)) => assert_eq!(v.id, 1),
            other => panic!("the handed value is not there: {other:?}"),
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 1);

        // The channel works for everyone afterwards.
        let (got, sent) = futures::executor::block_on(async {
            futures::join!(rx.recv(), tx.send(Bomb::new(2, false, &dropped)))
        });
        assert_eq!((got.map(|v| v.id), sent.is_ok()), (Ok(2), true));
        assert_eq!(dropped.load(Ordering::SeqCst), 2);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    });
}

#[test]
fn a_receive_woken_by_a_panicking_waker_and_dropped_gives_the_value_back() {
    thread_timeout(SECS, || {
        for cap in [0, 1] {
            let (tx, rx) = bounded::<u32>(cap);
            {
                let mut recv = pin!(rx.recv());
                assert!(poll_with(recv.as_mut(), &panicking_waker()).is_pending());
                assert!(panics(|| tx.try_send(7)));
            } // dropped without being polled again
            assert_eq!(rx.try_recv(), Ok(7), "capacity {cap}");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(
                tx.try_send(8),
                if cap == 0 {
                    Err(TrySendError::Full(8))
                } else {
                    Ok(())
                }
            );
        }
    });
}

#[test]
fn a_send_waker_that_panics_leaves_the_value_received_once() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(1);
        tx.try_send(1).unwrap();
        let mut send = pin!(tx.send(2));
        assert!(poll_with(send.as_mut(), &panicking_waker()).is_pending());
        // The receive takes 1 and moves 2 into the freed slot, then wakes the sender:
        // the panic unwinds out of the receive after it took effect, dropping 1.
        assert!(panics(|| rx.try_recv()));
        assert_eq!(poll_noop(send.as_mut()), Poll::Ready(Ok(())));
        let mut rest = Vec::new();
        while let Ok(v) = rx.try_recv() {
            rest.push(v);
        }
        assert_eq!(rest, [2]);
    });
}

#[test]
fn close_wakes_every_waiter_even_when_one_waker_panics() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let (first, first_waker) = counting_waker();
        let (last, last_waker) = counting_waker();
        let (closed_seen, closed_waker) = counting_waker();
        let mut a = pin!(rx.recv());
        let mut b = pin!(rx.recv());
        let mut c = pin!(rx.recv());
        let mut closed = pin!(tx.closed());
        assert!(poll_with(a.as_mut(), &first_waker).is_pending());
        assert!(poll_with(b.as_mut(), &panicking_waker()).is_pending());
        assert!(poll_with(c.as_mut(), &last_waker).is_pending());
        assert!(poll_with(closed.as_mut(), &closed_waker).is_pending());

        assert!(panics(|| tx.close()), "the panic is not hidden");
        assert_eq!(
            (first.count(), last.count(), closed_seen.count()),
            (1, 1, 1),
            "a waiter after the panicking one was stranded"
        );
        assert!(tx.is_closed() && rx.is_closed());
        assert!(!tx.close(), "closed once, by the call that panicked");
        for fut in [a, b, c] {
            assert_eq!(poll_noop(fut), Poll::Ready(Err(RecvError)));
        }
        assert_eq!(poll_noop(closed.as_mut()), Poll::Ready(()));
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
    });
}

#[test]
fn the_last_receiver_leaving_drops_its_values_even_when_a_waker_panics() {
    thread_timeout(SECS, || {
        let dropped = drops();
        let (tx, rx) = bounded::<Bomb>(1);
        tx.try_send(Bomb::new(1, false, &dropped)).unwrap();
        let mut send = pin!(tx.send(Bomb::new(2, false, &dropped)));
        assert!(poll_with(send.as_mut(), &panicking_waker()).is_pending());

        assert!(panics(move || drop(rx)));
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "the buffered value");
        match poll_noop(send.as_mut()) {
            Poll::Ready(Err(SendError(v))) => assert_eq!(v.id, 2),
            other => panic!("the waiting send did not get its value back: {other:?}"),
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 2);
        assert!(tx.is_closed());
    });
}

#[test]
fn a_value_whose_drop_panics_does_not_keep_the_others_alive() {
    thread_timeout(SECS, || {
        let dropped = drops();
        let (tx, rx) = unbounded::<Bomb>();
        for (id, armed) in [(1, false), (2, true), (3, false)] {
            tx.try_send(Bomb::new(id, armed, &dropped)).unwrap();
        }
        assert!(panics(move || drop(rx)));
        assert_eq!(dropped.load(Ordering::SeqCst), 3, "each value dropped once");
        assert!(tx.is_closed());
        match tx.try_send(Bomb::new(4, false, &dropped)) {
            Err(TrySendError::Closed(v)) => assert_eq!(v.id, 4),
            other => panic!("{other:?}"),
        }
        assert_eq!(dropped.load(Ordering::SeqCst), 4);
    });
}

#[test]
fn a_dropped_send_whose_value_panics_leaves_no_waiter_behind() {
    thread_timeout(SECS, || {
        let dropped = drops();
        let (tx, rx) = bounded::<Bomb>(0);
        assert!(panics(|| {
            let mut send = Box::pin(tx.send(Bomb::new(1, true, &dropped)));
            assert!(poll_noop(send.as_mut()).is_pending());
            drop(send);
        }));
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        assert!(format!("{rx:?}").contains("waiting_senders: 0"), "{rx:?}");
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));

        let (got, sent) = futures::executor::block_on(async {
            futures::join!(rx.recv(), tx.send(Bomb::new(2, false, &dropped)))
        });
        assert_eq!((got.map(|v| v.id), sent.is_ok()), (Ok(2), true));
        assert_eq!(dropped.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn an_unchosen_send_case_whose_value_panics_leaves_the_chosen_case_done() {
    thread_timeout(SECS, || {
        let dropped = drops();
        let (a_tx, a_rx) = bounded::<Bomb>(0); // nobody receives: never chosen
        let (b_tx, b_rx) = bounded::<u32>(1);
        b_tx.try_send(9).unwrap();
        let panicked = panics(|| {
            futures::executor::block_on(async {
                gochan::select! {
                    send(&a_tx, Bomb::new(1, true, &dropped)) -> _ => unreachable!(),
                    recv(&b_rx) -> v => assert_eq!(v, Ok(9)),
                }
            })
        });
        assert!(panicked, "the unchosen value's drop did not panic");
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
        // Exactly the receive took effect: 9 is gone, nothing reached `a`.
        assert_eq!(b_rx.try_recv(), Err(TryRecvError::Empty));
        assert!(matches!(a_rx.try_recv(), Err(TryRecvError::Empty)));
        assert!(
            format!("{a_rx:?}").contains("waiting_senders: 0"),
            "{a_rx:?}"
        );
        b_tx.try_send(10).unwrap();
        assert_eq!(b_rx.try_recv(), Ok(10));
    });
}

#[test]
fn a_select_body_that_panics_leaves_exactly_its_case_done() {
    thread_timeout(SECS, || {
        let (a_tx, a_rx) = bounded::<u32>(1);
        let (b_tx, b_rx) = bounded::<u32>(1);
        a_tx.try_send(1).unwrap();
        let panicked = panics(|| {
            futures::executor::block_on(async {
                gochan::select! {
                    recv(&a_rx) -> _v => panic!("a body that panics"),
                    recv(&b_rx) -> _v => unreachable!("b is empty"),
                }
            })
        });
        assert!(panicked);
        assert_eq!(
            a_rx.try_recv(),
            Err(TryRecvError::Empty),
            "1 was received once"
        );

        // The dynamic select's mapping closure, blocking and awaited.
        a_tx.try_send(2).unwrap();
        b_tx.try_send(3).unwrap();
        let panicked = panics(|| {
            gochan::Select::new()
                .biased()
                .recv(&a_rx, |_| -> u32 { panic!("a closure that panics") })
                .recv(&b_rx, |v| v.unwrap())
                .wait()
        });
        assert!(panicked);
        assert_eq!(
            a_rx.try_recv(),
            Err(TryRecvError::Empty),
            "2 was received once"
        );
        let panicked = panics(|| {
            futures::executor::block_on(
                gochan::Select::new()
                    .send(&a_tx, 4, |_| -> u32 {
                        panic!("a send's closure that panics")
                    })
                    .default(|| 0),
            )
        });
        assert!(panicked);
        assert_eq!(a_rx.try_recv(), Ok(4), "the send took effect once");

        // Both channels still serve a select.
        let got = gochan::Select::new()
            .recv(&a_rx, |v| v.unwrap())
            .recv(&b_rx, |v| v.unwrap())
            .wait();
        assert_eq!(got, 3);
        assert_eq!(b_rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn a_panicking_waker_in_a_waiting_select_finds_its_case_done() {
    thread_timeout(SECS, || {
        let (a_tx, a_rx) = bounded::<u32>(0);
        let (b_tx, b_rx) = bounded::<u32>(0);
        let mut sel = pin!(gochan::Select::new()
            .recv(&a_rx, |v| ('a', v))
            .recv(&b_rx, |v| ('b', v)));
        assert!(poll_with(sel.as_mut(), &panicking_waker()).is_pending());
        assert!(panics(|| a_tx.try_send(1)));
        // The select won `a`; `b` stays free for others.
        assert_eq!(b_tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(poll_noop(sel.as_mut()), Poll::Ready(('a', Ok(1))));
    });
}
