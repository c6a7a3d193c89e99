//! The crates under comparison, behind two small traits so that every scenario is
//! written once and run for each crate: [`AsyncChan`] (futures) and [`SyncChan`]
//! (blocking calls on plain threads).
//!
//! Adding a peer is one `impl` here plus one line in [`each_async`] / [`each_sync`].
//! Each impl uses the crate the way its documentation shows: one `send(..).await`
//! / `recv().await` (or blocking `send` / `recv`) per message, no batching.

// Every impl spells out `impl Future + Send` as the trait does, so that a peer whose
// future is not `Send` fails to compile right where it is added.
#![allow(clippy::manual_async_fn)]

use std::future::Future;

/// A message type: `usize`, or a 64-byte payload.
pub trait Msg: Copy + Send + Sync + 'static {
    fn make(i: usize) -> Self;
    /// A value derived from the message, summed by receivers so no work is optimised away.
    fn key(&self) -> usize;
}

impl Msg for usize {
    #[inline]
    fn make(i: usize) -> Self {
        i
    }
    #[inline]
    fn key(&self) -> usize {
        *self
    }
}

/// A 64-byte message.
#[derive(Clone, Copy)]
pub struct Bytes64(pub [u8; 64]);

impl Msg for Bytes64 {
    #[inline]
    fn make(i: usize) -> Self {
        let mut b = [0u8; 64];
        b[..8].copy_from_slice(&(i as u64).to_le_bytes());
        b[63] = i as u8;
        Bytes64(b)
    }
    #[inline]
    fn key(&self) -> usize {
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(w) as usize
    }
}

/// Channel capacity: `Bounded(0)` is a rendezvous channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    Bounded(usize),
    Unbounded,
}

impl std::fmt::Display for Cap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cap::Bounded(n) => write!(f, "{n}"),
            Cap::Unbounded => f.write_str("unbounded"),
        }
    }
}

/// An async channel crate.
pub trait AsyncChan: 'static {
    const NAME: &'static str;
    type Tx<T: Msg>: Clone + Send + 'static;
    type Rx<T: Msg>: Send + 'static;
    /// `None` when the crate has no channel of that capacity.
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    /// A second receiver on the same channel; `None` for single-consumer channels.
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
    /// Sends `v`, waiting for room; panics if the channel is closed.
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_;
    /// Receives one value; `None` once the channel is closed and drained.
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_;
}

/// A blocking channel crate.
pub trait SyncChan: 'static {
    const NAME: &'static str;
    type Tx<T: Msg>: Clone + Send + 'static;
    type Rx<T: Msg>: Send + 'static;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)>;
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>>;
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T);
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T>;
}

/// Something to do once per async crate (a generic closure).
pub trait AsyncVisitor {
    fn visit<C: AsyncChan>(&mut self);
}

/// Something to do once per blocking crate.
pub trait SyncVisitor {
    fn visit<C: SyncChan>(&mut self);
}

/// Every async crate, gochan first.
pub fn each_async(v: &mut impl AsyncVisitor) {
    v.visit::<Gochan>();
    v.visit::<AsyncChannel>();
    v.visit::<Flume>();
    v.visit::<Kanal>();
    v.visit::<TokioMpsc>();
    v.visit::<FuturesMpsc>();
}

/// Every blocking crate, gochan first.
pub fn each_sync(v: &mut impl SyncVisitor) {
    v.visit::<Gochan>();
    v.visit::<Crossbeam>();
    v.visit::<Flume>();
    v.visit::<Kanal>();
    v.visit::<StdMpsc>();
}

fn bounded_at_least_one(cap: Cap) -> Option<Option<usize>> {
    match cap {
        Cap::Bounded(0) => None,
        Cap::Bounded(n) => Some(Some(n)),
        Cap::Unbounded => Some(None),
    }
}

// ---------------------------------------------------------------- gochan

pub struct Gochan;

impl AsyncChan for Gochan {
    const NAME: &'static str = "gochan";
    type Tx<T: Msg> = gochan::Sender<T>;
    type Rx<T: Msg> = gochan::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => gochan::bounded(n),
            Cap::Unbounded => gochan::unbounded(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move { assert!(tx.send(v).await.is_ok(), "gochan: send on a closed channel") }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        async move { rx.recv().await.ok() }
    }
}

impl SyncChan for Gochan {
    const NAME: &'static str = "gochan";
    type Tx<T: Msg> = gochan::Sender<T>;
    type Rx<T: Msg> = gochan::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        <Self as AsyncChan>::new(cap)
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T) {
        assert!(
            tx.send_blocking(v).is_ok(),
            "gochan: send on a closed channel"
        );
    }
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv_blocking().ok()
    }
}

