//! gochan against its peers on the same work, in one run, written to BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench compare -- --quick   # a few minutes on 2 cores (the default)
//! cargo bench --bench compare -- --full    # every scenario, capacity, payload, runtime
//! cargo bench --bench compare -- --quick spsc   # only rows whose "table/row/crate" contains "spsc"
//! cargo bench --bench compare -- --full --probe=11 mt-mpsc-cap-1-usize/gochan
//!                                          # 11 plain runs of one cell, no criterion: for A/B
//!                                          # comparisons, perf and valgrind --tool=callgrind
//! cargo test --benches                     # smoke test: every benchmark once, tiny N
//! cargo bench --bench compare --bench memory -- --quick   # timings, then memory (benches/memory.rs)
//! ```
//!
//! Quick mode takes about 3 minutes of measuring on 2 cores (298 benchmarks); full
//! mode (about 1190) about an hour.
//!
//! `harness = false`: `main` reads the command line itself (criterion's own parser
//! rejects `--full`), drives criterion's API for the measurements, keeps each
//! benchmark's median in memory (see `compare/driver.rs`) and writes the
//! "timings" section of BENCHMARKS.md at the package root. A filtered run prints
//! its results but leaves BENCHMARKS.md alone.
// Benches never run under `--cfg loom` (their dev-dependencies are not there);
// gating the items keeps such a build from failing here.

#[cfg(not(loom))]
#[path = "compare/async_scen.rs"]
mod async_scen;
#[cfg(not(loom))]
#[path = "compare/driver.rs"]
mod driver;
#[cfg(not(loom))]
#[path = "common/peers.rs"]
mod peers;
#[cfg(not(loom))]
#[path = "compare/plan.rs"]
mod plan;
#[cfg(not(loom))]
#[path = "common/report.rs"]
mod report;
#[cfg(not(loom))]
#[path = "compare/select.rs"]
mod select;
#[cfg(not(loom))]
#[path = "compare/sync_scen.rs"]
mod sync_scen;

#[cfg(not(loom))]
use driver::{Driver, Mode};
#[cfg(not(loom))]
use plan::{Env, Work};

#[cfg(not(loom))]
const NOTES: &str = "\
How to read it: each cell is the median over criterion's samples of the time for one \
iteration (N messages through the channel), divided by N. Async: the channel is made \
before the clock starts, the tasks are spawned and joined inside the timing (a few \
microseconds). Blocking: the threads are started before the clock and released \
together by a barrier; the clock stops when the last one returns. *gochan / best peer* \
is gochan's median over the fastest peer's in the same row (bold): below 1.00 gochan \
is faster. \"—\": that crate has no such channel (no rendezvous channel in \
async-channel and tokio mpsc; a single consumer in tokio, futures and std mpsc). Peers \
are used as documented: one `send(v).await` / `recv().await` per message (flume: \
`send_async` / `recv_async`; futures mpsc: `SinkExt::send` / `StreamExt::next`; tokio \
and futures unbounded senders send synchronously), or the blocking `send` / `recv` on \
threads; gochan's blocking rows use `send_blocking` / `recv_blocking`. \
`futures::channel::mpsc::channel(n)` stands for capacity n: with `SinkExt::send` \
(which flushes) n sends complete ahead of the receiver, and with `channel(0)` a send \
completes once the receiver took its value. Select fan-in: the producers are tasks, \
the selecting consumer is the `block_on` future itself for every variant (a \
`gochan::Select` is not `Send`, so it cannot be spawned on the multi-thread runtime). \
The medians are kept by the benchmark from criterion's samples (the same statistic as \
`median.point_estimate` in `target/criterion/<group>/<crate>/new/estimates.json`). \
The machine is shared, so single rows can be noisy: compare ratios across a whole \
table rather than one cell.";

#[cfg(not(loom))]
fn runtime(env: Env) -> tokio::runtime::Runtime {
    let mut b = match env {
        Env::Multi => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    b.enable_all().build().expect("tokio runtime")
}

fn main() {
    #[cfg(not(loom))]
    run();
}

#[cfg(not(loom))]
fn run() {
    let mut driver = Driver::from_args();
    let (n, round_trips) = (driver.settings.n, driver.settings.round_trips);
    let cases = plan::cases(driver.mode, n, round_trips);
    eprintln!(
        "compare: {} mode, {} rows (each for every crate that has the channel)",
        driver.mode.name(),
        cases.len()
    );
    let multi = runtime(Env::Multi);
    let current = runtime(Env::Current);
    for case in &cases {
        let rt = match case.env {
            Env::Multi => &multi,
            Env::Current => &current,
            Env::Threads => {
                sync_scen::run_case(&mut driver, case);
                continue;
            }
        };
        match case.work {
            Work::Select { .. } => select::run_case(&mut driver, rt, case),
            _ => async_scen::run_case(&mut driver, rt, case),
        }
    }
    if driver.mode == Mode::Smoke || driver.filtered() {
        return;
    }
    let header = report::header(&driver.command());
    let md = driver.markdown(&header, NOTES);
    match report::write_section("timings", &md) {
        Ok(path) => eprintln!("compare: wrote {}", path.display()),
        Err(e) => eprintln!("compare: could not write BENCHMARKS.md: {e}"),
    }
}
