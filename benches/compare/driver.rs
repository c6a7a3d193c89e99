//! Command line, criterion set-up, the record of medians and the markdown tables.
//!
//! Every benchmark is one criterion `bench_function` whose `iter_custom` routine
//! runs the scenario `iters` times (each run moves `msgs` messages) and returns the
//! total time. The driver keeps, in memory, the per-iteration time of every sample
//! criterion asks for; the measured samples are the last `sample_size` calls (the
//! earlier ones are criterion's warm-up), and their median divided by `msgs` is the
//! time per message reported in BENCHMARKS.md. That is the same statistic as
//! criterion's `median.point_estimate` in `target/criterion/<group>/<id>/new/estimates.json`.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};

use crate::plan::Case;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// A few minutes on 2 cores: fewer rows, N = 20 000, short measurements.
    Quick,
    /// Every scenario, capacity, payload and runtime; N = 100 000.
    Full,
    /// `cargo test --benches` / `cargo bench -- --test`: run each benchmark once, tiny N.
    Smoke,
}

pub struct Settings {
    /// Messages per iteration (seq, spsc, mpsc, mpmc, scaling, select).
    pub n: usize,
    /// Round trips per iteration (ping-pong).
    pub round_trips: usize,
    pub sample_size: usize,
    pub warm_up: Duration,
    pub measurement: Duration,
    pub nresamples: usize,
}

impl Mode {
    pub fn settings(self) -> Settings {
        match self {
            Mode::Quick => Settings {
                n: 20_000,
                round_trips: 2_000,
                sample_size: 10,
                warm_up: Duration::from_millis(100),
                measurement: Duration::from_millis(300),
                nresamples: 1_000,
            },
            Mode::Full => Settings {
                n: 100_000,
                round_trips: 10_000,
                sample_size: 20,
                warm_up: Duration::from_millis(300),
                measurement: Duration::from_millis(1500),
                nresamples: 10_000,
            },
            Mode::Smoke => Settings {
                n: 1_000,
                round_trips: 100,
                sample_size: 10,
                warm_up: Duration::ZERO,
                measurement: Duration::ZERO,
                nresamples: 1,
            },
        }
    }

    /// What the mode covers, for BENCHMARKS.md.
    pub fn scope(self) -> &'static str {
        match self {
            Mode::Quick => {
                "Quick mode covers a subset: `usize` messages (plus one 64-byte spsc row), \
                 scaling and select at capacity 64 only, select on the multi-thread runtime \
                 only, seq and scaling not on the current-thread runtime. \
                 `--full` runs every scenario at capacities 0, 1, 64 and unbounded, with \
                 `usize` and 64-byte messages, on both runtimes and on threads (N = 100 000)."
            }
            Mode::Full => {
                "Full mode: every scenario at capacities 0, 1, 64 and unbounded (where the \
                 crate has them; select at 1, 64 and unbounded), with `usize` and 64-byte \
                 messages, on both tokio runtimes and on OS threads."
            }
            Mode::Smoke => "Smoke test: every benchmark once, nothing measured.",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Full => "full",
            Mode::Smoke => "smoke test",
        }
    }
}

/// One measured cell: `table` / `row` / `column` (the crate) = `ns` per message.
struct Cell {
    table: String,
    row: String,
    column: String,
    ns: f64,
}

pub struct Driver {
    pub mode: Mode,
    pub settings: Settings,
    criterion: Option<Criterion>,
    filter: Option<String>,
    /// `--probe=R`: run each selected cell R times without criterion and print the
    /// times (for A/B comparisons, `perf` and `valgrind --tool=callgrind`).
    probe: Option<usize>,
    args: Vec<String>,
    cells: Vec<Cell>,
    started: Instant,
    benchmarks: usize,
}

static PROGRESS_MS: AtomicU64 = AtomicU64::new(0);
static CURRENT: Mutex<String> = Mutex::new(String::new());

/// Reports a benchmark that stopped making progress (a hang) and exits, instead
/// of letting `cargo bench` sit forever.
fn watchdog(origin: Instant, limit: Duration) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let last = Duration::from_millis(PROGRESS_MS.load(Ordering::Relaxed));
        if origin.elapsed().saturating_sub(last) > limit {
            let current = CURRENT.lock().map(|c| c.clone()).unwrap_or_default();
            eprintln!(
                "\nbenchmark `{current}` made no progress for {limit:?}: it looks hung; aborting"
            );
            std::process::exit(2);
        }
    });
}