// ---------------------------------------------------------------- async-channel

pub struct AsyncChannel;

impl AsyncChan for AsyncChannel {
    const NAME: &'static str = "async-channel";
    type Tx<T: Msg> = async_channel::Sender<T>;
    type Rx<T: Msg> = async_channel::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        // async-channel has no rendezvous channel: `bounded(0)` panics.
        Some(match bounded_at_least_one(cap)? {
            Some(n) => async_channel::bounded(n),
            None => async_channel::unbounded(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move { assert!(tx.send(v).await.is_ok(), "async-channel: closed") }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        async move { rx.recv().await.ok() }
    }
}

// ---------------------------------------------------------------- flume

pub struct Flume;

impl AsyncChan for Flume {
    const NAME: &'static str = "flume";
    type Tx<T: Msg> = flume::Sender<T>;
    type Rx<T: Msg> = flume::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => flume::bounded(n),
            Cap::Unbounded => flume::unbounded(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move { assert!(tx.send_async(v).await.is_ok(), "flume: closed") }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        async move { rx.recv_async().await.ok() }
    }
}

impl SyncChan for Flume {
    const NAME: &'static str = "flume";
    type Tx<T: Msg> = flume::Sender<T>;
    type Rx<T: Msg> = flume::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        <Self as AsyncChan>::new(cap)
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T) {
        assert!(tx.send(v).is_ok(), "flume: closed");
    }
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
}

// ---------------------------------------------------------------- kanal

pub struct Kanal;

impl AsyncChan for Kanal {
    const NAME: &'static str = "kanal";
    type Tx<T: Msg> = kanal::AsyncSender<T>;
    type Rx<T: Msg> = kanal::AsyncReceiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => kanal::bounded_async(n),
            Cap::Unbounded => kanal::unbounded_async(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move { assert!(tx.send(v).await.is_ok(), "kanal: closed") }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        async move { rx.recv().await.ok() }
    }
}

impl SyncChan for Kanal {
    const NAME: &'static str = "kanal";
    type Tx<T: Msg> = kanal::Sender<T>;
    type Rx<T: Msg> = kanal::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => kanal::bounded(n),
            Cap::Unbounded => kanal::unbounded(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T) {
        assert!(tx.send(v).is_ok(), "kanal: closed");
    }
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
}

// ---------------------------------------------------------------- tokio::sync::mpsc

pub struct TokioMpsc;

pub enum TokioTx<T> {
    Bounded(tokio::sync::mpsc::Sender<T>),
    Unbounded(tokio::sync::mpsc::UnboundedSender<T>),
}

impl<T> Clone for TokioTx<T> {
    fn clone(&self) -> Self {
        match self {
            TokioTx::Bounded(s) => TokioTx::Bounded(s.clone()),
            TokioTx::Unbounded(s) => TokioTx::Unbounded(s.clone()),
        }
    }
}

pub enum TokioRx<T> {
    Bounded(tokio::sync::mpsc::Receiver<T>),
    Unbounded(tokio::sync::mpsc::UnboundedReceiver<T>),
}

impl<T> TokioRx<T> {
    pub async fn recv(&mut self) -> Option<T> {
        match self {
            TokioRx::Bounded(r) => r.recv().await,
            TokioRx::Unbounded(r) => r.recv().await,
        }
    }
}

impl AsyncChan for TokioMpsc {
    const NAME: &'static str = "tokio mpsc";
    type Tx<T: Msg> = TokioTx<T>;
    type Rx<T: Msg> = TokioRx<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match bounded_at_least_one(cap)? {
            Some(n) => {
                let (tx, rx) = tokio::sync::mpsc::channel(n);
                (TokioTx::Bounded(tx), TokioRx::Bounded(rx))
            }
            None => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                (TokioTx::Unbounded(tx), TokioRx::Unbounded(rx))
            }
        })
    }
    fn clone_rx<T: Msg>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move {
            let ok = match tx {
                TokioTx::Bounded(s) => s.send(v).await.is_ok(),
                TokioTx::Unbounded(s) => s.send(v).is_ok(),
            };
            assert!(ok, "tokio mpsc: closed");
        }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        rx.recv()
    }
}

// ---------------------------------------------------------------- futures::channel::mpsc

pub struct FuturesMpsc;

pub enum FuturesTx<T> {
    Bounded(futures::channel::mpsc::Sender<T>),
    Unbounded(futures::channel::mpsc::UnboundedSender<T>),
}

