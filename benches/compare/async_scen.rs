//! The async scenarios, written once over [`AsyncChan`] and run on a tokio runtime.
//!
//! Every task runs on the runtime (`tokio::spawn`); the `block_on` caller only
//! starts the clock, spawns, and awaits the join handles. The channel is created
//! before the clock starts; spawning and joining the tasks is inside the timing,
//! the same for every crate and small against N messages.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::driver::Driver;
use crate::peers::{each_async, AsyncChan, AsyncVisitor, Bytes64, Cap, Msg};
use crate::plan::{Case, Payload, Work};

/// `0..n` split into `parts` contiguous ranges.
pub fn split(n: usize, parts: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..parts).map(move |i| (n * i / parts)..(n * (i + 1) / parts))
}

/// Whether crate `C` has what the case needs.
fn supported<C: AsyncChan, T: Msg>(case: &Case) -> bool {
    let Some((_tx, rx)) = C::new::<T>(case.cap) else {
        return false;
    };
    match case.work {
        Work::Pc { consumers, .. } if consumers > 1 => C::clone_rx(&rx).is_some(),
        Work::Select { .. } => false, // measured in `select.rs`
        _ => true,
    }
}

async fn join_all(tasks: Vec<tokio::task::JoinHandle<usize>>) -> usize {
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("benchmark task panicked");
    }
    total
}

/// One task: send `n`, then receive `n`.
fn seq_once<C: AsyncChan, T: Msg>(rt: &Runtime, cap: Cap, n: usize) -> Duration {
    rt.block_on(async move {
        let (mut tx, mut rx) = C::new::<T>(cap).expect("supported");
        let start = Instant::now();
        let task = tokio::spawn(async move {
            for i in 0..n {
                C::send(&mut tx, T::make(i)).await;
            }
            let mut sum = 0;
            for _ in 0..n {
                sum += C::recv(&mut rx).await.expect("value").key();
            }
            black_box(sum);
            n
        });
        assert_eq!(join_all(vec![task]).await, n);
        start.elapsed()
    })
}

/// `producers` tasks send `n` messages in all; `consumers` tasks receive until closed.
fn pc_once<C: AsyncChan, T: Msg>(
    rt: &Runtime,
    cap: Cap,
    producers: usize,
    consumers: usize,
    n: usize,
) -> Duration {
    rt.block_on(async move {
        let (tx, rx) = C::new::<T>(cap).expect("supported");
        let mut rxs: Vec<_> = (1..consumers)
            .map(|_| C::clone_rx(&rx).expect("mpmc"))
            .collect();
        rxs.push(rx);
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(producers + consumers);
        for range in split(n, producers) {
            let mut tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                for i in range {
                    C::send(&mut tx, T::make(i)).await;
                }
                0
            }));
        }
        drop(tx);
        for mut rx in rxs {
            tasks.push(tokio::spawn(async move {
                let (mut count, mut sum) = (0, 0);
                while let Some(v) = C::recv(&mut rx).await {
                    sum += v.key();
                    count += 1;
                }
                black_box(sum);
                count
            }));
        }
        assert_eq!(join_all(tasks).await, n);
        start.elapsed()
    })
}

/// `n` round trips: the client sends on `ping`, the echo task sends it back on `pong`.
fn pingpong_once<C: AsyncChan, T: Msg>(rt: &Runtime, cap: Cap, n: usize) -> Duration {
    rt.block_on(async move {
        let (mut ping_tx, mut ping_rx) = C::new::<T>(cap).expect("supported");
        let (mut pong_tx, mut pong_rx) = C::new::<T>(cap).expect("supported");
        let start = Instant::now();
        let echo = tokio::spawn(async move {
            let mut count = 0;
            while let Some(v) = C::recv(&mut ping_rx).await {
                C::send(&mut pong_tx, v).await;
                count += 1;
            }
            count
        });
        let client = tokio::spawn(async move {
            let mut sum = 0;
            for i in 0..n {
                C::send(&mut ping_tx, T::make(i)).await;
                sum += C::recv(&mut pong_rx).await.expect("echo").key();
            }
            black_box(sum);
            0
        });
        assert_eq!(join_all(vec![client, echo]).await, n);
        start.elapsed()
    })
}

fn once<C: AsyncChan, T: Msg>(rt: &Runtime, case: &Case) -> Duration {
    match case.work {
        Work::Seq => seq_once::<C, T>(rt, case.cap, case.msgs),
        Work::Pc {
            producers,
            consumers,
        } => pc_once::<C, T>(rt, case.cap, producers, consumers, case.msgs),
        Work::PingPong => pingpong_once::<C, T>(rt, case.cap, case.msgs),
        Work::Select { .. } => unreachable!("select cases are run by select.rs"),
    }
}

struct Runner<'a> {
    driver: &'a mut Driver,
    rt: &'a Runtime,
    case: &'a Case,
}

impl Runner<'_> {
    fn run<C: AsyncChan, T: Msg>(&mut self) {
        if !supported::<C, T>(self.case) {
            return;
        }
        let (rt, case) = (self.rt, self.case);
        self.driver
            .bench(case, C::NAME, &mut || once::<C, T>(rt, case));
    }
}

impl AsyncVisitor for Runner<'_> {
    fn visit<C: AsyncChan>(&mut self) {
        match self.case.payload {
            Payload::Usize => self.run::<C, usize>(),
            Payload::Bytes64 => self.run::<C, Bytes64>(),
        }
    }
}

/// Runs `case` for every async crate.
pub fn run_case(driver: &mut Driver, rt: &Runtime, case: &Case) {
    each_async(&mut Runner { driver, rt, case });
}
