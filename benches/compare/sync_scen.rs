//! The blocking scenarios, written once over [`SyncChan`] and run on OS threads
//! (`std::thread::scope`). The channel is created before the clock starts, and the
//! threads are started before it too and released together (see [`timed_threads`]):
//! spawning an OS thread costs tens of microseconds, which would otherwise blur the
//! per-message figures when 32 threads move 20 000 messages.

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use crate::async_scen::split;
use crate::driver::Driver;
use crate::peers::{each_sync, Bytes64, Cap, Msg, SyncChan, SyncVisitor};
use crate::plan::{Case, Payload, Work};

fn supported<C: SyncChan, T: Msg>(case: &Case) -> bool {
    let Some((_tx, rx)) = C::new::<T>(case.cap) else {
        return false;
    };
    match case.work {
        Work::Pc { consumers, .. } if consumers > 1 => C::clone_rx(&rx).is_some(),
        Work::Select { .. } => false,
        _ => true,
    }
}

fn seq_once<C: SyncChan, T: Msg>(cap: Cap, n: usize) -> Duration {
    let (tx, rx) = C::new::<T>(cap).expect("supported");
    let start = Instant::now();
    for i in 0..n {
        C::send(&tx, T::make(i));
    }
    let mut sum = 0;
    for _ in 0..n {
        sum += C::recv(&rx).expect("value").key();
    }
    black_box(sum);
    start.elapsed()
}

/// A job for one thread, returning a count of messages received.
type Job<'a> = Box<dyn FnOnce() -> usize + Send + 'a>;

/// Runs each job on its own thread. The threads are spawned first and wait at a
/// barrier; the clock starts when the first of them is released and stops when the
/// last job returns, so thread creation and exit are outside the timing. Returns that
/// time and the sum of the jobs' counts.
///
/// Each thread reads the clock itself: the spawning thread, a third thread on two
/// cores, may not run again until the jobs are done, and a start it read after the
/// barrier would then make the run look nearly free.
fn timed_threads(jobs: Vec<Job<'_>>) -> (Duration, usize) {
    let barrier = Barrier::new(jobs.len());
    thread::scope(|s| {
        let barrier = &barrier;
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let count = job();
                    (start, Instant::now(), count)
                })
            })
            .collect();
        let mut span: Option<(Instant, Instant)> = None;
        let mut total = 0;
        for h in handles {
            let (start, done, count) = h.join().expect("benchmark thread panicked");
            span = Some(match span {
                None => (start, done),
                Some((first, last)) => (first.min(start), last.max(done)),
            });
            total += count;
        }
        let (first, last) = span.expect("at least one job");
        (last - first, total)
    })
}

/// Drains `rx` until the channel is closed; returns how many values it got.
fn drain<C: SyncChan, T: Msg>(rx: C::Rx<T>) -> usize {
    let (mut count, mut sum) = (0, 0);
    while let Some(v) = C::recv(&rx) {
        sum += v.key();
        count += 1;
    }
    black_box(sum);
    count
}

fn pc_once<C: SyncChan, T: Msg>(
    cap: Cap,
    producers: usize,
    consumers: usize,
    n: usize,
) -> Duration {
    let (tx, rx) = C::new::<T>(cap).expect("supported");
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(producers + consumers);
    for range in split(n, producers) {
        let tx = tx.clone();
        jobs.push(Box::new(move || {
            for i in range {
                C::send(&tx, T::make(i));
            }
            0
        }));
    }
    drop(tx);
    for _ in 1..consumers {
        let rx = C::clone_rx(&rx).expect("mpmc");
        jobs.push(Box::new(move || drain::<C, T>(rx)));
    }
    jobs.push(Box::new(move || drain::<C, T>(rx)));
    let (elapsed, received) = timed_threads(jobs);
    assert_eq!(received, n);
    elapsed
}

fn pingpong_once<C: SyncChan, T: Msg>(cap: Cap, n: usize) -> Duration {
    let (ping_tx, ping_rx) = C::new::<T>(cap).expect("supported");
    let (pong_tx, pong_rx) = C::new::<T>(cap).expect("supported");
    let echo: Job<'_> = Box::new(move || {
        let mut count = 0;
        while let Some(v) = C::recv(&ping_rx) {
            C::send(&pong_tx, v);
            count += 1;
        }
        count
    });
    let client: Job<'_> = Box::new(move || {
        let mut sum = 0;
        for i in 0..n {
            C::send(&ping_tx, T::make(i));
            sum += C::recv(&pong_rx).expect("echo").key();
        }
        black_box(sum);
        0
    });
    let (elapsed, echoed) = timed_threads(vec![echo, client]);
    assert_eq!(echoed, n);
    elapsed
}

fn once<C: SyncChan, T: Msg>(case: &Case) -> Duration {
    match case.work {
        Work::Seq => seq_once::<C, T>(case.cap, case.msgs),
        Work::Pc {
            producers,
            consumers,
        } => pc_once::<C, T>(case.cap, producers, consumers, case.msgs),
        Work::PingPong => pingpong_once::<C, T>(case.cap, case.msgs),
        Work::Select { .. } => unreachable!("no blocking select benchmark"),
    }
}

struct Runner<'a> {
    driver: &'a mut Driver,
    case: &'a Case,
}

impl Runner<'_> {
    fn run<C: SyncChan, T: Msg>(&mut self) {
        if !supported::<C, T>(self.case) {
            return;
        }
        let case = self.case;
        self.driver.bench(case, C::NAME, &mut || once::<C, T>(case));
    }
}

impl SyncVisitor for Runner<'_> {
    fn visit<C: SyncChan>(&mut self) {
        match self.case.payload {
            Payload::Usize => self.run::<C, usize>(),
            Payload::Bytes64 => self.run::<C, Bytes64>(),
        }
    }
}

/// Runs `case` for every blocking crate.
pub fn run_case(driver: &mut Driver, case: &Case) {
    each_sync(&mut Runner { driver, case });
}
