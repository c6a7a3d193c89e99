//! The two ends of a channel and the functions that make them.

use std::fmt;
use std::pin::pin;
use std::time::{Duration, Instant};

use crate::blocking::{block_on, block_on_until};
use crate::chan::Chan;
use crate::error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::future::{ClosedFuture, RecvFuture, SendFuture};
use crate::iter::{Iter, TryIter};
use crate::stream::{RecvStream, SendSink};
use crate::sync::{Arc, Ordering};

/// Makes a channel whose buffer holds `cap` values: Go's `make(chan T, cap)`.
///
/// `bounded(0)` is Go's unbuffered channel, a rendezvous: a send completes only when a
/// receiver takes the value. The buffer grows as it fills, so even `bounded(usize::MAX)`
/// reserves nothing up front.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gochan::bounded(1);
/// tx.send("ping").await.unwrap(); // fits in the buffer: completes at once
/// assert!(tx.try_send("pong").is_err()); // the buffer is full
/// assert_eq!(rx.recv().await, Ok("ping"));
/// # });
/// ```
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    make(Some(cap))
}

/// Makes a channel whose buffer grows without limit, so sends never wait.
///
/// Go has no such channel; it is the natural choice when the producer must never block
/// and memory is the only limit.
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// for i in 0..1000 {
///     tx.try_send(i).unwrap(); // never `Full`
/// }
/// assert_eq!(rx.len(), 1000);
/// assert_eq!(rx.capacity(), None);
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    make(None)
}

fn make<T>(cap: Option<usize>) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending end of a channel: Go's `chan<- T`.
///
/// Clone it to send from several tasks; the channel closes when the last clone is
/// dropped (or when [`close`](Sender::close) is called).
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// let workers: Vec<_> = (0..3)
///     .map(|i| {
///         let tx = tx.clone();
///         std::thread::spawn(move || tx.send_blocking(i).unwrap())
///     })
///     .collect();
/// drop(tx); // the clones keep the channel open until each thread is done
/// let mut got: Vec<i32> = std::iter::from_fn(|| rx.recv_blocking().ok()).collect();
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// # for w in workers { w.join().unwrap(); }
/// ```
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