impl Driver {
    /// Reads the command line: `--quick` (default) or `--full`, an optional filter
    /// (a substring of "table/row/crate"), and cargo's `--bench`; without `--bench`
    /// (`cargo test --benches`) or with `--test`, runs the smoke test.
    pub fn from_args() -> Driver {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut mode = Mode::Quick;
        let mut bench = false;
        let mut test = false;
        let mut filter = None;
        let mut probe = None;
        for a in &args {
            match a.as_str() {
                "--quick" => mode = Mode::Quick,
                "--full" => mode = Mode::Full,
                "--bench" => bench = true,
                "--test" => test = true,
                "--probe" => probe = Some(11),
                s if s.starts_with("--probe=") => match s["--probe=".len()..].parse() {
                    Ok(reps) => probe = Some(reps),
                    Err(_) => eprintln!("compare: --probe=R takes a number of runs"),
                },
                s if s.starts_with('-') => eprintln!("compare: ignoring unknown option {s}"),
                s => filter = Some(s.to_string()),
            }
        }
        if test || (!bench && probe.is_none()) {
            mode = Mode::Smoke;
            probe = None;
        }
        let settings = mode.settings();
        let criterion = (mode != Mode::Smoke && probe.is_none()).then(|| {
            Criterion::default()
                .sample_size(settings.sample_size)
                .warm_up_time(settings.warm_up)
                .measurement_time(settings.measurement)
                .nresamples(settings.nresamples)
                .without_plots()
        });
        let started = Instant::now();
        watchdog(started, Duration::from_secs(120));
        Driver {
            mode,
            settings,
            criterion,
            filter,
            probe,
            args: args.into_iter().filter(|a| a != "--bench").collect(),
            cells: Vec::new(),
            started,
            benchmarks: 0,
        }
    }

    /// Whether a filter limited this run to some rows, or it only probes.
    pub fn filtered(&self) -> bool {
        self.filter.is_some() || self.probe.is_some()
    }

    /// Whether the filter is part of "table/row/crate" or of criterion's id
    /// "slug/crate" (e.g. `mt-mpsc-cap-1-usize/gochan`).
    fn selected(&self, case: &Case, column: &str) -> bool {
        self.filter.as_deref().map_or(true, |f| {
            format!("{}/{}/{column}", case.table(), case.row).contains(f)
                || format!("{}/{column}", case.slug()).contains(f)
        })
    }

    /// `--probe=R`: one warm-up run, then R timed runs of the cell, printed.
    fn probe(&self, id: &str, msgs: usize, reps: usize, once: &mut dyn FnMut() -> Duration) {
        once();
        let mut ns: Vec<f64> = (0..reps)
            .map(|_| once().as_secs_f64() * 1e9 / msgs as f64)
            .collect();
        ns.sort_by(f64::total_cmp);
        let at = |q: f64| ns.get(((ns.len() - 1) as f64 * q) as usize).copied();
        println!(
            "probe {id}: median {:.1} ns/msg (min {:.1}, max {:.1}, {reps} runs of {msgs})",
            at(0.5).unwrap_or(f64::NAN),
            at(0.0).unwrap_or(f64::NAN),
            at(1.0).unwrap_or(f64::NAN),
        );
    }

