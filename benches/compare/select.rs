//! Fan-in through select: `width` producers, each sending its share of N on its own
//! channel, and one consumer task that receives all N with a select over every
//! receiver, building a fresh select each time (the idiomatic loop for each crate).
//!
//! Compared: `gochan::select!`, `gochan::Select` and `gochan::SelectLoop` (built once
//! before the loop, as Go's `reflect.Select` takes a slice of cases kept across it) against `tokio::select!` and
//! `futures::select!` (both pick a random ready branch, as gochan does) over tokio
//! mpsc and async-channel receivers. Producers use the same [`AsyncChan`] calls as
//! everywhere else.
//!
//! The consumer runs as the `block_on` future itself, not as a spawned task, for
//! every variant: `gochan::Select` is not `Send` (its cases are type-erased `FnOnce`
//! closures without a `Send` bound), so it cannot be `tokio::spawn`ed on the
//! multi-thread runtime, and all variants must run in the same place. On the
//! multi-thread runtime the consumer is thus a third thread beside the 2 workers
//! that run the producers. A sender clone of every channel is kept until the consumer is
//! done, so no channel closes under a select (a closed channel is always ready).

// `consume` spells out its future type in every impl, as the trait declares it.
#![allow(clippy::manual_async_fn)]

use std::future::Future;
use std::hint::black_box;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::runtime::Runtime;

use crate::async_scen::split;
use crate::driver::Driver;
use crate::peers::{AsyncChan, AsyncChannel, Bytes64, Cap, Gochan, Msg, TokioMpsc};
use crate::plan::{Case, Payload, Work};

type Rx<C, T> = <C as AsyncChan>::Rx<T>;

/// One way of writing the consumer's select loop.
trait Fanin: 'static {
    type C: AsyncChan;
    fn name() -> String;
    /// Receives `n` messages from `rxs` (2, 4 or 8 receivers); returns `n`.
    fn consume<T: Msg>(rxs: Vec<Rx<Self::C, T>>, n: usize) -> impl Future<Output = usize>;
}

/// Turns `rxs` into 2, 4 or 8 named receivers and expands `$looper!` over them.
macro_rules! by_width {
    ($rxs:ident, $looper:ident!($($pre:tt)*)) => {
        match $rxs.len() {
            2 => {
                #[allow(unused_mut)]
                let Ok([mut a, mut b]) = <[_; 2]>::try_from($rxs) else { unreachable!() };
                $looper!($($pre)*; a b)
            }
            4 => {
                #[allow(unused_mut)]
                let Ok([mut a, mut b, mut c, mut d]) = <[_; 4]>::try_from($rxs) else { unreachable!() };
                $looper!($($pre)*; a b c d)
            }
            8 => {
                #[allow(unused_mut)]
                let Ok([mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h]) =
                    <[_; 8]>::try_from($rxs) else { unreachable!() };
                $looper!($($pre)*; a b c d e f g h)
            }
            w => unreachable!("no fan-in of width {w}"),
        }
    };
}

macro_rules! gochan_loop {
    ($n:ident; $($r:ident)+) => {{
        let mut sum = 0usize;
        for _ in 0..$n {
            gochan::select! {
                $( recv(&$r) -> m => { sum += m.expect("open").key(); } )+
            }
        }
        black_box(sum);
        $n
    }};
}

macro_rules! tokio_loop {
    ($C:ident, $n:ident; $($r:ident)+) => {{
        let mut sum = 0usize;
        for _ in 0..$n {
            tokio::select! {
                $( Some(v) = $C::recv(&mut $r) => { sum += v.key(); }, )+
            }
        }
        black_box(sum);
        $n
    }};
}

macro_rules! futures_loop {
    ($C:ident, $n:ident; $($r:ident)+) => {{
        let mut sum = 0usize;
        for _ in 0..$n {
            futures::select! {
                $( v = $C::recv(&mut $r).fuse() => { sum += v.expect("open").key(); }, )+
            }
        }
        black_box(sum);
        $n
    }};
}

struct GochanMacro;

impl Fanin for GochanMacro {
    type C = Gochan;
    fn name() -> String {
        "gochan select!".into()
    }
    fn consume<T: Msg>(rxs: Vec<gochan::Receiver<T>>, n: usize) -> impl Future<Output = usize> {
        async move { by_width!(rxs, gochan_loop!(n)) }
    }
}

struct GochanSelect;

