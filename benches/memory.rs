//! Memory: future sizes, the cost of an empty channel, allocations per message on
//! the fast path and in a two-task exchange, and what a waiting send / recv /
//! select allocates; gochan and its peers side by side.
//!
//! ```text
//! cargo bench --bench memory        # writes the "memory" section of BENCHMARKS.md
//! cargo bench --bench compare --bench memory -- --quick   # timings and memory in one go
//! ```
//!
//! It takes about 15 seconds and ignores `--quick` / `--full`.
//!
//! A counting global allocator (this binary only, so the timing benchmarks are not
//! slowed by it) counts allocations and bytes between two snapshots. Allocation
//! counts are deterministic for single-threaded measurements; the two-task
//! exchange depends on scheduling (how often a side has to wait), so it is the
//! average over `EXCHANGE` messages, minus the same run with no messages.
// Benches never run under `--cfg loom`; gating the items keeps such a build from failing.

#[cfg(not(loom))]
#[allow(dead_code)]
#[path = "common/peers.rs"]
mod peers;
#[cfg(not(loom))]
#[path = "common/report.rs"]
mod report;

fn main() {
    #[cfg(not(loom))]
    imp::run();
}

#[cfg(not(loom))]
mod imp {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use std::task::{Context, Poll};

    use futures::task::noop_waker_ref;
    use futures::FutureExt;

    use crate::peers::{
        each_async, each_sync, AsyncChan, AsyncVisitor, Cap, Msg, SyncChan, SyncVisitor,
    };
    use crate::peers::{AsyncChannel, Bytes64, Gochan, TokioMpsc};
    use crate::report;

    struct Counting;

    static ALLOCS: AtomicUsize = AtomicUsize::new(0);
    static BYTES: AtomicUsize = AtomicUsize::new(0);

    // SAFETY: forwards every call to `System` unchanged; only counts.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size(), Relaxed);
            // SAFETY: the caller's contract is System's.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(layout.size(), Relaxed);
            // SAFETY: as above.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            ALLOCS.fetch_add(1, Relaxed);
            BYTES.fetch_add(new_size, Relaxed);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    /// Allocations (a `realloc` counts as one) and bytes requested.
    #[derive(Clone, Copy, Default)]
    struct Count {
        allocs: usize,
        bytes: usize,
    }

    fn now() -> Count {
        Count {
            allocs: ALLOCS.load(Relaxed),
            bytes: BYTES.load(Relaxed),
        }
    }

    /// What `f` allocates (on any thread), and its result.
    fn counted<R>(f: impl FnOnce() -> R) -> (Count, R) {
        let before = now();
        let r = f();
        let after = now();
        (
            Count {
                allocs: after.allocs - before.allocs,
                bytes: after.bytes - before.bytes,
            },
            r,
        )
    }

