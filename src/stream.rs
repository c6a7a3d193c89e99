//! `Stream` and `Sink` adapters: Go's `for v := range ch`, and a sender for combinators.

use std::fmt;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use crate::chan::{RecvOp, SendOp};
use crate::channel::{Receiver, Sender};
use crate::error::{RecvError, SendError};

/// A channel end, borrowed (`stream()`, `sink()`) or owned (`into_stream()`,
/// `into_sink()`).
enum End<'a, E> {
    Borrowed(&'a E),
    Owned(E),
}

impl<E> Deref for End<'_, E> {
    type Target = E;

    fn deref(&self) -> &E {
        match self {
            End::Borrowed(end) => end,
            End::Owned(end) => end,
        }
    }
}

/// A [`Stream`] of the values a [`Receiver`] receives, ending (for good) when the
/// channel is closed and drained: Go's `for v := range ch`.
///
/// Made by [`Receiver::stream`] or [`Receiver::into_stream`]. It is `Unpin`, so
/// `stream.next().await` needs no pinning.
///
/// # Cancel safety
///
/// Dropping it, or dropping a `next()` future, loses no value: a value handed to it but
/// not yet yielded goes back to the channel, as with [`RecvFuture`](crate::RecvFuture).
///
/// ```
/// # futures::executor::block_on(async {
/// use futures::StreamExt;
/// let (tx, rx) = gochan::unbounded();
/// std::thread::spawn(move || {
///     for i in 1..=3 {
///         tx.send_blocking(i).unwrap();
///     } // dropping tx closes the channel and ends the stream
/// });
/// assert_eq!(rx.stream().fold(0, |sum, v| async move { sum + v }).await, 6);
/// # });
/// ```
pub struct RecvStream<'a, T> {
    rx: End<'a, Receiver<T>>,
    op: RecvOp,
    ended: bool,
}

impl<'a, T> RecvStream<'a, T> {
    pub(crate) fn borrowed(rx: &'a Receiver<T>) -> Self {
        Self::new(End::Borrowed(rx))
    }

    fn new(rx: End<'a, Receiver<T>>) -> Self {
        RecvStream {
            rx,
            op: RecvOp::Start,
            ended: false,
        }
    }
}

impl<T> RecvStream<'static, T> {
    pub(crate) fn owned(rx: Receiver<T>) -> Self {
        Self::new(End::Owned(rx))
    }
}

impl<T> Stream for RecvStream<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match this.rx.chan.poll_recv(&mut this.op, cx) {
            Poll::Ready(Ok(value)) => {
                this.op = RecvOp::Start;
                Poll::Ready(Some(value))
            }
            Poll::Ready(Err(RecvError)) => {
                this.ended = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> FusedStream for RecvStream<'_, T> {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl<T> Drop for RecvStream<'_, T> {
    fn drop(&mut self) {
        self.rx.chan.cancel_recv(&mut self.op);
    }
}

impl<T> fmt::Debug for RecvStream<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvStream")
            .field("receiver", &*self.rx)
            .field("ended", &self.ended)
            .finish()
    }
}

/// A [`Sink`] that sends into a channel, waiting as [`Sender::send`] does.
///
/// Made by [`Sender::sink`] or [`Sender::into_sink`]. `poll_close` flushes, then
/// closes the channel (Go's `close`), so `stream.forward(tx.into_sink())` ends the
/// receivers' range. It is `Unpin`.
///
/// # Cancel safety
///
/// Dropping it while a send is in flight is dropping that [`SendFuture`](crate::SendFuture):
/// the value is delivered or dropped, never both.
///
/// ```
/// # futures::executor::block_on(async {
/// use futures::{SinkExt, StreamExt};
/// let (tx, rx) = gochan::bounded(1);
/// let mut sink = tx.into_sink();
/// let producer = async move {
///     sink.send("a").await.unwrap();
///     sink.send("b").await.unwrap();
///     sink.close().await.unwrap(); // closes the channel
/// };
/// let (_, got) = futures::join!(producer, rx.stream().collect::<Vec<_>>());
/// assert_eq!(got, ["a", "b"]);
/// # });
/// ```
pub struct SendSink<'a, T> {
    tx: End<'a, Sender<T>>,
    /// The send in flight; `Done` when idle.
    op: SendOp<T>,
}

impl<'a, T> SendSink<'a, T> {
    pub(crate) fn borrowed(tx: &'a Sender<T>) -> Self {
        SendSink {
            tx: End::Borrowed(tx),
            op: SendOp::Done,
        }
    }
}

impl<T> SendSink<'static, T> {
    pub(crate) fn owned(tx: Sender<T>) -> Self {
        SendSink {
            tx: End::Owned(tx),
            op: SendOp::Done,
        }
    }
}

impl<T> Sink<T> for SendSink<'_, T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // One value in flight at a time: ready once the previous one is delivered.
        self.poll_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        let this = self.get_mut();
        // Sending now, if it needs no waiting, saves a poll in `poll_flush`.
        match this.tx.chan.try_send(item) {
            Ok(()) => Ok(()),
            Err(crate::TrySendError::Closed(item)) => Err(SendError(item)),
            Err(crate::TrySendError::Full(item)) => {
                // Dropping the previous op here would only happen if the caller skipped
                // `poll_ready`; it is then treated as cancelled.
                drop(this.tx.chan.cancel_send(&mut this.op));
                this.op = SendOp::Start(item);
                Ok(())
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        if let SendOp::Done = this.op {
            return Poll::Ready(Ok(()));
        }
        this.tx.chan.poll_send(&mut this.op, cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self.as_mut().poll_flush(cx) {
            Poll::Ready(Ok(())) => {
                self.tx.close();
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

// The value in flight lives in the channel or in `op`, never behind a pin.
impl<T> Unpin for SendSink<'_, T> {}

impl<T> Drop for SendSink<'_, T> {
    fn drop(&mut self) {
        drop(self.tx.chan.cancel_send(&mut self.op));
    }
}

impl<T> fmt::Debug for SendSink<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendSink")
            .field("sender", &*self.tx)
            .field("in_flight", &!matches!(self.op, SendOp::Done))
            .finish()
    }
}
