//! Iterators over a receiver for plain threads: Go's `for v := range ch`.

use std::fmt;
use std::iter::FusedIterator;

use crate::channel::Receiver;

/// A blocking iterator over the values of a channel, ending (for good) once it is closed
/// and drained. Made by [`Receiver::iter`], or by `for v in &rx`.
///
/// ```
/// let (tx, rx) = gochan::unbounded();
/// tx.try_send("a").unwrap();
/// tx.try_send("b").unwrap();
/// drop(tx);
/// let got: Vec<_> = (&rx).into_iter().collect();
/// assert_eq!(got, ["a", "b"]);
/// ```
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(rx: &'a Receiver<T>) -> Self {
        Iter { rx }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv_blocking().ok()
    }
}

// A channel closed and drained stays so: no value can be sent into it again.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// An iterator over the values ready now; it never waits. Made by
/// [`Receiver::try_iter`].
///
/// It is not fused: after it ends on an empty channel, a later `next` may find a value.
///
/// ```
/// let (tx, rx) = gochan::bounded(4);
/// tx.try_send(1).unwrap();
/// let mut ready = rx.try_iter();
/// assert_eq!(ready.next(), Some(1));
/// assert_eq!(ready.next(), None);
/// tx.try_send(2).unwrap();
/// assert_eq!(ready.next(), Some(2));
/// ```
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<'a, T> TryIter<'a, T> {
    pub(crate) fn new(rx: &'a Receiver<T>) -> Self {
        TryIter { rx }
    }
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

/// An owning blocking iterator: [`Iter`] that holds its [`Receiver`]. Made by
/// `for v in rx`.
///
/// ```
/// let (tx, rx) = gochan::bounded(0);
/// std::thread::spawn(move || {
///     for word in ["range", "over", "threads"] {
///         tx.send_blocking(word).unwrap();
///     }
/// });
/// let mut words = Vec::new();
/// for word in rx {
///     words.push(word);
/// }
/// assert_eq!(words, ["range", "over", "threads"]);
/// ```
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv_blocking().ok()
    }
}

impl<T> FusedIterator for IntoIter<T> {}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}
