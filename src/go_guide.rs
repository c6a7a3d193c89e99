//! From Go to gochan: every channel construct of Go's spec, side by side.
//!
//! This module holds no code, only this page. Each section shows the Go construct,
//! then its gochan spelling as an example that runs as a doctest. The last section
//! lists every place gochan behaves differently on purpose.
//!
//! | Go | gochan |
//! |---|---|
//! | `make(chan T)` | [`bounded(0)`](crate::bounded) |
//! | `make(chan T, n)` | [`bounded(n)`](crate::bounded) |
//! | (none) | [`unbounded()`](crate::unbounded) |
//! | `chan<- T`, `<-chan T` | [`Sender<T>`](crate::Sender), [`Receiver<T>`](crate::Receiver) |
//! | `ch <- v` | `tx.send(v).await`, `tx.send_blocking(v)` |
//! | `v := <-ch` | `rx.recv().await`, `rx.recv_blocking()` |
//! | `v, ok := <-ch` | `match rx.recv().await { Ok(v) => .., Err(RecvError) => .. }` |
//! | `close(ch)` | [`tx.close()`](crate::Sender::close), or drop every `Sender` |
//! | `for v := range ch` | `while let Ok(v) = rx.recv().await`, [`rx.stream()`](crate::Receiver::stream); `for v in &rx` on a thread |
//! | `len(ch)`, `cap(ch)` | [`len()`](crate::Receiver::len), [`capacity()`](crate::Receiver::capacity) |
//! | `var ch chan T` (nil) | `None` in a select case |
//! | `select { case ... }` | [`select!`](crate::select!) |
//! | `select { ...; default: }` | `default =>` in `select!`; [`try_send`](crate::Sender::try_send), [`try_recv`](crate::Receiver::try_recv) |
//! | `case <-time.After(d):` | `future(sleep(d)) -> _ =>` in `select!`; [`recv_timeout`](crate::Receiver::recv_timeout), [`Select::wait_timeout`](crate::Select::wait_timeout) on a thread |
//! | `reflect.Select(cases)` | [`Select`](crate::Select); [`SelectLoop`](crate::SelectLoop) to keep the cases across a loop |
//! | `select {}` | `Select::new().await`, a `select!` of nil cases |
//! | `go f()` | your executor's spawn, or `std::thread::spawn` |
//!
//! # `make`: with and without capacity
//!
//! ```go
//! unbuffered := make(chan int)     // sender and receiver meet
//! buffered := make(chan int, 8)    // up to 8 values wait in the buffer
//! ```
//!
//! `make` returns one two-way value; gochan returns the two ends, a [`Sender`](crate::Sender) and a
//! [`Receiver`](crate::Receiver). Clone either end to share it: the channel is
//! multi-producer, multi-consumer, as Go's is. Go has no unbounded channel; gochan's
//! [`unbounded()`](crate::unbounded) never makes a sender wait.
//!
//! ```
//! let (tx, rx) = gochan::bounded::<i32>(0); // make(chan int)
//! assert_eq!(rx.capacity(), Some(0));
//! let (tx8, rx8) = gochan::bounded::<i32>(8); // make(chan int, 8)
//! assert_eq!(tx8.capacity(), Some(8));
//! let (more_tx, more_rx) = gochan::unbounded::<i32>(); // no Go equivalent
//! assert_eq!(more_rx.capacity(), None);
//! # drop((tx, rx, rx8, more_tx));
//! ```
//!
//! # Send: `ch <- v`
//!
//! ```go
//! ch <- v // waits for a receiver (unbuffered) or for room (buffered)
//! ```
//!
//! In async code, [`send(v).await`](crate::Sender::send); on a plain thread,
//! [`send_blocking(v)`](crate::Sender::send_blocking). Both return
//! `Err(SendError(v))`, with the value, if the channel is closed, where Go panics.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! tx.send(1).await.unwrap(); // ch <- 1, from async code
//! let thread = std::thread::spawn(move || tx.send_blocking(2)); // ch <- 2, from a thread
//! assert_eq!(rx.recv().await, Ok(1));
//! assert_eq!(rx.recv().await, Ok(2));
//! assert_eq!(thread.join().unwrap(), Ok(()));
//! # });
//! ```
//!
//! # Receive: `<-ch` and `v, ok := <-ch`
//!
//! ```go
//! v := <-ch      // the zero value once ch is closed and drained
//! v, ok := <-ch  // ok is false once ch is closed and drained
//! ```
//!
//! [`recv().await`](crate::Receiver::recv) and
//! [`recv_blocking()`](crate::Receiver::recv_blocking) return `Ok(v)`, or
//! `Err(RecvError)` where Go would give the zero value and `ok == false`. There is no
//! zero value to mistake for data.
//!
//! ```
//! use gochan::RecvError;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! tx.send(0).await.unwrap(); // a real zero
//! tx.close();
//! match rx.recv().await {
//!     Ok(v) => assert_eq!(v, 0),          // v, ok = 0, true
//!     Err(RecvError) => unreachable!(),   // v, ok = 0, false
//! }
//! assert_eq!(rx.recv().await, Err(RecvError)); // closed and drained
//! # });
//! ```
//!
//! # `close(ch)`
//!
//! ```go
//! close(ch) // receivers drain the buffer, then get ok == false; sends panic
//! ```
//!
//! [`Sender::close`](crate::Sender::close) closes the channel for everyone and wakes every waiter: a
//! broadcast. Dropping the last `Sender` closes it too, so a producer that simply
//! returns has closed its channel, where Go needs an explicit `close` (often a
//! `defer close(ch)`). `close` returns `true` if this call closed the channel and
//! `false` if it was closed already; Go panics on the second close.
//!
//! ```
//! let (tx, rx) = gochan::bounded(4);
//! tx.try_send("left in the buffer").unwrap();
//! assert!(tx.close()); // close(ch)
//! assert!(!tx.close()); // Go: panic: close of closed channel
//! assert!(tx.try_send("too late").is_err()); // Go: panic: send on closed channel
//! assert_eq!(rx.recv_blocking(), Ok("left in the buffer"));
//! assert!(rx.recv_blocking().is_err());
//! ```
//!
//! # `for v := range ch`
//!
//! ```go
//! for v := range ch { use(v) } // ends when ch is closed and drained
//! ```
//!
//! In async code, a `while let` over `recv()`, or [`Receiver::stream`](crate::Receiver::stream), a
//! [`Stream`](futures_core::Stream) for combinators. On a thread, Go's loop is Rust's:
//! `for v in &rx` (or [`rx.iter()`](crate::Receiver::iter), or `for v in rx` to consume
//! the receiver) blocks for each value and ends when the channel is closed and drained.
//! [`try_iter()`](crate::Receiver::try_iter) takes only what is there now, without
//! waiting.
//!
//! ```
//! let (tx, rx) = gochan::bounded(1);
//! let producer = std::thread::spawn(move || {
//!     for i in 1..=3 {
//!         tx.send_blocking(i).unwrap();
//!     } // tx dropped: the channel closes
//! });
//! let mut sum = 0;
//! for v in &rx {
//!     sum += v; // for v := range ch { sum += v }
//! }
//! assert_eq!(sum, 6);
//! producer.join().unwrap();
//! assert_eq!(rx.try_iter().count(), 0); // closed and drained
//! ```
//!
//! ```
//! use futures::StreamExt;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::unbounded();
//! for i in 1..=3 {
//!     tx.try_send(i).unwrap();
//! }
//! drop(tx); // the range below ends once these three are read
//!
//! let mut sum = 0;
//! while let Ok(v) = rx.recv().await {
//!     sum += v; // for v := range ch { sum += v }
//! }
//! assert_eq!(sum, 6);
//!
//! let (tx, rx) = gochan::unbounded();
//! std::thread::spawn(move || {
//!     for word in ["a", "b"] {
//!         tx.send_blocking(word).unwrap();
//!     }
//! });
//! assert_eq!(rx.stream().collect::<Vec<_>>().await, ["a", "b"]);
//! # });
//! ```
//!
//! # `len(ch)` and `cap(ch)`
//!
//! [`len()`](crate::Receiver::len) counts the values waiting in the channel, and
//! [`capacity()`](crate::Receiver::capacity) is `Some(n)` for `bounded(n)`, `None` for
//! an unbounded channel. Both ends have both. As in Go, `len` is a snapshot that
//! other tasks may change the moment after.
//!
//! ```
//! let (tx, rx) = gochan::bounded(3);
//! tx.try_send(1).unwrap();
//! tx.try_send(2).unwrap();
//! assert_eq!((rx.len(), rx.capacity()), (2, Some(3))); // len(ch), cap(ch)
//! let (_, unbuffered) = gochan::bounded::<u8>(0);
//! assert_eq!((unbuffered.len(), unbuffered.capacity()), (0, Some(0)));
//! ```
//!
//! # Direction: `chan<- T` and `<-chan T`
//!
//! ```go
//! func produce(out chan<- int) { out <- 1; close(out) }
//! func consume(in <-chan int) int { return <-in }
//! ```
//!
//! A `Sender<T>` is `chan<- T` and a `Receiver<T>` is `<-chan T`; there is no two-way
//! handle to narrow. A receiver cannot send or close, which the compiler checks.
//!
//! ```
//! use gochan::{Receiver, Sender};
//! fn produce(out: Sender<i32>) {
//!     out.send_blocking(1).unwrap();
//! } // dropping `out` closes the channel
//! fn consume(input: Receiver<i32>) -> i32 {
//!     input.recv_blocking().unwrap()
//! }
//! let (tx, rx) = gochan::bounded(0);
//! let producer = std::thread::spawn(move || produce(tx));
//! assert_eq!(consume(rx), 1);
//! producer.join().unwrap();
//! ```
//!
//! # Nil channels
//!
//! ```go
//! var ch chan int // nil: a send or receive on it blocks forever
//! select {
//! case v := <-ch:  // never fires while ch is nil
//! case v := <-other:
//! }
//! ```
//!
//! Rust has no nil channel value; `Option` plays its part. A case of [`select!`](crate::select!) or
//! [`Select`](crate::Select) takes `&rx` or an `Option<&Receiver<T>>` (`&tx` or an
//! `Option<&Sender<T>>` for a send), and `None` never fires. Outside a select, Go's
//! "block forever" is `std::future::pending().await`.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! tx.try_send("from other").unwrap();
//! let nil: Option<&gochan::Receiver<&str>> = None; // var ch chan string
//! let got = gochan::select! {
//!     recv(nil) -> _ => "never",
//!     recv(&rx) -> v => v.unwrap(),
//! };
//! assert_eq!(got, "from other");
//! # });
//! ```
//!
//! # `select`, with and without `default`
//!
//! ```go
//! select {
//! case v := <-in:
//!     handle(v)
//! case out <- next:
//!     advance()
//! default:
//!     idle()
//! }
//! ```
//!
//! [`select!`](crate::select!) has `recv(rx) -> v => body`, `send(tx, value) -> res => body` and
//! `default => body`. As in Go, ready cases are chosen uniformly at random, exactly one
//! case takes effect, and `break`, `continue`, `return` and `?` in a body act on the
//! enclosing loop or function. A closed channel's cases are ready: `recv` with
//! `Err(RecvError)`, `send` with `Err(SendError(value))`. For a single operation with
//! `default`, [`try_send`](crate::Sender::try_send) and
//! [`try_recv`](crate::Receiver::try_recv) say the same in fewer words.
//!
//! ```
//! # futures::executor::block_on(async {
//! let (in_tx, input) = gochan::bounded(1);
//! let (out, out_rx) = gochan::bounded(1);
//! in_tx.try_send(10).unwrap();
//! let mut log = Vec::new();
//! for _ in 0..3 {
//!     gochan::select! {
//!         recv(&input) -> v => log.push(format!("got {}", v.unwrap())),
//!         send(&out, 20) -> res => {
//!             res.unwrap();
//!             log.push("sent 20".to_string());
//!         }
//!         default => log.push("idle".to_string()),
//!     }
//! }
//! // Both cases were ready at first, in either order; then neither was.
//! log.sort();
//! assert_eq!(log, ["got 10", "idle", "sent 20"]);
//! assert_eq!(out_rx.try_recv(), Ok(20));
//! assert!(input.try_recv().is_err()); // non-blocking receive: select with default
//! # });
//! ```
//!
//! # `time.After` in a select
//!
//! ```go
//! select {
//! case v := <-results:
//!     use(v)
//! case <-time.After(50 * time.Millisecond):
//!     giveUp()
//! }
//! ```
//!
//! gochan has no timer of its own, so that it runs on any executor: a `future(..)`
//! case takes your runtime's sleep (`tokio::time::sleep`, `async_std::task::sleep`,
//! ...), or any other future. The dynamic [`Select`](crate::Select) has
//! [`future`](crate::Select::future) for the same.
//!
//! ```
//! use std::time::Duration;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (tx, results) = gochan::bounded::<u32>(0); // nobody will send in time
//! let outcome = gochan::select! {
//!     recv(&results) -> v => format!("got {v:?}"),
//!     future(tokio::time::sleep(Duration::from_millis(20))) -> () => "gave up".to_string(),
//! };
//! assert_eq!(outcome, "gave up");
//!
//! let outcome = gochan::Select::new()
//!     .recv(&results, |v| format!("got {v:?}"))
//!     .future(tokio::time::sleep(Duration::from_millis(20)), |()| "gave up".to_string())
//!     .await;
//! assert_eq!(outcome, "gave up");
//! # drop(tx);
//! # }
//! ```
//!
//! On a plain thread no runtime is needed: [`recv_timeout`](crate::Receiver::recv_timeout)
//! and [`recv_deadline`](crate::Receiver::recv_deadline),
//! [`send_timeout`](crate::Sender::send_timeout) and
//! [`send_deadline`](crate::Sender::send_deadline), and, for a whole select,
//! [`Select::wait_timeout`](crate::Select::wait_timeout) and
//! [`wait_deadline`](crate::Select::wait_deadline), which return `None` when no case
//! took effect. A timed-out send hands its value back, and no receiver ever sees it.
//!
//! ```
//! use gochan::{RecvTimeoutError, SendTimeoutError};
//! use std::time::Duration;
//! let (tx, results) = gochan::bounded::<u32>(0);
//! let d = Duration::from_millis(20);
//! assert_eq!(results.recv_timeout(d), Err(RecvTimeoutError::Timeout));
//! assert_eq!(tx.send_timeout(7, d), Err(SendTimeoutError::Timeout(7))); // 7 comes back
//! let outcome = gochan::Select::new()
//!     .recv(&results, |v| format!("got {v:?}"))
//!     .wait_timeout(d);
//! assert_eq!(outcome, None); // time.After fired: giveUp()
//! ```
//!
//! # `reflect.Select`: a select built at run time
//!
//! ```go
//! cases := make([]reflect.SelectCase, len(chans))
//! for i, ch := range chans {
//!     cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}
//! }
//! chosen, value, ok := reflect.Select(cases)
//! ```
//!
//! [`Select`](crate::Select) takes any number of cases, added in a loop. Each case has
//! a closure that turns its outcome into the select's result, which plays the part of
//! `chosen, value, ok`. Await it, or [`wait()`](crate::Select::wait) on a thread.
//! `.default(..)` and `.biased()` are there too.
//!
//! ```
//! use gochan::{RecvError, Select};
//! let chans: Vec<_> = (0..4).map(|_| gochan::bounded::<&str>(1)).collect();
//! chans[2].0.try_send("third").unwrap();
//!
//! let mut sel = Select::new();
//! for (i, (_, rx)) in chans.iter().enumerate() {
//!     sel = sel.recv(rx, move |v: Result<&str, RecvError>| (i, v));
//! }
//! let (chosen, value) = sel.wait(); // chosen, value, ok := reflect.Select(cases)
//! assert_eq!((chosen, value), (2, Ok("third")));
//! ```
//!
//! A `Select` is used up by the one select it runs. Go keeps its `cases` slice across
//! a loop, and so does [`SelectLoop`](crate::SelectLoop): built once with `FnMut`
//! closures, then selected as often as needed. Setting `cases[i].Chan` to a zero
//! `reflect.Value` to switch a closed channel off is
//! [`disable(i)`](crate::SelectLoop::disable).
//!
//! ```
//! use gochan::{RecvError, SelectLoop};
//! let chans: Vec<_> = (0..4).map(|_| gochan::unbounded::<u32>()).collect();
//! for (i, (tx, _)) in chans.iter().enumerate() {
//!     tx.try_send(i as u32).unwrap();
//!     tx.close();
//! }
//! let mut cases = SelectLoop::new();
//! for (i, (_, rx)) in chans.iter().enumerate() {
//!     cases = cases.recv(rx, move |v: Result<u32, RecvError>| (i, v));
//! }
//! let (mut sum, mut open) = (0, chans.len());
//! while open > 0 {
//!     match cases.wait() {
//!         (_, Ok(v)) => sum += v,
//!         (chosen, Err(RecvError)) => {
//!             cases.disable(chosen); // cases[chosen].Chan = reflect.Value{}
//!             open -= 1;
//!         }
//!     }
//! }
//! assert_eq!(sum, 0 + 1 + 2 + 3);
//! ```
//!
//! # `select {}`
//!
//! A select with no case that can fire, and no `default`, waits forever, in Go and in
//! gochan: an empty [`Select`](crate::Select), or a `select!` whose cases are all
//! `None`. Its future just stays pending.
//!
//! ```
//! use futures::FutureExt;
//! let forever = gochan::Select::<()>::new();
//! assert!(forever.now_or_never().is_none()); // select {}
//! ```
//!
//! # Where gochan differs from Go, on purpose
//!
//! | situation | Go | gochan |
//! |---|---|---|
//! | send on a closed channel | panics | `Err(SendError(v))`: the value comes back |
//! | close a closed channel | panics | `close()` returns `false` |
//! | close a nil channel | panics | there is no nil channel to close |
//! | receive when closed and drained | zero value, `ok == false` | `Err(RecvError)` |
//! | every receiver is gone, a sender waits | blocked forever: a goroutine leak | woken with `Err(SendError(v))` |
//! | every sender is gone | receivers wait forever unless someone calls `close` | the channel closes |
//! | a blocked operation is abandoned | impossible: goroutines are never cancelled | cancel safe: nothing lost or duplicated |
//! | `len(ch)` | at most `cap(ch)` | may briefly exceed the capacity by values given back by cancelled receives |
//! | unbounded channel | none | [`unbounded()`](crate::unbounded) |
//!
//! The first three turn Go's runtime panics into values a caller can handle. The
//! leak row is the one that matters most in a long-running service: in Go, a producer
//! whose consumer gave up must be told through a second channel (`done`, a
//! `context.Context`); in gochan, the consumer dropping its `Receiver` tells it.
//!
//! ```
//! use gochan::SendError;
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(0);
//! let sender = std::thread::spawn(move || tx.send_blocking("for nobody"));
//! drop(rx); // the only receiver leaves while the sender waits
//! assert_eq!(sender.join().unwrap(), Err(SendError("for nobody")));
//! # });
//! ```
//!
//! What cancellation means, and what gochan promises about it, is in the crate
//! documentation's [Cancellation](crate#cancellation) section.

// The README's examples are doctests too, so the first page a new user reads cannot
// drift from the crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
