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
//! Coming from Go? The [Go-to-gochan guide](crate::go_guide) puts every construct of
//! Go's channels beside its gochan spelling, and lists every place gochan differs on
//! purpose. The sections below teach the model one idea at a time; each example runs
//! as a doctest.
//!
//! # Share memory by communicating
//!
//! Instead of a balance behind a lock that every task may touch, one task owns the
//! balance and nobody else can reach it. Others send it requests; a request that
//! needs an answer carries a channel to answer on (Go's `chan chan int`). The owner
//! serves one request at a time, so transactions never interleave, and there is no
//! lock to forget. `examples/bank.rs` puts this beside the mutex version, and
//! `examples/service.rs` serves it over TCP.
//!
//! ```
//! use gochan::{bounded, Receiver, Sender};
//!
//! enum Request {
//!     Deposit(u64),
//!     Balance(Sender<u64>), // where to send the answer
//! }
//!
//! /// The only code that ever touches `balance`.
//! async fn owner(requests: Receiver<Request>) -> u64 {
//!     let mut balance = 0;
//!     while let Ok(request) = requests.recv().await {
//!         match request {
//!             Request::Deposit(amount) => balance += amount,
//!             Request::Balance(reply) => drop(reply.try_send(balance)),
//!         }
//!     }
//!     balance // every sender is gone: nobody can ask again
//! }
//!
//! # futures::executor::block_on(async {
//! let (requests, inbox) = bounded(0);
//! let customer = async move {
//!     for amount in [10, 20, 12] {
//!         requests.send(Request::Deposit(amount)).await.unwrap();
//!     }
//!     let (reply, answer) = bounded(1);
//!     requests.send(Request::Balance(reply)).await.unwrap();
//!     answer.recv().await.unwrap()
//! };
//! let (seen, closing) = futures::join!(customer, owner(inbox));
//! assert_eq!((seen, closing), (42, 42));
//! # });
//! ```
//!
//! # Unbuffered: sender and receiver meet
//!
//! [`bounded(0)`](bounded) is Go's `make(chan T)`. It holds no value: a send completes
//! only when a receiver takes the value, hand to hand, so when `send(v).await` returns
//! the receiver has `v`. That makes an unbuffered channel a synchronization point as
//! well as a pipe: "I know you got it".
//!
//! ```
//! use futures::FutureExt;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(0);
//! let mut send = tx.send("hand to hand");
//! assert!((&mut send).now_or_never().is_none()); // nobody is receiving: it waits
//! let (sent, got) = futures::join!(send, rx.recv()); // a receiver arrives: they meet
//! assert_eq!((sent, got), (Ok(()), Ok("hand to hand")));
//! # });
//! ```
//!
//! # Buffered: a locker with n slots
//!
//! [`bounded(n)`](bounded) is Go's `make(chan T, n)`: a row of `n` lockers between the
//! two sides. A sender leaves its value in a free locker and walks away without
//! meeting anyone; a receiver empties the oldest one. A send waits only while every
//! locker is full, a receive only while every locker is empty. [`unbounded()`](unbounded)
//! has as many lockers as memory allows, so a send never waits.
//!
//! ```
//! use gochan::TrySendError;
//! let (tx, rx) = gochan::bounded(2);
//! tx.try_send('a').unwrap(); // no receiver needed
//! tx.try_send('b').unwrap();
//! assert_eq!(tx.try_send('c'), Err(TrySendError::Full('c'))); // a send would wait now
//! assert_eq!(rx.try_recv(), Ok('a')); // the oldest locker is emptied first...
//! tx.try_send('c').unwrap(); // ...which frees one
//! assert_eq!((rx.len(), rx.capacity()), (2, Some(2))); // Go's len(ch), cap(ch)
//! ```
//!
//! # First come, first served
//!
//! Values come out in the order their sends took effect; waiting senders are served in
//! the order they started waiting, and so are waiting receivers, whatever order their
//! futures are polled in.
//!
//! # Close is a broadcast
//!
//! [`Sender::close`] (Go's `close(ch)`) wakes every waiter at once. Receivers still get
//! every buffered value, then [`RecvError`]: the `v, ok := <-ch` idiom with
//! `ok == false`. Sends fail and hand their value back. That makes closing a channel
//! the way to tell any number of tasks "stop" or "ready" with one call, without
//! knowing how many are listening. Dropping the last [`Sender`] closes the channel
//! too.
//!
//! ```
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
//! let released: Vec<i32> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
//! assert_eq!(released, [0, 1, 2]);
//! ```
//!
//! # `for v := range ch` is a stream
//!
//! A receiver cannot know how many values are coming; the senders tell it they are
//! done by closing the channel. [`Receiver::stream`] is a
//! [`Stream`](futures_core::Stream) of every value until the channel is closed and
//! drained, then ends for good, like Go's range loop. Without a stream, the same loop
//! is `while let Ok(v) = rx.recv().await`, or `recv_blocking()` on a thread.
//!
//! ```
//! use futures::StreamExt;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! let producer = async move {
//!     for word in ["share", "by", "communicating"] {
//!         tx.send(word).await.unwrap();
//!     }
//!     // tx is dropped here: the channel closes and the range below ends
//! };
//! let consumer = rx.stream().collect::<Vec<_>>();
//! let ((), words) = futures::join!(producer, consumer);
//! assert_eq!(words, ["share", "by", "communicating"]);
//! # });
//! ```
//!
//! # Direction: `Sender` and `Receiver`
//!
//! Go narrows a `chan T` to `chan<- T` (send only) or `<-chan T` (receive only) so that
//! each side gets the smallest interface it needs. gochan has no two-way handle at all:
//! [`bounded`] and [`unbounded`] return a [`Sender`] and a [`Receiver`], and each end is
//! only what its name says. Only a sender can close, as Go only lets the sending side
//! close. A function that returns a `Receiver` is Go's factory, `func ids() <-chan int`:
//! the caller can read, and nothing else.
//!
//! ```
//! /// Go's `func evens(n int) <-chan int`: the caller gets the receiving end only.
//! fn evens(n: u32) -> gochan::Receiver<u32> {
//!     let (tx, rx) = gochan::unbounded();
//!     std::thread::spawn(move || {
//!         for i in 0..n {
//!             tx.send_blocking(2 * i).unwrap();
//!         }
//!     });
//!     rx
//! }
//! let rx = evens(3);
//! let got: Vec<u32> = std::iter::from_fn(|| rx.recv_blocking().ok()).collect();
//! assert_eq!(got, [0, 2, 4]); // ends when the thread drops its sender
//! ```
//!
//! Sending on a receiver does not compile:
//!
//! ```compile_fail,E0599
//! let (_tx, rx) = gochan::bounded::<u32>(1);
//! rx.try_send(1); // a Receiver has no send: Go's "send to receive-only channel"
//! ```
//!
//! # Nil cases in select
//!
//! [`select!`] (and [`Select`], built at run time) waits on several sends and receives
//! and completes exactly one. In Go a nil channel blocks forever, so its case in a
//! `select` never fires; setting a channel to nil switches its case off. gochan spells
//! nil as `None`: a case's channel may be `&rx` or an `Option<&Receiver<T>>`. A closed
//! channel is always ready, so a loop that merges several channels turns each off as it
//! closes:
//!
//! ```
//! # futures::executor::block_on(async {
//! let (a_tx, a_rx) = gochan::unbounded();
//! let (b_tx, b_rx) = gochan::unbounded();
//! a_tx.try_send(1).unwrap();
//! b_tx.try_send(2).unwrap();
//! drop((a_tx, b_tx)); // both closed, each with one value left
//!
//! let (mut a, mut b) = (Some(&a_rx), Some(&b_rx));
//! let mut sum = 0;
//! while a.is_some() || b.is_some() {
//!     gochan::select! {
//!         recv(a) -> v => match v {
//!             Ok(v) => sum += v,
//!             Err(_) => a = None, // closed and drained: a = nil
//!         },
//!         recv(b) -> v => match v {
//!             Ok(v) => sum += v,
//!             Err(_) => b = None,
//!         },
//!     }
//! }
//! assert_eq!(sum, 3);
//! # });
//! ```
//!
//! When several cases are ready, the select picks one uniformly at random, fresh each
//! time, so no case starves; `default` makes it non-blocking.
//!
//! A loop over a [`Select`] builds it anew each time; a [`SelectLoop`] is built once
//! and selected again and again, the fan-in that Go writes with `reflect.Select` over a
//! slice of cases it keeps ([`SelectLoop::disable`] is its nil).
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
//! let nothing = gochan::select! {
//!     recv(&rx_a) -> _ => "a",
//!     recv(&rx_b) -> _ => "b",
//!     default => "neither", // taken only when no case is ready at once
//! };
//! assert_eq!(nothing, if first == "a" { "b" } else { "a" });
//! # });
//! ```
//!
//! # The goroutine leak, and how the drop rules end it
//!
//! In Go, a goroutine blocked sending on a channel that nobody will ever receive from
//! stays blocked for the life of the program: the garbage collector cannot free it,
//! because it is not garbage, only forgotten. gochan counts the ends of every channel.
//! Dropping the last [`Receiver`] closes the channel for senders: every waiting and
//! later send fails with [`SendError`] and gets its value back, so a producer always
//! learns that its work is unwanted and can stop. (And dropping the last [`Sender`]
//! closes the channel for receivers, so no receiver waits for a value that cannot come.)
//!
//! ```
//! use gochan::SendError;
//! let (tx, rx) = gochan::bounded(0);
//! let producer = std::thread::spawn(move || {
//!     let mut next = 0;
//!     loop {
//!         match tx.send_blocking(next) {
//!             Ok(()) => next += 1,
//!             Err(SendError(unwanted)) => return unwanted, // in Go: blocked for ever
//!         }
//!     }
//! });
//! assert_eq!(rx.recv_blocking(), Ok(0));
//! assert_eq!(rx.recv_blocking(), Ok(1));
//! drop(rx); // the consumer leaves
//! assert_eq!(producer.join().unwrap(), 2); // the producer is woken with its value
//! ```
//!
//! # Cancellation
//!
//! A Rust future does nothing unless it is polled, and whoever polls it may stop at any
//! `.await` and drop it: a `tokio::select!` branch that lost, a timeout that fired, a
//! task that was aborted. That is cancellation, and Go has nothing like it: a blocked
//! goroutine stays blocked until its operation completes. A channel future dropped
//! mid-operation must therefore leave the channel as if it had never started, or as if
//! it had finished, and never half of each.
//!
//! gochan guarantees that no value is ever lost or duplicated, whenever a future is
//! dropped:
//!
//! - A dropped [`SendFuture`] either had its value taken by a receiver (the send
//!   happened, exactly once) or drops the value (it never reached anyone).
//!   [`SendFuture::cancel`] tells which and hands the value back.
//! - A dropped [`RecvFuture`] (or select, or stream) that had already been handed a
//!   value gives it back to the channel: to the next waiting receiver, or to the head
//!   of the buffer, where the next receive takes it first.
//! - A waiter dropped after it was woken passes the wake-up on, so no other waiter is
//!   stranded.
//!
//! ```
//! use futures::FutureExt;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! let mut recv = rx.recv();
//! assert!((&mut recv).now_or_never().is_none()); // waiting in the channel's queue
//! tx.try_send("handed over").unwrap(); // goes straight to the waiting receive...
//! drop(recv); // ...which is cancelled before it returned the value
//! assert_eq!(rx.try_recv(), Ok("handed over")); // the value was given back
//!
//! let (tx, _rx) = gochan::bounded(0);
//! let mut send = std::pin::pin!(tx.send("unsent"));
//! assert!(send.as_mut().now_or_never().is_none()); // nobody is receiving
//! assert_eq!(send.as_mut().cancel(), Some("unsent")); // withdrawn, and ours again
//! # });
//! ```
//!
//! # Panics
//!
//! No gochan call panics on its own (a send on a closed channel returns the value, a
//! second close returns `false`). User code runs inside its calls in three places: a
//! waker's `wake`, a value's `Drop`, and a select's bodies and mapping closures. If one
//! of them panics, gochan guarantees:
//!
//! - The operation that ran it has taken effect or not, as if the code had returned,
//!   and the panic unwinds out of that call. A send whose receiver's waker panics has
//!   delivered its value; a select whose body panics has completed exactly that case.
//!   Whatever the unwinding call held (the value a receive returned, a select's
//!   outcome) is dropped by the unwinding, like any local.
//! - The channel stays usable by every other handle. Its lock is never held while a
//!   value is dropped, and it is released before the panic leaves, so nothing is
//!   poisoned and no state is half updated.
//! - A broadcast wakes everyone: [`Sender::close`] (or the last handle leaving) wakes
//!   every waiter even when one waker panics, then resumes that panic. The last
//!   [`Receiver`] leaving drops every buffered value even when the broadcast or one
//!   value's `Drop` panics.
//! - Nothing is lost, duplicated or dropped twice. `tests/panics.rs` holds the crate
//!   to each point.
//!
//! ```
//! use std::panic::{catch_unwind, AssertUnwindSafe};
//! let (tx, rx) = gochan::bounded(1);
//! tx.try_send(1).unwrap();
//! let panicked = catch_unwind(AssertUnwindSafe(|| {
//!     gochan::Select::new()
//!         .recv(&rx, |_| -> () { panic!("a body that panics") })
//!         .wait()
//! }));
//! assert!(panicked.is_err());
//! assert!(rx.try_recv().is_err()); // the receive took effect, once
//! tx.try_send(2).unwrap(); // and the channel still works
//! assert_eq!(rx.try_recv(), Ok(2));
//! ```
//!
//! # Blocking and async together
//!
//! [`Sender::send_blocking`], [`Receiver::recv_blocking`] and [`Select::wait`] park the
//! calling thread in the same queues the futures use. Use them from plain threads,
//! never from inside an async task: they work there, but they block the executor's
//! thread while they wait, and on a single-threaded executor whose other tasks would
//! have answered, they wait for ever. (Inside tokio, wrap them in
//! `tokio::task::spawn_blocking`.)
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
//! # Executors
//!
//! gochan depends on no runtime: its futures only use the waker they are polled with.
//! The test suite runs the same workload on tokio (multi-thread and current-thread),
//! async-std, `futures::executor` and plain threads, and mixes them on one channel.
//! The examples in `examples/` run on tokio, async-std and `futures::executor`; each
//! file's first lines say which.
//!
//! # Crate layout
//!
//! The channel's state and every move of a value live in one module (`chan`); the
//! waiter queues and the select claim in `waiter`; the buffer that bounded channels
//! share without the lock while nobody waits in `ring`; futures, streams and blocking
//! calls are thin shells over them.

#![deny(missing_docs)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![deny(unsafe_code)]

mod blocking;
mod chan;
mod channel;
mod error;
mod future;
pub mod go_guide;
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
pub use select::{Select, SelectLoop, SelectNext};
pub use stream::{RecvStream, SendSink};

/// Not public API: what `select!` expands to.
#[doc(hidden)]
pub mod __private {
    pub use crate::select::{
        select_tuple, Case, CaseKind, CaseList, CaseTuple, FutureCase, RecvCase, SelectTuple,
        Selector, SendCase, TakeOutput,
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
