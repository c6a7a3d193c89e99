//! Go's channels for async Rust.
//!
//! > Do not communicate by sharing memory; instead, share memory by communicating.
//!
//! gochan is Go's `chan` as futures that run on any executor (tokio, async-std, smol,
//! `futures::executor`) and as blocking calls for plain threads, all mixable on one
//! channel. Where Go parks a goroutine, gochan queues the future's waker.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(0); // make(chan string)
//! let worker = std::thread::spawn(move || {
//!     tx.send_blocking("ping").unwrap(); // ch <- "ping": waits for the receiver
//! });
//! assert_eq!(rx.recv().await, Ok("ping")); // <-ch
//! worker.join().unwrap();
//! # });
//! ```
//!
//! # The model
//!
//! **Unbuffered channels are a meeting.** [`bounded(0)`](bounded) is Go's
//! `make(chan T)`: a send completes only when a receiver takes the value, so when
//! `send(v).await` returns, the receiver has `v`. That makes an unbuffered channel a
//! synchronization point as well as a pipe.
//!
//! **Buffered channels are a queue.** [`bounded(n)`](bounded) holds up to `n` values;
//! a send waits only while the buffer is full, a receive only while it is empty.
//! [`unbounded()`](unbounded) never makes a sender wait.
//!
//! **Everything is first come, first served.** Values come out in the order their
//! sends took effect; waiting senders are served in the order they started waiting,
//! and so are waiting receivers, whatever order their futures are polled in.
//!
//! **Close is a broadcast.** [`Sender::close`] (Go's `close(ch)`) wakes every waiter
//! at once. Receivers still get every buffered value, then [`RecvError`]: the
//! `v, ok := <-ch` idiom with `ok == false`. Sends fail and hand their value back.
//! That makes closing a channel the way to tell any number of tasks "stop" or
//! "ready" with one call. Dropping the last [`Sender`] closes the channel too, so
//! [`Receiver::stream`] ends like Go's `for v := range ch`. Unlike Go, dropping the
//! last [`Receiver`] also closes the channel for senders, so a sender can never wait
//! forever on a channel nobody can read (Go's goroutine leak).
//!
//! ```
//! # futures::executor::block_on(async {
//! let (ready_tx, ready_rx) = gochan::bounded::<()>(0);
//! let waiters: Vec<_> = (0..3)
//!     .map(|i| {
//!         let ready = ready_rx.clone();
//!         std::thread::spawn(move || {
//!             assert!(ready.recv_blocking().is_err()); // returns once closed
//!             i
//!         })
//!     })
//!     .collect();
//! ready_tx.close(); // one call releases them all
//! for waiter in waiters {
//!     waiter.join().unwrap();
//! }
//! # });
//! ```
//!
//! **select waits on many, fairly.** [`select!`] (and [`Select`], built at run time)
//! waits on several sends and receives and completes exactly one. When several are
//! ready it picks uniformly at random, fresh each time, so no case starves; `default`
//! makes it non-blocking; a `None` channel never fires, which switches a case off.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx_a, rx_a) = gochan::bounded(1);
//! let (tx_b, rx_b) = gochan::bounded(1);
//! tx_a.send("a").await.unwrap();
//! tx_b.send("b").await.unwrap();
//! let first = gochan::select! {
//!     recv(&rx_a) -> msg => msg.unwrap(),
//!     recv(&rx_b) -> msg => msg.unwrap(),
//! };
//! assert!(first == "a" || first == "b"); // either, with equal probability
//! # });
//! ```
//!
//! # Cancellation
//!
//! In Rust any future may be dropped at any await point; Go never faces that. gochan
//! makes every future cancel safe: no value is ever lost or duplicated.
//!
//! - A dropped [`SendFuture`] either had its value taken by a receiver (the send
//!   happened) or drops the value; [`SendFuture::cancel`] tells which and hands it
//!   back.
//! - A dropped [`RecvFuture`] (or select, or stream) that had already been handed a
//!   value gives it back to the channel, to the next waiting receiver or to the head
//!   of the buffer.
//!
//! # Blocking and async together
//!
//! [`Sender::send_blocking`], [`Receiver::recv_blocking`] and [`Select::wait`] park the
//! calling thread in the same queues the futures use. Use them from plain threads,
//! never from inside an async task.
//!
//! The calls crossbeam-channel and `std::sync::mpsc` users reach for are here under
//! the same names: [`Receiver::recv_timeout`] and [`recv_deadline`](Receiver::recv_deadline),
//! [`Sender::send_timeout`] and [`send_deadline`](Sender::send_deadline) (a timed-out
//! send hands its value back, and no receiver ever sees it), [`Select::wait_timeout`],
//! and [`Receiver::iter`] with `for v in &rx`, Go's `for v := range ch` for a thread.
//! A deadline that passes just as a value changes hands loses nothing: the operation
//! either happened, and says so, or did not.
//!
//! ```
//! use std::time::Duration;
//! let (tx, rx) = gochan::bounded(0);
//! let worker = std::thread::spawn(move || {
//!     for job in &rx {
//!         println!("working on {job}");
//!     } // ends when every sender is gone
//! });
//! for job in 0..3 {
//!     // A rendezvous: waits until the worker takes the job, for at most a second.
//!     tx.send_timeout(job, Duration::from_secs(1)).unwrap();
//! }
//! drop(tx);
//! worker.join().unwrap();
//! ```
//!
//! A blocked thread does not park at once: it spins for a moment, then yields its core
//! up to 256 times (about a tenth of a millisecond when no other thread wants the
//! core), because a peer on another core usually answers sooner than a park and an
//! unpark would take. Once its yields show that other threads are waiting for the
//! core, it parks without finishing the round, leaving the core to them.
//!
//! # Crate layout
//!
//! The channel's state and every move of a value live in one module (`chan`); the
//! waiter queues and the select claim in `waiter`; the buffer that bounded channels
//! share without the lock while nobody waits in `ring`; futures, streams and blocking
//! calls are thin shells over them.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unsafe_code)]

mod blocking;
mod chan;
mod channel;
mod error;
mod future;
mod iter;
mod lock;
mod ring;
mod select;
mod stream;
mod sync;
mod waiter;

pub use channel::{bounded, unbounded, Receiver, Sender};
pub use error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use future::{ClosedFuture, RecvFuture, SendFuture};
pub use iter::{IntoIter, Iter, TryIter};
pub use select::Select;
pub use stream::{RecvStream, SendSink};

/// Not public API: what `select!` expands to.
#[doc(hidden)]
pub mod __private {
    pub use crate::select::{
        select_tuple, Case, CaseKind, CaseList, FutureCase, RecvCase, SelectTuple, Selector,
        SendCase, TakeOutput,
    };
    pub use crate::waiter::Claim;

    /// The chosen case's outcome; the engine only reports a case that has one.
    pub fn take_output<C: TakeOutput>(case: &mut C) -> C::Output {
        match case.take_output() {
            Some(out) => out,
            None => unreachable!("gochan::select! chose a case without an outcome"),
        }
    }
}
