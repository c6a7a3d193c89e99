//! The error types: small values that hand back what could not be delivered.

use std::error::Error;
use std::fmt;

/// A send failed because the channel is closed (or every receiver is gone); the value
/// is handed back.
///
/// ```
/// let (tx, rx) = gochan::bounded::<u32>(1);
/// drop(rx);
/// let err = tx.send_blocking(7).unwrap_err();
/// assert_eq!(err.0, 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// let (tx, _) = gochan::bounded(1);
    /// assert_eq!(tx.send_blocking("kept").unwrap_err().into_inner(), "kept");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> Error for SendError<T> {}

/// Why [`Sender::try_send`](crate::Sender::try_send) did not send; the value is handed back.
///
/// ```
/// use gochan::TrySendError;
/// let (tx, _rx) = gochan::bounded::<u32>(0);
/// assert_eq!(tx.try_send(1), Err(TrySendError::Full(1))); // nobody is receiving
/// tx.close();
/// assert_eq!(tx.try_send(2).unwrap_err().into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The buffer is full, or at capacity 0 no receiver is waiting.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent, whatever the reason.
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded(0);
    /// assert_eq!(tx.try_send('x').unwrap_err().into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// True for [`TrySendError::Full`].
    ///
    /// ```
    /// let (tx, _rx) = gochan::bounded(0); // nobody is receiving
    /// assert!(tx.try_send(1).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// True for [`TrySendError::Closed`].
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded(1);
    /// drop(rx);
    /// assert!(tx.try_send(1).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> Self {
        TrySendError::Closed(err.0)
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> Error for TrySendError<T> {}

/// A receive failed because the channel is closed and drained: Go's `v, ok := <-ch` with
/// `ok == false`.
///
/// ```
/// let (tx, rx) = gochan::unbounded::<u32>();
/// tx.send_blocking(1).unwrap();
/// tx.close();
/// assert_eq!(rx.recv_blocking(), Ok(1)); // buffered values outlive close
/// assert_eq!(rx.recv_blocking(), Err(gochan::RecvError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed and empty channel")
    }
}

impl Error for RecvError {}

/// Why [`Receiver::try_recv`](crate::Receiver::try_recv) returned no value.
///
/// ```
/// use gochan::TryRecvError;
/// let (tx, rx) = gochan::bounded::<u32>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryRecvError {
    /// No value is ready (at capacity 0: no sender is waiting).
    Empty,
    /// The channel is closed and drained.
    Closed,
}

impl TryRecvError {
    /// True for [`TryRecvError::Empty`].
    ///
    /// ```
    /// let (_tx, rx) = gochan::bounded::<u8>(1);
    /// assert!(rx.try_recv().unwrap_err().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        matches!(self, TryRecvError::Empty)
    }

    /// True for [`TryRecvError::Closed`].
    ///
    /// ```
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// tx.close();
    /// assert!(rx.try_recv().unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryRecvError::Closed)
    }
}

impl From<RecvError> for TryRecvError {
    fn from(_: RecvError) -> Self {
        TryRecvError::Closed
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl Error for TryRecvError {}

/// Why [`Sender::send_timeout`](crate::Sender::send_timeout) did not send; the value is
/// handed back.
///
/// ```
/// use std::time::Duration;
/// use gochan::SendTimeoutError;
/// let (tx, rx) = gochan::bounded::<u32>(0);
/// let err = tx.send_timeout(1, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(1)); // nobody was receiving
/// drop(rx);
/// let err = tx.send_timeout(2, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The deadline passed before the value could be sent; no receiver has it.
    Timeout(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent, whatever the reason.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, _rx) = gochan::bounded(0);
    /// let err = tx.send_timeout('x', Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err.into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }

    /// True for [`SendTimeoutError::Timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, _rx) = gochan::bounded(0); // nobody is receiving
    /// assert!(tx.send_timeout(1, Duration::from_millis(1)).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// True for [`SendTimeoutError::Closed`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, rx) = gochan::bounded(1);
    /// drop(rx);
    /// assert!(tx.send_timeout(1, Duration::from_secs(1)).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

impl<T> From<SendError<T>> for SendTimeoutError<T> {
    fn from(err: SendError<T>) -> Self {
        SendTimeoutError::Closed(err.0)
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out sending on a channel"),
            SendTimeoutError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> Error for SendTimeoutError<T> {}

/// Why [`Receiver::recv_timeout`](crate::Receiver::recv_timeout) returned no value.
///
/// ```
/// use std::time::Duration;
/// use gochan::RecvTimeoutError;
/// let (tx, rx) = gochan::bounded::<u32>(1);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The deadline passed before a value arrived.
    Timeout,
    /// The channel is closed and drained.
    Closed,
}

impl RecvTimeoutError {
    /// True for [`RecvTimeoutError::Timeout`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (_tx, rx) = gochan::bounded::<u8>(1);
    /// assert!(rx.recv_timeout(Duration::from_millis(1)).unwrap_err().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, RecvTimeoutError::Timeout)
    }

    /// True for [`RecvTimeoutError::Closed`]: closed and drained.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let (tx, rx) = gochan::bounded::<u8>(1);
    /// drop(tx);
    /// assert!(rx.recv_timeout(Duration::from_secs(1)).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, RecvTimeoutError::Closed)
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(_: RecvError) -> Self {
        RecvTimeoutError::Closed
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out receiving on a channel"),
            RecvTimeoutError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl Error for RecvTimeoutError {}