    impl std::fmt::Display for Count {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} / {} B", self.allocs, self.bytes)
        }
    }

    /// Per message over `EXCHANGE` messages, less the run with none.
    fn per_msg_of(base: Option<Count>, run: Option<Count>) -> String {
        base.zip(run)
            .map_or("—".into(), |(b, r)| per_msg(r, b, EXCHANGE))
    }

    fn per_msg(c: Count, base: Count, n: usize) -> String {
        let a = c.allocs.saturating_sub(base.allocs) as f64 / n as f64;
        let b = c.bytes.saturating_sub(base.bytes) as f64 / n as f64;
        format!("{a:.3} / {b:.1} B")
    }

    /// A markdown table: a header row and rows of cells.
    struct Table {
        out: String,
        width: usize,
    }

    impl Table {
        fn new(title: &str, what: &str, columns: &[&str]) -> Table {
            let mut out = format!("\n### {title}\n\n{what}\n\n| |");
            for c in columns {
                out.push_str(&format!(" {c} |"));
            }
            out.push_str(&format!("\n|---|{}\n", "---:|".repeat(columns.len())));
            Table {
                out,
                width: columns.len(),
            }
        }
        fn row(&mut self, name: &str, cells: Vec<String>) {
            let mut cells = cells;
            cells.resize(self.width, "—".into());
            self.out
                .push_str(&format!("| {name} | {} |\n", cells.join(" | ")));
        }
    }

    /// The cells of one table row, for any crate.
    trait Cells {
        fn of_async<C: AsyncChan>(&self) -> Vec<String>;
        fn of_sync<C: SyncChan>(&self) -> Vec<String>;
    }

    /// A row per async crate, then one per blocking crate (rows without cells skipped).
    fn crate_rows<X: Cells>(t: &mut Table, cells: &X) {
        struct A<'a, X>(&'a mut Table, &'a X);
        impl<X: Cells> AsyncVisitor for A<'_, X> {
            fn visit<C: AsyncChan>(&mut self) {
                self.0.row(C::NAME, self.1.of_async::<C>());
            }
        }
        struct S<'a, X>(&'a mut Table, &'a X);
        impl<X: Cells> SyncVisitor for S<'_, X> {
            fn visit<C: SyncChan>(&mut self) {
                let row = self.1.of_sync::<C>();
                if !row.is_empty() {
                    self.0.row(&format!("{} (blocking)", C::NAME), row);
                }
            }
        }
        each_async(&mut A(t, cells));
        each_sync(&mut S(t, cells));
    }

    const CAPS: [Cap; 4] = [
        Cap::Bounded(0),
        Cap::Bounded(1),
        Cap::Bounded(64),
        Cap::Unbounded,
    ];
    const FAST: usize = 10_000;
    const EXCHANGE: usize = 100_000;

    /// Polls `fut` once with a no-op waker.
    fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(noop_waker_ref()))
    }

    // ------------------------------------------------------------ future sizes

    fn sizes<T: Msg>(v: T) -> Vec<(&'static str, usize, usize)> {
        use std::mem::size_of_val;
        let mut rows = Vec::new();
        {
            let (tx, rx) = gochan::bounded::<T>(1);
            rows.push(("gochan", size_of_val(&tx.send(v)), size_of_val(&rx.recv())));
        }
        {
            let (tx, rx) = async_channel::bounded::<T>(1);
            rows.push((
                "async-channel",
                size_of_val(&tx.send(v)),
                size_of_val(&rx.recv()),
            ));
        }
        {
            let (tx, rx) = flume::bounded::<T>(1);
            rows.push((
                "flume",
                size_of_val(&tx.send_async(v)),
                size_of_val(&rx.recv_async()),
            ));
        }
        {
            let (tx, rx) = kanal::bounded_async::<T>(1);
            rows.push(("kanal", size_of_val(&tx.send(v)), size_of_val(&rx.recv())));
        }
        {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<T>(1);
            let s = size_of_val(&tx.send(v));
            rows.push(("tokio mpsc", s, size_of_val(&rx.recv())));
        }
        {
            let (mut tx, mut rx) = futures::channel::mpsc::channel::<T>(1);
            let s = size_of_val(&futures::SinkExt::send(&mut tx, v));
            rows.push((
                "futures mpsc",
                s,
                size_of_val(&futures::StreamExt::next(&mut rx)),
            ));
        }
        rows
    }

    fn size_table() -> String {
        let mut t = Table::new(
            "Size of a send / recv future",
            "`size_of_val` of the future returned by one send or receive (bytes), as created, before polling.",
            &["send, `usize`", "recv, `usize`", "send, `[u8; 64]`", "recv, `[u8; 64]`"],
        );
        for ((name, s1, r1), (_, s64, r64)) in
            sizes(0usize).into_iter().zip(sizes(Bytes64([0; 64])))
        {
            t.row(
                name,
                [s1, r1, s64, r64].iter().map(|s| s.to_string()).collect(),
            );
        }
        let (_t1, r1) = gochan::bounded::<usize>(1);
        let (_t2, r2) = gochan::bounded::<usize>(1);
        let macro_size = std::mem::size_of_val(&async {
            gochan::select! {
                recv(&r1) -> m => m.is_ok(),
                recv(&r2) -> m => m.is_ok(),
            }
        });
        let (_t3, mut r3) = tokio::sync::mpsc::channel::<usize>(1);
        let (_t4, mut r4) = tokio::sync::mpsc::channel::<usize>(1);
        let tokio_size = std::mem::size_of_val(&async {
            tokio::select! {
                m = r3.recv() => m.is_some(),
                m = r4.recv() => m.is_some(),
            }
        });
        let (_t5, r5) = async_channel::bounded::<usize>(1);
        let (_t6, r6) = async_channel::bounded::<usize>(1);
        let futures_size = std::mem::size_of_val(&async {
            futures::select! {
                m = r5.recv().fuse() => m.is_ok(),
                m = r6.recv().fuse() => m.is_ok(),
            }
        });
        let dynamic = std::mem::size_of::<gochan::Select<'_, bool>>();
        let reusable = std::mem::size_of::<gochan::SelectLoop<'_, bool>>();
        let next = std::mem::size_of::<gochan::SelectNext<'_, '_, bool>>();
        t.out.push_str(&format!(
            "\nA select over two `usize` receivers, as an `async {{ .. }}` block holding only the select \
             (bytes): `gochan::select!` {macro_size}; `tokio::select!` over tokio mpsc {tokio_size}; \
             `futures::select!` over async-channel {futures_size}; `gochan::Select` value {dynamic} \
             (its cases are on the heap, see below); `gochan::SelectLoop` value {reusable} (its cases \
             boxed, once), and the future of one of its selects {next}.\n"
        ));
        t.out
    }

    // ------------------------------------------------------------ empty channels

    fn create_async<C: AsyncChan>(cap: Cap) -> String {
        let (c, ch) = counted(|| C::new::<usize>(cap));
        ch.map_or("—".into(), |_| c.to_string())
    }

    fn create_sync<C: SyncChan>(cap: Cap) -> String {
        let (c, ch) = counted(|| C::new::<usize>(cap));
        ch.map_or("—".into(), |_| c.to_string())
    }

    fn create_table() -> String {
        let mut t = Table::new(
            "An empty channel",
            "Allocations / bytes to create one `usize` channel (sender + receiver), by capacity.",
            &["cap 0", "cap 1", "cap 64", "unbounded"],
        );
        struct Create;
        impl Cells for Create {
            fn of_async<C: AsyncChan>(&self) -> Vec<String> {
                CAPS.iter().map(|&c| create_async::<C>(c)).collect()
            }
            fn of_sync<C: SyncChan>(&self) -> Vec<String> {
                CAPS.iter().map(|&c| create_sync::<C>(c)).collect()
            }
        }
        crate_rows(&mut t, &Create);
        t.out
    }

    // ------------------------------------------------------------ fast path

    /// One task alternates send and receive (`burst` sends, then `burst` receives),
    /// so no operation ever waits: allocations per message after a warm-up.
    fn fast_async<C: AsyncChan>(cap: Cap, burst: usize) -> String {
        let Some((mut tx, mut rx)) = C::new::<usize>(cap) else {
            return "—".into();
        };
        if matches!(cap, Cap::Bounded(n) if n < burst) {
            return "—".into();
        }
        let mut round = |rounds: usize| {
            futures::executor::block_on(async {
                let before = now();
                for r in 0..rounds {
                    for i in 0..burst {
                        C::send(&mut tx, r + i).await;
                    }
                    for _ in 0..burst {
                        std::hint::black_box(C::recv(&mut rx).await);
                    }
                }
                let after = now();
                Count {
                    allocs: after.allocs - before.allocs,
                    bytes: after.bytes - before.bytes,
                }
            })
        };
        round(FAST / burst);
        per_msg(round(FAST / burst), Count::default(), FAST / burst * burst)
    }

    fn fast_sync<C: SyncChan>(cap: Cap, burst: usize) -> String {
        let Some((tx, rx)) = C::new::<usize>(cap) else {
            return "—".into();
        };
        if matches!(cap, Cap::Bounded(n) if n < burst) {
            return "—".into();
        }
        let round = |rounds: usize| {
            counted(|| {
                for r in 0..rounds {
                    for i in 0..burst {
                        C::send(&tx, r + i);
                    }
                    for _ in 0..burst {
                        std::hint::black_box(C::recv(&rx));
                    }
                }
            })
            .0
        };
        round(FAST / burst);
        per_msg(round(FAST / burst), Count::default(), FAST / burst * burst)
    }

    const FAST_CASES: [(Cap, usize); 4] = [
        (Cap::Bounded(1), 1),
        (Cap::Bounded(64), 1),
        (Cap::Bounded(64), 64),
        (Cap::Unbounded, 64),
    ];

    fn fast_table() -> String {
        let mut t = Table::new(
            "Fast path: allocations per message",
            &format!(
                "One task (one thread for blocking calls) sends a burst, then receives it, so no \
                 operation waits; allocations / bytes per message over {FAST} messages after as many \
                 to warm up. Async crates are driven by `futures::executor::block_on`."
            ),
            &["cap 1, burst 1", "cap 64, burst 1", "cap 64, burst 64", "unbounded, burst 64"],
        );
        struct Fast;
        impl Cells for Fast {
            fn of_async<C: AsyncChan>(&self) -> Vec<String> {
                FAST_CASES
                    .iter()
                    .map(|&(c, b)| fast_async::<C>(c, b))
                    .collect()
            }
            fn of_sync<C: SyncChan>(&self) -> Vec<String> {
                FAST_CASES
                    .iter()
                    .map(|&(c, b)| fast_sync::<C>(c, b))
                    .collect()
            }
        }
        crate_rows(&mut t, &Fast);
        t.out
    }

    // ------------------------------------------------------------ two-task exchange

    fn exchange_async<C: AsyncChan>(
        rt: &tokio::runtime::Runtime,
        cap: Cap,
        n: usize,
    ) -> Option<Count> {
        let (mut tx, mut rx) = C::new::<usize>(cap)?;
        Some(
            counted(|| {
                rt.block_on(async move {
                    let p = tokio::spawn(async move {
                        for i in 0..n {
                            C::send(&mut tx, i).await;
                        }
                    });
                    let c = tokio::spawn(async move { while C::recv(&mut rx).await.is_some() {} });
                    p.await.expect("producer");
                    c.await.expect("consumer");
                })
            })
            .0,
        )
    }

    fn exchange_sync<C: SyncChan>(cap: Cap, n: usize) -> Option<Count> {
        let (tx, rx) = C::new::<usize>(cap)?;
        Some(
            counted(|| {
                std::thread::scope(|s| {
                    s.spawn(move || {
                        for i in 0..n {
                            C::send(&tx, i);
                        }
                    });
                    s.spawn(move || while C::recv(&rx).is_some() {});
                })
            })
            .0,
        )
    }

    fn exchange_table() -> String {
        let mut t = Table::new(
            "Two-task exchange: allocations per message",
            &format!(
                "spsc, {EXCHANGE} `usize` messages between two tasks on a tokio multi-thread runtime \
                 (2 workers), or two threads for the blocking rows, waiting whenever the channel \
                 requires it; allocations / bytes per message, minus the same run with no messages. \
                 Depends on scheduling (how often a side waits), so it varies from run to run."
            ),
            &["cap 0", "cap 1", "cap 64", "unbounded"],
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        struct Exchange(tokio::runtime::Runtime);
        impl Cells for Exchange {
            fn of_async<C: AsyncChan>(&self) -> Vec<String> {
                let run = |cap, n| exchange_async::<C>(&self.0, cap, n);
                CAPS.iter()
                    .map(|&cap| per_msg_of(run(cap, 0), run(cap, EXCHANGE)))
                    .collect()
            }
            fn of_sync<C: SyncChan>(&self) -> Vec<String> {
                let run = |cap, n| exchange_sync::<C>(cap, n);
                CAPS.iter()
                    .map(|&cap| per_msg_of(run(cap, 0), run(cap, EXCHANGE)))
                    .collect()
            }
        }
        crate_rows(&mut t, &Exchange(rt));
        t.out
    }

    // ------------------------------------------------------------ waiting operations

    /// What creating `fut` and polling it once (it must stay pending) allocates.
    fn pending<F: Future>(make: impl FnOnce() -> F) -> String {
        let (c, state) = counted(|| {
            let mut fut = Box::pin(make());
            let state = poll_once(fut.as_mut()).is_pending();
            (fut, state)
        });
        let (fut, is_pending) = state;
        drop(fut);
        // The `Box::pin` above is one allocation of the future's own size: not the crate's.
        let own = std::mem::size_of::<F>();
        let c = Count {
            allocs: c.allocs - usize::from(own > 0),
            bytes: c.bytes - own,
        };
        if is_pending {
            c.to_string()
        } else {
            "(did not wait)".into()
        }
    }

    /// Runs a measurement twice on the same channels: the first wait, then a later
    /// one (which may reuse what the first allocated).
    fn twice(mut measure: impl FnMut() -> String) -> String {
        let (first, again) = (measure(), measure());
        if first == again {
            first
        } else {
            format!("{first}, then {again}")
        }
    }

    fn waiting_async<C: AsyncChan>() -> Vec<String> {
        let send_on = |cap: Cap| {
            let Some((mut tx, _rx)) = C::new::<usize>(cap) else {
                return "—".into();
            };
            if cap == Cap::Bounded(1) {
                futures::executor::block_on(C::send(&mut tx, 0));
            }
            twice(|| pending(|| C::send(&mut tx, 1)))
        };
        let recv = {
            let (_tx, mut rx) = C::new::<usize>(Cap::Bounded(1)).expect("bounded(1)");
            twice(|| pending(|| C::recv(&mut rx)))
        };
        vec![send_on(Cap::Bounded(0)), send_on(Cap::Bounded(1)), recv]
    }

    fn waiting_table() -> String {
        let mut t = Table::new(
            "A waiting operation",
            "Allocations / bytes made by creating a send or receive future and polling it once when it \
             has to wait (the future's own size not counted: see the first table): a send on a \
             rendezvous channel with no receiver, a send on a full `bounded(1)`, a receive on an \
             empty channel. Each is done twice on the same channel (the first future dropped \
             before the second); \"x, then y\" when the second wait allocates differently.",
            &["send, cap 0", "send, full cap 1", "recv, empty"],
        );
        struct Waiting;
        impl Cells for Waiting {
            fn of_async<C: AsyncChan>(&self) -> Vec<String> {
                waiting_async::<C>()
            }
            fn of_sync<C: SyncChan>(&self) -> Vec<String> {
                Vec::new() // a blocking call that waits blocks the thread: nothing to poll
            }
        }
        crate_rows(&mut t, &Waiting);

        let mut s = Table::new(
            "A waiting select",
            "Allocations / bytes made by creating a select over empty `usize` channels and polling it \
             once (the future's own size not counted); twice on the same channels, as above.",
            &["2 receivers", "4 receivers"],
        );
        s.row(
            "gochan select!",
            vec![select_macro::<2>(), select_macro::<4>()],
        );
        s.row("gochan Select", vec![select_dynamic(2), select_dynamic(4)]);
        s.row(
            "gochan SelectLoop (built before, not counted)",
            vec![select_loop(2), select_loop(4)],
        );
        s.row(
            "tokio::select! + tokio mpsc",
            vec![select_tokio::<2>(), select_tokio::<4>()],
        );
        s.row(
            "futures::select! + async-channel",
            vec![select_futures::<2>(), select_futures::<4>()],
        );
        t.out + &s.out
    }

    fn channels<C: AsyncChan, const W: usize>() -> Vec<(C::Tx<usize>, C::Rx<usize>)> {
        (0..W)
            .map(|_| C::new::<usize>(Cap::Bounded(1)).expect("bounded(1)"))
            .collect()
    }

    fn select_macro<const W: usize>() -> String {
        let chans = channels::<Gochan, W>();
        let (a, b) = (&chans[0].1, &chans[1].1);
        if W == 2 {
            twice(|| {
                pending(|| async {
                    gochan::select! {
                        recv(a) -> m => m.is_ok(),
                        recv(b) -> m => m.is_ok(),
                    }
                })
            })
        } else {
            let (e, f) = (&chans[2].1, &chans[3].1);
            twice(|| {
                pending(|| async {
                    gochan::select! {
                        recv(a) -> m => m.is_ok(),
                        recv(b) -> m => m.is_ok(),
                        recv(e) -> m => m.is_ok(),
                        recv(f) -> m => m.is_ok(),
                    }
                })
            })
        }
    }

    fn select_dynamic(width: usize) -> String {
        let chans: Vec<_> = (0..width).map(|_| gochan::bounded::<usize>(1)).collect();
        twice(|| {
            pending(|| {
                chans.iter().fold(gochan::Select::new(), |s, (_, rx)| {
                    s.recv(rx, |m: Result<usize, _>| m.is_ok())
                })
            })
        })
    }

    fn select_loop(width: usize) -> String {
        let chans: Vec<_> = (0..width).map(|_| gochan::bounded::<usize>(1)).collect();
        let mut sel = chans.iter().fold(gochan::SelectLoop::new(), |s, (_, rx)| {
            s.recv(rx, |m: Result<usize, _>| m.is_ok())
        });
        twice(|| pending(|| sel.select()))
    }

    fn select_tokio<const W: usize>() -> String {
        let mut chans = channels::<TokioMpsc, W>();
        let mut rxs = chans.iter_mut().map(|(_, rx)| rx);
        let (a, b) = (rxs.next().expect("rx"), rxs.next().expect("rx"));
        if W == 2 {
            twice(|| {
                pending(|| async {
                    tokio::select! {
                        m = a.recv() => m.is_some(),
                        m = b.recv() => m.is_some(),
                    }
                })
            })
        } else {
            let (c, d) = (rxs.next().expect("rx"), rxs.next().expect("rx"));
            twice(|| {
                pending(|| async {
                    tokio::select! {
                        m = a.recv() => m.is_some(),
                        m = b.recv() => m.is_some(),
                        m = c.recv() => m.is_some(),
                        m = d.recv() => m.is_some(),
                    }
                })
            })
        }
    }

    fn select_futures<const W: usize>() -> String {
        let chans = channels::<AsyncChannel, W>();
        let r = |i: usize| &chans[i].1;
        if W == 2 {
            twice(|| {
                pending(|| async {
                    futures::select! {
                        m = r(0).recv().fuse() => m.is_ok(),
                        m = r(1).recv().fuse() => m.is_ok(),
                    }
                })
            })
        } else {
            twice(|| {
                pending(|| async {
                    futures::select! {
                        m = r(0).recv().fuse() => m.is_ok(),
                        m = r(1).recv().fuse() => m.is_ok(),
                        m = r(2).recv().fuse() => m.is_ok(),
                        m = r(3).recv().fuse() => m.is_ok(),
                    }
                })
            })
        }
    }

    pub fn run() {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let bench = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
        let body = [
            size_table(),
            create_table(),
            fast_table(),
            exchange_table(),
            waiting_table(),
        ]
        .concat();
        let md = format!(
            "## Memory\n\n{}- Counted by a global allocator that counts every `alloc`, `alloc_zeroed` and \
             `realloc` (a `realloc` counts as one allocation of its new size). \"a / b B\": allocations / \
             bytes requested. \"—\": the crate has no such channel.\n{body}",
            report::header("cargo bench --bench memory")
        );
        println!("{md}");
        if bench {
            match report::write_section("memory", &md) {
                Ok(path) => eprintln!("memory: wrote {}", path.display()),
                Err(e) => eprintln!("memory: could not write BENCHMARKS.md: {e}"),
            }
        }
    }
}