/// The receiving end of a channel: Go's `<-chan T`.
///
/// Clone it to receive from several tasks; each value goes to exactly one of them.
/// When the last clone is dropped, the channel closes for senders: every pending and
/// later send fails and hands its value back.
///
/// ```
/// let (tx, rx) = gochan::bounded(4);
/// let rx2 = rx.clone();
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// // Each value goes to exactly one receiver.
/// assert_eq!((rx.try_recv(), rx2.try_recv()), (Ok(1), Ok(2)));
/// drop((rx, rx2));
/// assert!(tx.try_send(3).is_err()); // nobody can receive it any more
/// ```
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for room in the buffer or, at capacity 0, for a receiver
    /// to take it: Go's `ch <- value`.
    ///
    /// Fails with the value handed back if the channel is closed, before or while
    /// waiting. See [`SendFuture`] for what a dropped send does.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded(0);
    /// let (sent, got) = futures::join!(tx.send(7), rx.recv());
    /// assert_eq!((sent, got), (Ok(()), Ok(7)));
    /// # });
    /// ```
    pub fn send(&self, value: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.chan, value)
    }

    /// Sends `value` if that needs no waiting: Go's `select` with a send case and
    /// `default`.
    ///
    /// ```
    /// use gochan::TrySendError;
    /// let (tx, rx) = gochan::bounded(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.try_send(value)
    }

    /// Sends `value`, parking the current thread while it waits. Don't call it from
    /// async code: it blocks the executor's thread.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// let receiver = std::thread::spawn(move || rx.recv_blocking());
    /// tx.send_blocking("over the rendezvous").unwrap();
    /// assert_eq!(receiver.join().unwrap(), Ok("over the rendezvous"));
    /// ```
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        // Most calls need no waiting: skip the parker's thread-local set-up for them.
        match self.chan.try_send(value) {
            Ok(()) => Ok(()),
            Err(TrySendError::Closed(value)) => Err(SendError(value)),
            Err(TrySendError::Full(value)) => block_on(self.send(value)),
        }
    }

    /// Sends `value`, parking the current thread for at most `timeout`: crossbeam's and
    /// std's `send_timeout`, Go's `select` with a send case and `case <-time.After(d)`.
    ///
    /// On [`SendTimeoutError::Timeout`] the value is handed back and no receiver has it
    /// or ever will; `Ok(())` means one took it, even if that happened just as the time
    /// ran out. A `timeout` too large to add to the clock waits forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::SendTimeoutError;
    /// let (tx, rx) = gochan::bounded(1);
    /// assert_eq!(tx.send_timeout(1, Duration::from_millis(10)), Ok(())); // room
    /// assert_eq!(
    ///     tx.send_timeout(2, Duration::from_millis(10)),
    ///     Err(SendTimeoutError::Timeout(2)) // full, and nobody receives
    /// );
    /// assert_eq!(rx.recv_blocking(), Ok(1));
    /// ```
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.send_deadline(value, deadline),
            None => self.send_blocking(value).map_err(SendTimeoutError::from),
        }
    }

    /// Sends `value`, parking the current thread until `deadline` at the latest; see
    /// [`send_timeout`](Self::send_timeout). A deadline already past still sends if
    /// that needs no waiting.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gochan::bounded(0);
    /// let receiver = std::thread::spawn(move || rx.recv_blocking());
    /// let deadline = Instant::now() + Duration::from_secs(10);
    /// assert_eq!(tx.send_deadline("on time", deadline), Ok(()));
    /// assert_eq!(receiver.join().unwrap(), Ok("on time"));
    /// ```
    pub fn send_deadline(&self, value: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        let value = match self.chan.try_send(value) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(value)) => return Err(SendTimeoutError::Closed(value)),
            Err(TrySendError::Full(value)) => value,
        };
        let mut send = pin!(self.send(value));
        match block_on_until(send.as_mut(), Some(deadline)) {
            Some(sent) => sent.map_err(SendTimeoutError::from),
            // Withdrawing, not the clock, decides: a receiver may have taken the value
            // as the deadline passed, and then it was sent.
            None => match send.as_mut().cancel() {
                None => Ok(()),
                Some(value) if self.is_closed() => Err(SendTimeoutError::Closed(value)),
                Some(value) => Err(SendTimeoutError::Timeout(value)),
            },
        }
    }

    /// Waits until the channel is closed: by [`close`](Self::close), or because every
    /// [`Receiver`] is gone, so nothing sent from now on could be received (tokio's
    /// `Sender::closed`). A producer can `select!` on it to stop early.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded::<u32>(1);
    /// let consumer = std::thread::spawn(move || drop(rx)); // nobody will read
    /// tx.closed().await;
    /// assert!(tx.try_send(1).is_err());
    /// consumer.join().unwrap();
    /// # });
    /// ```
    pub fn closed(&self) -> ClosedFuture<'_, T> {
        ClosedFuture::new(&self.chan)
    }

    /// Closes the channel: Go's `close(ch)`, a broadcast to every waiter.
    ///
    /// Returns `true` if this call closed it, `false` if it was already closed (where
    /// Go would panic). Afterwards every send fails with its value handed back, and
    /// receivers get the buffered values, then [`RecvError`].
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(2);
    /// tx.try_send(1).unwrap();
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert_eq!(rx.recv_blocking(), Ok(1));
    /// assert!(rx.recv_blocking().is_err());
    /// ```
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Borrows this sender as a [`Sink`](futures_sink::Sink).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use futures::SinkExt;
    /// let (tx, rx) = gochan::unbounded();
    /// tx.sink().send(1).await.unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # });
    /// ```
    pub fn sink(&self) -> SendSink<'_, T> {
        SendSink::borrowed(self)
    }

    /// Turns this sender into a [`Sink`](futures_sink::Sink). Closing the sink closes
    /// the channel, so `stream.forward(tx.into_sink())` ends the receivers' range.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use futures::StreamExt;
    /// let (tx, rx) = gochan::unbounded();
    /// futures::stream::iter([Ok(1), Ok(2)]).forward(tx.into_sink()).await.unwrap();
    /// assert_eq!(rx.stream().collect::<Vec<_>>().await, [1, 2]);
    /// # });
    /// ```
    pub fn into_sink(self) -> SendSink<'static, T> {
        SendSink::owned(self)
    }
}

