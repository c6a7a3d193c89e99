//! The futures of one send, one receive, and of waiting for the close.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::chan::{Chan, RecvOp, SendOp};
use crate::error::{RecvError, SendError};
use crate::waiter::Ticket;

/// The future of [`Sender::send`](crate::Sender::send): Go's `ch <- v`.
///
/// It completes with `Ok(())` once the value is in the buffer or, at capacity 0, once a
/// receiver has it; with `Err(SendError(v))` if the channel is or becomes closed first.
///
/// # Cancel safety
///
/// Dropping it never loses track of the value: while it waits, the value sits in the
/// channel's queue of waiting senders; if a receiver takes it first, the send counts as
/// done, and otherwise the value is dropped with the future. [`SendFuture::cancel`]
/// says which happened and hands the value back.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gochan::bounded(0);
/// let send = tx.send(5); // nothing happens until it is awaited
/// let (sent, got) = futures::join!(send, rx.recv());
/// assert_eq!((sent, got), (Ok(()), Ok(5)));
/// drop(rx);
/// assert_eq!(tx.send(6).await, Err(gochan::SendError(6))); // the value comes back
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    op: SendOp<T>,
}

impl<'a, T> SendFuture<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Self {
        SendFuture {
            chan,
            op: SendOp::Start(value),
        }
    }

    /// Withdraws the send: `Some(v)` if no receiver took `v` (and none ever will),
    /// `None` if one did, or if the future had already completed.
    ///
    /// Use it after another branch of a `tokio::select!` won, to learn whether the
    /// value went out and to get it back if it did not:
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use futures::FutureExt;
    /// let (tx, rx) = gochan::bounded::<&str>(0);
    /// let mut send = std::pin::pin!(tx.send("hello"));
    /// assert!(send.as_mut().now_or_never().is_none()); // nobody is receiving yet
    /// assert_eq!(send.as_mut().cancel(), Some("hello")); // so it is ours again
    /// # drop(rx);
    /// # });
    /// ```
    pub fn cancel(self: Pin<&mut Self>) -> Option<T> {
        let this = self.get_mut();
        this.chan.cancel_send(&mut this.op)
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.chan.poll_send(&mut this.op, cx)
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        drop(self.chan.cancel_send(&mut self.op));
    }
}

// The value is never pinned: it moves into the channel, not into a self-reference.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.op {
            SendOp::Start(_) => "start",
            SendOp::Waiting(_) => "waiting",
            SendOp::Done => "done",
        };
        f.debug_struct("SendFuture").field("state", &state).finish()
    }
}

/// The future of [`Receiver::recv`](crate::Receiver::recv): Go's `v, ok := <-ch`.
///
/// # Cancel safety
///
/// Dropping it loses nothing. If a sender already handed it a value that it had not
/// yet returned, the value goes back to the channel: to the receiver that has waited
/// longest, or to the head of the buffer, where the next receive takes it first.
///
/// ```
/// use futures::FutureExt;
/// # futures::executor::block_on(async {
/// let (tx, rx) = gochan::bounded(1);
/// let mut recv = rx.recv();
/// assert!((&mut recv).now_or_never().is_none()); // empty: it waits in line
/// tx.try_send(1).unwrap(); // handed straight to the waiting receive
/// drop(recv); // cancelled before returning it: the value goes back
/// assert_eq!(rx.recv().await, Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RecvFuture<'a, T> {
    chan: &'a Chan<T>,
    op: RecvOp,
}

impl<'a, T> RecvFuture<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        RecvFuture {
            chan,
            op: RecvOp::Start,
        }
    }
}

impl<T> RecvFuture<'_, T> {
    /// Withdraws the receive, returning a value already handed to it rather than
    /// giving it back (a timed-out blocking receive still gets it).
    pub(crate) fn withdraw(self: Pin<&mut Self>) -> Option<T> {
        let this = self.get_mut();
        this.chan.withdraw_recv_keeping(&mut this.op)
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.chan.poll_recv(&mut this.op, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.chan.cancel_recv(&mut self.op);
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture")
            .field("state", &self.op)
            .finish()
    }
}

/// The future of [`Sender::closed`](crate::Sender::closed): completes once the channel
/// is closed, by [`Sender::close`](crate::Sender::close), by the last receiver leaving,
/// or by the last sender leaving.
///
/// It holds no value, so dropping it at any point loses nothing; once complete, it
/// stays complete.
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = gochan::bounded::<u32>(1);
/// let consumer = std::thread::spawn(move || rx.recv_blocking()); // takes one, leaves
/// tx.send(1).await.unwrap();
/// tx.closed().await; // the consumer's receiver is gone: stop producing
/// assert_eq!(tx.send(2).await.unwrap_err().0, 2);
/// assert_eq!(consumer.join().unwrap(), Ok(1));
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ClosedFuture<'a, T> {
    chan: &'a Chan<T>,
    ticket: Option<Ticket>,
}

impl<'a, T> ClosedFuture<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        ClosedFuture { chan, ticket: None }
    }
}

impl<T> Future for ClosedFuture<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.chan.poll_closed(&mut this.ticket, cx)
    }
}

impl<T> Drop for ClosedFuture<'_, T> {
    fn drop(&mut self) {
        self.chan.cancel_closed(&mut self.ticket);
    }
}

impl<T> fmt::Debug for ClosedFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClosedFuture")
            .field("waiting", &self.ticket.is_some())
            .finish()
    }
}