    /// Benchmarks one cell: `case` for crate `column`. `once` runs the scenario once
    /// (moving `case.msgs` messages) and returns the time it took, excluding set-up
    /// it does not want counted.
    pub fn bench(&mut self, case: &Case, column: &str, once: &mut dyn FnMut() -> Duration) {
        let (table, row, msgs) = (&case.table(), &case.row, case.msgs);
        if !self.selected(case, column) {
            return;
        }
        let id = format!("{table}/{row}/{column}");
        if let Ok(mut c) = CURRENT.lock() {
            c.clone_from(&id);
        }
        let progress = || {
            let ms = self.started.elapsed().as_millis() as u64;
            PROGRESS_MS.store(ms, Ordering::Relaxed);
        };
        progress();
        self.benchmarks += 1;
        if let Some(reps) = self.probe {
            self.probe(&id, msgs, reps, once);
            return;
        }
        let Some(criterion) = self.criterion.as_mut() else {
            let d = once();
            println!("ok {id}: {:?}", d);
            return;
        };
        let samples = RefCell::new(Vec::new());
        let mut group = criterion.benchmark_group(case.slug());
        group.sampling_mode(SamplingMode::Flat);
        group.bench_function(column, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += once();
                    progress();
                }
                samples
                    .borrow_mut()
                    .push(total.as_secs_f64() / iters.max(1) as f64);
                total
            })
        });
        group.finish();
        let samples = samples.into_inner();
        let measured = &samples[samples.len().saturating_sub(self.settings.sample_size)..];
        let ns = median(measured) * 1e9 / msgs as f64;
        self.cells.push(Cell {
            table: table.into(),
            row: row.into(),
            column: column.into(),
            ns,
        });
    }

    pub fn command(&self) -> String {
        let mut cmd = String::from("cargo bench --bench compare --");
        for a in &self.args {
            cmd.push(' ');
            cmd.push_str(a);
        }
        if !self.args.iter().any(|a| a == "--quick" || a == "--full") {
            cmd.push_str(" --quick");
        }
        cmd
    }

    /// The timing section of BENCHMARKS.md.
    pub fn markdown(&self, header: &str, notes: &str) -> String {
        let s = &self.settings;
        let mut ratios: Vec<(f64, String)> = Vec::new();
        let mut order: Vec<&str> = Vec::new();
        for c in &self.cells {
            if !order.contains(&c.column.as_str()) {
                order.push(&c.column);
            }
        }
        let tables: String = self
            .tables()
            .iter()
            .map(|(table, rows)| render_table(table, rows, &order, &mut ratios))
            .collect();
        format!(
            "## Time per message\n\n{header}- Mode: **{}** ({} benchmarks in {:.0} s); N = {} messages per \
             iteration ({} round trips for ping-pong); {} samples per benchmark, {:?} warm-up, {:?} \
             measurement, criterion flat sampling. {}\n\n{notes}\n\n",
            self.mode.name(),
            self.benchmarks,
            self.started.elapsed().as_secs_f64(),
            s.n,
            s.round_trips,
            s.sample_size,
            s.warm_up,
            s.measurement,
            self.mode.scope(),
        ) + &summary(&mut ratios)
            + &tables
    }

    /// Cells grouped by table (in the order measured), then row.
    #[allow(clippy::type_complexity)]
    fn tables(&self) -> Vec<(String, Vec<(String, Vec<(String, f64)>)>)> {
        let mut tables: Vec<(String, Vec<(String, Vec<(String, f64)>)>)> = Vec::new();
        for c in &self.cells {
            let t = match tables.iter().position(|(name, _)| *name == c.table) {
                Some(i) => i,
                None => {
                    tables.push((c.table.clone(), Vec::new()));
                    tables.len() - 1
                }
            };
            let rows = &mut tables[t].1;
            let r = match rows.iter().position(|(name, _)| *name == c.row) {
                Some(i) => i,
                None => {
                    rows.push((c.row.clone(), Vec::new()));
                    rows.len() - 1
                }
            };
            rows[r].1.push((c.column.clone(), c.ns));
        }
        tables
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn is_gochan(column: &str) -> bool {
    column.starts_with("gochan")
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 100.0 {
        format!("{ns:.0}")
    } else {
        format!("{ns:.1}")
    }
}

/// One markdown table: a column per crate (ns per message), then gochan's ratio
/// to the fastest peer in that row, one ratio column per gochan variant.
fn render_table(
    table: &str,
    rows: &[(String, Vec<(String, f64)>)],
    order: &[&str],
    ratios: &mut Vec<(f64, String)>,
) -> String {
    // Crates in the order they were first measured in the run (gochan first).
    let mut columns: Vec<&str> = Vec::new();
    for c in order {
        if rows
            .iter()
            .any(|(_, cells)| cells.iter().any(|(n, _)| n == c))
        {
            columns.push(c);
        }
    }
    let gochans: Vec<&str> = columns.iter().copied().filter(|c| is_gochan(c)).collect();
    let unit = if table.starts_with("ping-pong") {
        "round trip"
    } else {
        "message"
    };
    let mut out = format!("\n### {table}\n\nMedian ns per {unit}; lower is better.\n\n| |");
    for c in &columns {
        out.push_str(&format!(" {c} |"));
    }
    for g in &gochans {
        out.push_str(&format!(" {g} / best peer |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(columns.len() + gochans.len()));
    out.push('\n');
    for (row, cells) in rows {
        let get = |c: &str| cells.iter().find(|(n, _)| n == c).map(|&(_, ns)| ns);
        let best_peer = cells
            .iter()
            .filter(|(c, _)| !is_gochan(c))
            .map(|&(_, ns)| ns)
            .min_by(f64::total_cmp);
        out.push_str(&format!("| {row} |"));
        for c in &columns {
            let cell = get(c).map_or("—".into(), fmt_ns);
            let bold = Some(get(c)) == Some(best_peer) && best_peer.is_some();
            if bold {
                out.push_str(&format!(" **{cell}** |"));
            } else {
                out.push_str(&format!(" {cell} |"));
            }
        }
        for g in &gochans {
            match (get(g), best_peer) {
                (Some(ns), Some(best)) => {
                    let r = ns / best;
                    let peer = cells
                        .iter()
                        .find(|&&(_, v)| v == best)
                        .map_or("", |(c, _)| c.as_str());
                    ratios.push((r, format!("{table} / {row} / {g} (best peer: {peer})")));
                    out.push_str(&format!(" {r:.2} |"));
                }
                _ => out.push_str(" — |"),
            }
        }
        out.push('\n');
    }
    out
}

/// The headline: how many rows meet the targets, the geometric mean and the worst rows.
fn summary(ratios: &mut [(f64, String)]) -> String {
    if ratios.is_empty() {
        return String::new();
    }
    ratios.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = ratios.len();
    let at_most_1 = ratios.iter().filter(|r| r.0 <= 1.0).count();
    let at_most_08 = ratios.iter().filter(|r| r.0 <= 0.8).count();
    let geo = (ratios.iter().map(|r| r.0.ln()).sum::<f64>() / n as f64).exp();
    let mut out = format!(
        "**gochan / fastest peer**, over {n} ratios (rows × gochan variants): {at_most_1} at most \
         1.00, {at_most_08} at most 0.80; geometric mean {geo:.2}.\n\nHighest ratios:\n\n\
         | ratio | table / row / variant |\n|---:|---|\n"
    );
    for (r, name) in ratios.iter().take(10) {
        out.push_str(&format!("| {r:.2} | {name} |\n"));
    }
    out.push('\n');
    out
}