impl<T> Receiver<T> {
    /// Receives a value, waiting for one: Go's `v, ok := <-ch`.
    ///
    /// Fails with [`RecvError`] once the channel is closed and drained. See
    /// [`RecvFuture`] for what a dropped receive does.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::bounded(1);
    /// tx.send(1).await.unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv().await, Ok(1));
    /// assert_eq!(rx.recv().await, Err(gochan::RecvError));
    /// # });
    /// ```
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture::new(&self.chan)
    }

    /// Receives a value if one is ready: Go's `select` with a receive case and
    /// `default`. At capacity 0 a value is ready only when a sender is waiting.
    ///
    /// ```
    /// use gochan::TryRecvError;
    /// let (tx, rx) = gochan::bounded(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives a value, parking the current thread while it waits. Don't call it from
    /// async code: it blocks the executor's thread.
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(0);
    /// std::thread::spawn(move || tx.send_blocking(42));
    /// assert_eq!(rx.recv_blocking(), Ok(42));
    /// ```
    pub fn recv_blocking(&self) -> Result<T, RecvError> {
        match self.chan.try_recv() {
            Ok(value) => Ok(value),
            Err(TryRecvError::Closed) => Err(RecvError),
            Err(TryRecvError::Empty) => block_on(self.recv()),
        }
    }

    /// Receives a value, parking the current thread for at most `timeout`: crossbeam's
    /// and std's `recv_timeout`, Go's `select` with a receive case and
    /// `case <-time.After(d)`.
    ///
    /// A value that reaches this receive just as the time runs out is returned, never
    /// lost. A `timeout` too large to add to the clock waits forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::RecvTimeoutError;
    /// let (tx, rx) = gochan::bounded(1);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Err(RecvTimeoutError::Timeout));
    /// tx.try_send(5).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Ok(5));
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(10)), Err(RecvTimeoutError::Closed));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.recv_deadline(deadline),
            None => self.recv_blocking().map_err(RecvTimeoutError::from),
        }
    }

    /// Receives a value, parking the current thread until `deadline` at the latest; see
    /// [`recv_timeout`](Self::recv_timeout). A deadline already past still receives a
    /// value that is ready.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (tx, rx) = gochan::bounded(0);
    /// std::thread::spawn(move || tx.send_blocking(42));
    /// let deadline = Instant::now() + Duration::from_secs(10);
    /// assert_eq!(rx.recv_deadline(deadline), Ok(42));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        match self.chan.try_recv() {
            Ok(value) => return Ok(value),
            Err(TryRecvError::Closed) => return Err(RecvTimeoutError::Closed),
            Err(TryRecvError::Empty) => {}
        }
        let mut recv = pin!(self.recv());
        match block_on_until(recv.as_mut(), Some(deadline)) {
            Some(received) => received.map_err(RecvTimeoutError::from),
            // A value handed over as the deadline passed is ours, not given back; and
            // a channel closed meanwhile says so.
            None => match recv.as_mut().withdraw() {
                Some(value) => Ok(value),
                None => match self.chan.try_recv() {
                    Ok(value) => Ok(value),
                    Err(TryRecvError::Closed) => Err(RecvTimeoutError::Closed),
                    Err(TryRecvError::Empty) => Err(RecvTimeoutError::Timeout),
                },
            },
        }
    }

    /// A blocking iterator over every value until the channel is closed and drained:
    /// Go's `for v := range ch` for a plain thread. Each `next` is a
    /// [`recv_blocking`](Self::recv_blocking).
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(2);
    /// std::thread::spawn(move || {
    ///     for i in 1..=4 {
    ///         tx.send_blocking(i).unwrap();
    ///     } // dropping tx closes the channel and ends the loop below
    /// });
    /// let mut sum = 0;
    /// for v in rx.iter() {
    ///     sum += v;
    /// }
    /// assert_eq!(sum, 10);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self)
    }

    /// An iterator over the values ready now, ending at the first `try_recv` that
    /// finds none (or the close). It never waits.
    ///
    /// ```
    /// let (tx, rx) = gochan::unbounded();
    /// for i in 0..3 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// assert_eq!(rx.try_iter().next(), None); // empty, though still open
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter::new(self)
    }

    /// Waits for a value, then appends it and every value ready right after it, up to
    /// `limit` in all, to `buf`. Returns how many it appended: between 1 and `limit`,
    /// or 0 when `limit` is 0 or the channel is closed and drained.
    ///
    /// Cancel safe: dropped while waiting, it has taken nothing.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (tx, rx) = gochan::unbounded();
    /// for i in 0..5 {
    ///     tx.try_send(i).unwrap();
    /// }
    /// let mut batch = Vec::new();
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
    /// assert_eq!(rx.recv_many(&mut batch, 3).await, 2);
    /// assert_eq!(batch, [0, 1, 2, 3, 4]);
    /// # });
    /// ```
    pub async fn recv_many(&self, buf: &mut Vec<T>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        match self.recv().await {
            Ok(first) => {
                buf.push(first);
                1 + self.chan.recv_ready_into(buf, limit - 1)
            }
            Err(RecvError) => 0,
        }
    }

    /// Borrows this receiver as a [`Stream`](futures_core::Stream) of every value until
    /// the channel is closed and drained: Go's `for v := range ch`.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use futures::StreamExt;
    /// let (tx, rx) = gochan::bounded(4);
    /// for word in ["range", "over", "a", "channel"] {
    ///     tx.send(word).await.unwrap();
    /// }
    /// drop(tx);
    /// let mut words = rx.stream();
    /// while let Some(word) = words.next().await {
    ///     print!("{word} ");
    /// }
    /// # });
    /// ```
    pub fn stream(&self) -> RecvStream<'_, T> {
        RecvStream::borrowed(self)
    }

    /// Turns this receiver into a [`Stream`](futures_core::Stream); see [`stream`](Self::stream).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use futures::StreamExt;
    /// let (tx, rx) = gochan::unbounded();
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.into_stream().collect::<Vec<_>>().await, [1]);
    /// # });
    /// ```
    pub fn into_stream(self) -> RecvStream<'static, T> {
        RecvStream::owned(self)
    }
}

