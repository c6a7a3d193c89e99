#![cfg(not(loom))]
//! Rule 9 (Stream): `RecvStream` yields every value until the channel is closed and
//! drained, then `None` for good (`FusedStream`): Go's `for v := range ch`. `SendSink`
//! implements `Sink`; its `poll_close` flushes and closes the channel, so
//! `stream.forward(tx.into_sink())` ends the range.

mod common;

use std::pin::pin;
use std::task::Poll;

use common::*;
use futures::stream::{self, FusedStream};
use futures::{SinkExt, StreamExt};
use gochan::{bounded, unbounded, RecvError, SendError, TryRecvError};

#[test]
fn stream_yields_all_then_none_for_good() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(8);
        for i in 0..5 {
            tx.try_send(i).unwrap();
        }
        tx.close();
        let mut s = rx.stream();
        assert!(!s.is_terminated());
        let mut got = Vec::new();
        while let Some(v) = s.next().await {
            got.push(v);
        }
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
        assert!(s.is_terminated());
        for _ in 0..3 {
            assert_eq!(s.next().await, None);
        }
        assert!(s.is_terminated());
    });
}

#[test]
fn into_stream_collects_everything_from_a_thread() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u64>(0);
        let h = std::thread::spawn(move || {
            for i in 0..1000 {
                tx.send_blocking(i).unwrap();
            }
        });
        let got: Vec<u64> = rx.into_stream().collect().await;
        h.join().unwrap();
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    });
}

/// A fused stream that ended does not resume even if it could: once None, always None.
#[test]
fn terminated_stream_stays_terminated() {
    thread_timeout(SECS, || {
        let (tx, rx) = unbounded::<u32>();
        drop(tx);
        let mut s = rx.stream();
        let (c, w) = counting_waker();
        assert_eq!(
            poll_with(std::pin::Pin::new(&mut s.next()), &w),
            Poll::Ready(None)
        );
        assert!(s.is_terminated());
        assert_eq!(
            poll_noop(std::pin::Pin::new(&mut s.next())),
            Poll::Ready(None)
        );
        assert_eq!(c.count(), 0);
    });
}

/// Several streams on clones of one receiver share the values: each exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_on_clones_share_values_exactly_once() {
    with_timeout(SECS, async {
        let (tx, rx) = bounded::<u64>(2);
        let mut hs = Vec::new();
        for _ in 0..3 {
            let s = rx.clone().into_stream();
            hs.push(tokio::spawn(s.collect::<Vec<u64>>()));
        }
        drop(rx);
        for i in 0..3000 {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        let mut all = Vec::new();
        for h in hs {
            all.extend(h.await.unwrap());
        }
        assert_same_set(all, (0..3000).collect());
    })
    .await;
}

/// A stream dropped after it was handed a value gives the value back (rule 6).
#[test]
fn dropped_stream_gives_handed_value_back() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        {
            let mut s = rx.stream();
            let mut next = s.next();
            assert!(poll_noop(std::pin::Pin::new(&mut next)).is_pending());
            assert_eq!(
                tx.try_send(7),
                Ok(()),
                "a polled stream is a waiting receiver"
            );
        }
        assert_eq!(rx.try_recv(), Ok(7));
        let mut s = rx.stream();
        {
            let mut next = s.next();
            assert!(poll_noop(std::pin::Pin::new(&mut next)).is_pending());
            assert_eq!(tx.try_send(8), Ok(()));
            // The `next()` future is dropped; the stream itself lives on and yields it.
        }
        let mut next = s.next();
        assert_eq!(
            poll_noop(std::pin::Pin::new(&mut next)),
            Poll::Ready(Some(8))
        );
    });
}

