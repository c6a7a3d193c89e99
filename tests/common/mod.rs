#![cfg(not(loom))]
//! Shared helpers for the integration tests: timeouts that turn a hang into a failure
//! on every executor the suite uses, counting wakers for manual polling, a value type
//! that counts its drops, and a small deterministic PRNG.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Generous bound for one test: only a hang should ever reach it.
pub const SECS: u64 = 20;

/// Await `fut` inside a tokio runtime (multi-thread or current-thread); panic if it
/// takes longer than `secs` seconds.
pub async fn with_timeout<F: Future>(secs: u64, fut: F) -> F::Output {
    match tokio::time::timeout(Duration::from_secs(secs), fut).await {
        Ok(out) => out,
        Err(_) => panic!("test timed out after {secs} s (tokio): probably a hang"),
    }
}

/// The same for async-std.
pub async fn with_timeout_async_std<F: Future>(secs: u64, fut: F) -> F::Output {
    match async_std::future::timeout(Duration::from_secs(secs), fut).await {
        Ok(out) => out,
        Err(_) => panic!("test timed out after {secs} s (async-std): probably a hang"),
    }
}

/// Run `f` on its own thread and wait at most `secs` seconds for its result. A panic
/// inside `f` is re-raised here; a hang becomes a panic.
pub fn thread_timeout<R, F>(secs: u64, f: F) -> R
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let (done_tx, done_rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("bounded-test-body".into())
        .spawn(move || {
            let out = f();
            let _ = done_tx.send(());
            out
        })
        .expect("spawn test thread");
    match done_rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => handle.join().expect("test body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The sender was dropped without sending: the body panicked.
            match handle.join() {
                Ok(_) => unreachable!("body finished without reporting"),
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test timed out after {secs} s (thread): probably a hang")
        }
    }
}

/// Drive `fut` with `futures::executor::block_on` on its own thread, bounded by `secs`.
pub fn block_on_timeout<F>(secs: u64, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    thread_timeout(secs, move || futures::executor::block_on(fut))
}

/// Like [`block_on_timeout`] for a future that is not `Send`: `make` builds it on the
/// test thread itself.
pub fn block_on_local_timeout<F, Fut>(secs: u64, make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    thread_timeout(secs, move || futures::executor::block_on(make()))
}

/// Build a tokio runtime (multi-thread with `workers` workers, or current-thread when
/// `workers` is 0) on its own thread and run `fut` on it, bounded by `secs` even if a
/// bug blocks the runtime's threads.
pub fn tokio_timeout<F>(secs: u64, workers: usize, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    thread_timeout(secs, move || {
        let rt = if workers == 0 {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all()
                .build()
        }
        .expect("build tokio runtime");
        rt.block_on(fut)
    })
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub struct CountingWaker {
    wakes: AtomicUsize,
}

impl CountingWaker {
    pub fn count(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker: the counter and the `Waker` that bumps it.
pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

/// Poll a pinned future once with `waker`.
pub fn poll_with<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    let mut cx = Context::from_waker(waker);
    fut.poll(&mut cx)
}

/// Poll a pinned future once with a waker that does nothing.
pub fn poll_noop<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(fut, futures::task::noop_waker_ref())
}

/// A value that counts its drops in a shared counter.
#[derive(Debug)]
pub struct DropCounter {
    pub id: usize,
    drops: Arc<AtomicUsize>,
}

impl DropCounter {
    pub fn new(id: usize, drops: &Arc<AtomicUsize>) -> Self {
        DropCounter {
            id,
            drops: drops.clone(),
        }
    }
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A value whose every drop is recorded per id, so a test can prove that no value was
/// duplicated (dropped twice) or leaked (never dropped).
pub struct Token {
    pub id: usize,
    ledger: Arc<Ledger>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({})", self.id)
    }
}

/// Per-id counters shared by the tokens of one test.
pub struct Ledger {
    pub drops: Vec<AtomicUsize>,
    pub received: Vec<AtomicUsize>,
}

impl Ledger {
    pub fn new(n: usize) -> Arc<Self> {
        Arc::new(Ledger {
            drops: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            received: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        })
    }
    pub fn token(self: &Arc<Self>, id: usize) -> Token {
        Token {
            id,
            ledger: self.clone(),
        }
    }
    pub fn drops(&self, id: usize) -> usize {
        self.drops[id].load(Ordering::SeqCst)
    }
    pub fn received(&self, id: usize) -> usize {
        self.received[id].load(Ordering::SeqCst)
    }
}

impl Token {
    /// Record that a receiver got this token, then drop it.
    pub fn receive(self) -> usize {
        self.ledger.received[self.id].fetch_add(1, Ordering::SeqCst);
        self.id
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.ledger.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// splitmix64: a tiny deterministic PRNG (the tests need no crypto, only variety).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Seeded from the clock; the seed is printed so a failure can be replayed.
    pub fn from_clock(label: &str) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        eprintln!("{label}: rng seed {seed}");
        Rng::new(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0); the modulo bias is negligible for small n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A future that returns `Pending` `n` times (waking itself each time) before it
/// completes: a cancellation point that fires after a random number of polls, finer
/// than any timer.
pub struct YieldN(pub u32);

impl Future for YieldN {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Sort and compare with the expected multiset, reporting missing and duplicated values.
pub fn assert_same_set(mut got: Vec<u64>, mut expected: Vec<u64>) {
    got.sort_unstable();
    expected.sort_unstable();
    if got != expected {
        let mut dups = Vec::new();
        for w in got.windows(2) {
            if w[0] == w[1] {
                dups.push(w[0]);
            }
        }
        let got_set: std::collections::HashSet<u64> = got.iter().copied().collect();
        let missing: Vec<u64> = expected
            .iter()
            .copied()
            .filter(|v| !got_set.contains(v))
            .take(20)
            .collect();
        panic!(
            "received {} values, expected {}; duplicated (first 20): {:?}; missing (first 20): {:?}",
            got.len(),
            expected.len(),
            &dups[..dups.len().min(20)],
            missing
        );
    }
}

/// A channel of capacity `cap` (`None`: unbounded), for tests run over several.
pub fn make<T>(cap: Option<usize>) -> (gochan::Sender<T>, gochan::Receiver<T>) {
    match cap {
        Some(n) => gochan::bounded(n),
        None => gochan::unbounded(),
    }
}