/// The observers both ends share.
macro_rules! observers {
    ($end:ident) => {
        impl<T> $end<T> {
            /// Whether the channel is closed: by [`Sender::close`], by dropping every
            /// sender, or, for senders, by dropping every receiver.
            ///
            /// ```
            /// let (tx, rx) = gochan::bounded::<()>(0);
            /// assert!(!rx.is_closed());
            /// drop(tx);
            /// assert!(rx.is_closed());
            /// ```
            pub fn is_closed(&self) -> bool {
                self.chan.is_closed()
            }

            /// How many values the channel holds: Go's `len(ch)`. Values of waiting
            /// senders are not counted; a value given back by a dropped receive is, so
            /// `len` may briefly exceed the capacity.
            ///
            /// ```
            /// let (tx, rx) = gochan::bounded(3);
            /// tx.try_send('a').unwrap();
            /// assert_eq!((tx.len(), rx.len()), (1, 1));
            /// ```
            pub fn len(&self) -> usize {
                self.chan.len()
            }

            /// The buffer's capacity, Go's `cap(ch)`; `None` for an unbounded channel.
            ///
            /// ```
            /// assert_eq!(gochan::bounded::<u8>(0).0.capacity(), Some(0));
            /// assert_eq!(gochan::unbounded::<u8>().1.capacity(), None);
            /// ```
            pub fn capacity(&self) -> Option<usize> {
                self.chan.capacity()
            }

            /// Whether the channel holds no values.
            ///
            /// ```
            /// let (tx, rx) = gochan::unbounded::<u8>();
            /// assert!(rx.is_empty());
            /// tx.try_send(1).unwrap();
            /// assert!(!tx.is_empty());
            /// ```
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// Whether the buffer is full: `len() >= capacity`, so always true at
            /// capacity 0, and never for an unbounded channel.
            ///
            /// ```
            /// let (tx, _rx) = gochan::bounded(1);
            /// assert!(!tx.is_full());
            /// tx.try_send(1).unwrap();
            /// assert!(tx.is_full());
            /// assert!(gochan::bounded::<u8>(0).0.is_full());
            /// ```
            pub fn is_full(&self) -> bool {
                self.chan.is_full()
            }

            /// How many [`Sender`]s of this channel exist.
            ///
            /// ```
            /// let (tx, rx) = gochan::bounded::<u8>(0);
            /// let tx2 = tx.clone();
            /// assert_eq!(rx.sender_count(), 2);
            /// # drop(tx2);
            /// ```
            pub fn sender_count(&self) -> usize {
                self.chan.senders.load(Ordering::Acquire)
            }

            /// How many [`Receiver`]s of this channel exist.
            ///
            /// ```
            /// let (tx, rx) = gochan::bounded::<u8>(0);
            /// drop(rx);
            /// assert_eq!(tx.receiver_count(), 0);
            /// ```
            pub fn receiver_count(&self) -> usize {
                self.chan.receivers.load(Ordering::Acquire)
            }

            /// Whether `other` is an end of the same channel.
            ///
            /// ```
            /// let (a, _) = gochan::bounded::<u8>(0);
            /// let (b, _) = gochan::bounded::<u8>(0);
            /// assert!(a.same_channel(&a.clone()));
            /// assert!(!a.same_channel(&b));
            /// ```
            pub fn same_channel(&self, other: &Self) -> bool {
                Arc::ptr_eq(&self.chan, &other.chan)
            }
        }

        impl<T> fmt::Debug for $end<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($end)).field(&*self.chan).finish()
            }
        }
    };
}

observers!(Sender);
observers!(Receiver);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.chan.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.close();
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.chan.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.chan.disconnect_receivers();
        }
    }
}