/// `stream.forward(tx.into_sink())` sends everything and closes the channel, so the
/// receiving range ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_into_sink_ends_the_range() {
    with_timeout(SECS, async {
        for cap in [Some(0), Some(1), Some(16), None] {
            let (tx, rx) = match cap {
                Some(n) => bounded::<u32>(n),
                None => unbounded(),
            };
            let consumer = tokio::spawn(async move {
                let mut got = Vec::new();
                let mut s = rx.stream();
                while let Some(v) = s.next().await {
                    got.push(v);
                }
                assert_eq!(rx.recv().await, Err(RecvError));
                got
            });
            let tx_probe = tx.clone();
            stream::iter(0..500u32)
                .map(Ok)
                .forward(tx.into_sink())
                .await
                .unwrap();
            assert!(
                tx_probe.is_closed(),
                "cap {cap:?}: forward did not close the channel"
            );
            assert_eq!(
                consumer.await.unwrap(),
                (0..500).collect::<Vec<_>>(),
                "cap {cap:?}"
            );
        }
    })
    .await;
}

/// The borrowed sink: `send` feeds and flushes but does not close; `close` closes.
#[test]
fn borrowed_sink_send_and_close() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(4);
        let mut sink = tx.sink();
        sink.send(1).await.unwrap();
        sink.feed(2).await.unwrap();
        sink.flush().await.unwrap();
        assert!(!tx.is_closed(), "send/flush must not close the channel");
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        sink.send_all(&mut stream::iter(vec![Ok(3), Ok(4)]))
            .await
            .unwrap();
        assert!(!tx.is_closed());
        sink.close().await.unwrap();
        assert!(tx.is_closed());
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Ok(4));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// The sink on an unbuffered channel waits for a receiver for each value.
#[test]
fn sink_unbuffered_waits_for_receiver() {
    thread_timeout(SECS, || {
        let (tx, rx) = bounded::<u32>(0);
        let mut sink = tx.sink();
        let mut send = pin!(sink.send(5));
        assert!(poll_noop(send.as_mut()).is_pending());
        assert_eq!(rx.try_recv(), Ok(5));
        assert_eq!(poll_noop(send.as_mut()), Poll::Ready(Ok(())));
    });
}

/// The sink fails on a closed channel and hands the value back.
#[test]
fn sink_errors_on_closed() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<String>(1);
        tx.close();
        let mut sink = tx.sink();
        assert_eq!(
            sink.send("x".to_string()).await,
            Err(SendError("x".to_string()))
        );
        drop(rx);

        let (tx, rx) = bounded::<String>(0);
        drop(rx); // last receiver gone: closed for senders
        let mut sink = tx.into_sink();
        assert_eq!(
            sink.send("y".to_string()).await,
            Err(SendError("y".to_string()))
        );
    });
}

/// A sink waiting in flush (value pending, no receiver) fails when the channel closes.
#[test]
fn pending_sink_fails_on_close() {
    block_on_timeout(SECS, async {
        let (tx, rx) = bounded::<u32>(0);
        let mut sink = tx.clone().into_sink();
        let h = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            tx.close();
            rx
        });
        assert_eq!(sink.send(9).await, Err(SendError(9)));
        let rx = h.join().unwrap();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

/// A stream that owns the last receiver, dropped after it was handed a value: the value
/// is dropped exactly once (with the channel, as nobody can receive it any more) and a
/// pending sender fails with its value back.
#[test]
fn dropped_owning_stream_with_handed_value() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    thread_timeout(SECS, || {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = bounded::<DropCounter>(0);
        let mut s = rx.into_stream();
        {
            let mut next = s.next();
            assert!(poll_noop(std::pin::Pin::new(&mut next)).is_pending());
        }
        tx.try_send(DropCounter::new(1, &drops)).ok().unwrap();
        let mut pending = Box::pin(tx.send(DropCounter::new(2, &drops)));
        assert!(poll_noop(pending.as_mut()).is_pending());
        drop(s);
        assert!(tx.is_closed(), "the last receiver is gone");
        match poll_noop(pending.as_mut()) {
            Poll::Ready(Err(SendError(v))) => assert_eq!(v.id, 2),
            other => panic!("pending send should fail with its value, got {other:?}"),
        }
        drop(pending);
        drop(tx);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            2,
            "values leaked or dropped twice"
        );
    });
}