impl Fanin for GochanSelect {
    type C = Gochan;
    fn name() -> String {
        "gochan Select".into()
    }
    fn consume<T: Msg>(rxs: Vec<gochan::Receiver<T>>, n: usize) -> impl Future<Output = usize> {
        async move {
            let mut sum = 0usize;
            for _ in 0..n {
                let select = rxs.iter().fold(gochan::Select::new(), |s, rx| {
                    s.recv(rx, |m: Result<T, gochan::RecvError>| m.expect("open").key())
                });
                sum += select.await;
            }
            black_box(sum);
            n
        }
    }
}

/// The dynamic select built once, outside the loop, and selected `n` times.
struct GochanSelectLoop;

impl Fanin for GochanSelectLoop {
    type C = Gochan;
    fn name() -> String {
        "gochan SelectLoop".into()
    }
    fn consume<T: Msg>(rxs: Vec<gochan::Receiver<T>>, n: usize) -> impl Future<Output = usize> {
        async move {
            let mut fan_in = rxs.iter().fold(gochan::SelectLoop::new(), |s, rx| {
                s.recv(rx, |m: Result<T, gochan::RecvError>| m.expect("open").key())
            });
            let mut sum = 0usize;
            for _ in 0..n {
                sum += fan_in.select().await;
            }
            black_box(sum);
            n
        }
    }
}

struct TokioSelect<C>(PhantomData<C>);

impl<C: AsyncChan> Fanin for TokioSelect<C> {
    type C = C;
    fn name() -> String {
        format!("tokio::select! + {}", C::NAME)
    }
    fn consume<T: Msg>(rxs: Vec<Rx<C, T>>, n: usize) -> impl Future<Output = usize> {
        async move { by_width!(rxs, tokio_loop!(C, n)) }
    }
}

struct FuturesSelect<C>(PhantomData<C>);

impl<C: AsyncChan> Fanin for FuturesSelect<C> {
    type C = C;
    fn name() -> String {
        format!("futures::select! + {}", C::NAME)
    }
    fn consume<T: Msg>(rxs: Vec<Rx<C, T>>, n: usize) -> impl Future<Output = usize> {
        async move { by_width!(rxs, futures_loop!(C, n)) }
    }
}

trait FaninVisitor {
    fn visit<F: Fanin>(&mut self);
}

/// Every select variant, gochan's first.
fn each_fanin(v: &mut impl FaninVisitor) {
    v.visit::<GochanMacro>();
    v.visit::<GochanSelect>();
    v.visit::<GochanSelectLoop>();
    v.visit::<TokioSelect<TokioMpsc>>();
    v.visit::<TokioSelect<AsyncChannel>>();
    v.visit::<FuturesSelect<AsyncChannel>>();
    v.visit::<FuturesSelect<TokioMpsc>>();
}

fn select_once<F: Fanin, T: Msg>(rt: &Runtime, cap: Cap, width: usize, n: usize) -> Duration {
    rt.block_on(async move {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..width)
            .map(|_| F::C::new::<T>(cap).expect("supported"))
            .unzip();
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(width + 1);
        for (tx, range) in txs.iter().zip(split(n, width)) {
            let mut tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for i in range {
                    F::C::send(&mut tx, T::make(i)).await;
                }
                0
            }));
        }
        let mut got = F::consume::<T>(rxs, n).await;
        for t in tasks {
            got += t.await.expect("benchmark task panicked");
        }
        let elapsed = start.elapsed();
        drop(txs);
        assert_eq!(got, n);
        elapsed
    })
}

struct Runner<'a> {
    driver: &'a mut Driver,
    rt: &'a Runtime,
    case: &'a Case,
    width: usize,
}

impl Runner<'_> {
    fn run<F: Fanin, T: Msg>(&mut self) {
        if F::C::new::<T>(self.case.cap).is_none() {
            return;
        }
        let (rt, case, width) = (self.rt, self.case, self.width);
        self.driver.bench(case, &F::name(), &mut || {
            select_once::<F, T>(rt, case.cap, width, case.msgs)
        });
    }
}

impl FaninVisitor for Runner<'_> {
    fn visit<F: Fanin>(&mut self) {
        match self.case.payload {
            Payload::Usize => self.run::<F, usize>(),
            Payload::Bytes64 => self.run::<F, Bytes64>(),
        }
    }
}

/// Runs a select case for every variant.
pub fn run_case(driver: &mut Driver, rt: &Runtime, case: &Case) {
    let Work::Select { width } = case.work else {
        unreachable!("not a select case")
    };
    each_fanin(&mut Runner {
        driver,
        rt,
        case,
        width,
    });
}