impl<T> Clone for FuturesTx<T> {
    fn clone(&self) -> Self {
        match self {
            FuturesTx::Bounded(s) => FuturesTx::Bounded(s.clone()),
            FuturesTx::Unbounded(s) => FuturesTx::Unbounded(s.clone()),
        }
    }
}

pub enum FuturesRx<T> {
    Bounded(futures::channel::mpsc::Receiver<T>),
    Unbounded(futures::channel::mpsc::UnboundedReceiver<T>),
}

impl AsyncChan for FuturesMpsc {
    const NAME: &'static str = "futures mpsc";
    type Tx<T: Msg> = FuturesTx<T>;
    type Rx<T: Msg> = FuturesRx<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        // `channel(buffer)` takes `buffer` values plus one per sender, but a sender
        // that pushed past `buffer` is parked, and `SinkExt::send` (which flushes)
        // completes only once it is unparked. So with `send().await`, `channel(n)`
        // lets exactly n sends complete ahead of the receiver, and `channel(0)`
        // completes a send only when the receiver has taken it: capacity n.
        Some(match cap {
            Cap::Bounded(n) => {
                let (tx, rx) = futures::channel::mpsc::channel(n);
                (FuturesTx::Bounded(tx), FuturesRx::Bounded(rx))
            }
            Cap::Unbounded => {
                let (tx, rx) = futures::channel::mpsc::unbounded();
                (FuturesTx::Unbounded(tx), FuturesRx::Unbounded(rx))
            }
        })
    }
    fn clone_rx<T: Msg>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    fn send<T: Msg>(tx: &mut Self::Tx<T>, v: T) -> impl Future<Output = ()> + Send + '_ {
        async move {
            let ok = match tx {
                FuturesTx::Bounded(s) => futures::SinkExt::send(s, v).await.is_ok(),
                FuturesTx::Unbounded(s) => s.unbounded_send(v).is_ok(),
            };
            assert!(ok, "futures mpsc: closed");
        }
    }
    fn recv<T: Msg>(rx: &mut Self::Rx<T>) -> impl Future<Output = Option<T>> + Send + '_ {
        async move {
            match rx {
                FuturesRx::Bounded(r) => futures::StreamExt::next(r).await,
                FuturesRx::Unbounded(r) => futures::StreamExt::next(r).await,
            }
        }
    }
}

// ---------------------------------------------------------------- crossbeam-channel

pub struct Crossbeam;

impl SyncChan for Crossbeam {
    const NAME: &'static str = "crossbeam";
    type Tx<T: Msg> = crossbeam_channel::Sender<T>;
    type Rx<T: Msg> = crossbeam_channel::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => crossbeam_channel::bounded(n),
            Cap::Unbounded => crossbeam_channel::unbounded(),
        })
    }
    fn clone_rx<T: Msg>(rx: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        Some(rx.clone())
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T) {
        assert!(tx.send(v).is_ok(), "crossbeam: closed");
    }
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
}

// ---------------------------------------------------------------- std::sync::mpsc

pub struct StdMpsc;

pub enum StdTx<T> {
    Sync(std::sync::mpsc::SyncSender<T>),
    Async(std::sync::mpsc::Sender<T>),
}

impl<T> Clone for StdTx<T> {
    fn clone(&self) -> Self {
        match self {
            StdTx::Sync(s) => StdTx::Sync(s.clone()),
            StdTx::Async(s) => StdTx::Async(s.clone()),
        }
    }
}

impl SyncChan for StdMpsc {
    const NAME: &'static str = "std mpsc";
    type Tx<T: Msg> = StdTx<T>;
    type Rx<T: Msg> = std::sync::mpsc::Receiver<T>;
    fn new<T: Msg>(cap: Cap) -> Option<(Self::Tx<T>, Self::Rx<T>)> {
        Some(match cap {
            Cap::Bounded(n) => {
                let (tx, rx) = std::sync::mpsc::sync_channel(n);
                (StdTx::Sync(tx), rx)
            }
            Cap::Unbounded => {
                let (tx, rx) = std::sync::mpsc::channel();
                (StdTx::Async(tx), rx)
            }
        })
    }
    fn clone_rx<T: Msg>(_: &Self::Rx<T>) -> Option<Self::Rx<T>> {
        None
    }
    fn send<T: Msg>(tx: &Self::Tx<T>, v: T) {
        let ok = match tx {
            StdTx::Sync(s) => s.send(v).is_ok(),
            StdTx::Async(s) => s.send(v).is_ok(),
        };
        assert!(ok, "std mpsc: closed");
    }
    fn recv<T: Msg>(rx: &Self::Rx<T>) -> Option<T> {
        rx.recv().ok()
    }
}
