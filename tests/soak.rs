#![cfg(not(loom))]
//! A cancellation soak: tokio tasks on a two-worker runtime, async-std tasks and plain
//! threads with the blocking calls all share the same three channels of one capacity,
//! and every operation races a random timeout, a random number of polls or the other
//! cases of a select. At the end every value is accounted for by id: each one a send
//! delivered (`Ok`, or a `cancel` that found it taken) was received exactly once or was
//! still buffered when the last handle went, and each one handed back (timed out,
//! withdrawn, refused by the close) or dropped unchosen by a select was never received.
//!
//! `GOCHAN_SOAK_SECS` sets how long each capacity's soak runs (default 1 s; the four
//! run two at a time on two cores, so the file takes a little over two seconds).

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use futures::future::{select as race, Either, FutureExt};
use gochan::{RecvTimeoutError, Select, SendError, SendTimeoutError};

type Tx = gochan::Sender<Token>;
type Rx = gochan::Receiver<Token>;

/// Channels per soak: enough for selects over two or more of them. The last one is
/// closed halfway through, so that closing races every kind of operation too.
const CHANNELS: usize = 4;
const TOKIO_TASKS: usize = 4;
const ASYNC_STD_TASKS: usize = 3;
const THREADS: usize = 3;

fn soak_time() -> Duration {
    let secs = match std::env::var("GOCHAN_SOAK_SECS") {
        Ok(s) => s
            .parse::<f64>()
            .unwrap_or_else(|_| panic!("GOCHAN_SOAK_SECS={s:?} is not a number of seconds")),
        Err(_) => 1.0,
    };
    Duration::from_secs_f64(secs)
}

/// What the workers share: the ledger the values' ids index, the next id to hand out,
/// and the phase of the soak.
struct Shared {
    ledger: Arc<Ledger>,
    next_id: AtomicUsize,
    /// How many values were made: ids past the ledger's end are handed out, not made.
    made: AtomicUsize,
    phase: AtomicU8,
}

/// Every kind of operation.
const MIXED: u8 = 0;
/// Sends only, so that buffers fill, senders meet full ones and the close finds some
/// waiting: the values left over are dropped with the channel.
const SENDS_ONLY: u8 = 1;
const STOP: u8 = 2;

impl Shared {
    /// A fresh value, or `None` once the ledger is used up (the worker then stops).
    fn token(&self) -> Option<Token> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        (id < self.ledger.drops.len()).then(|| {
            self.made.fetch_add(1, Ordering::Relaxed);
            self.ledger.token(id)
        })
    }

    /// Two fresh values for a select with two send cases; `None` as for `token`.
    fn pair(&self) -> Option<(Token, Token)> {
        let id = self.next_id.fetch_add(2, Ordering::Relaxed);
        (id + 2 <= self.ledger.drops.len()).then(|| {
            self.made.fetch_add(2, Ordering::Relaxed);
            (self.ledger.token(id), self.ledger.token(id + 1))
        })
    }

    fn stopped(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == STOP
    }

    /// Which operation to run next on channel `tx`: any of `all`, or one of the sends
    /// in `sends`. An unbounded channel would grow by millions in the sends-only phase:
    /// past a few hundred values it gets the mix again, receives included; so does the
    /// closed channel, where sends fail at once and would only use up ids.
    fn op(&self, rng: &mut Rng, tx: &Tx, all: u64, sends: &[u64]) -> u64 {
        let sends_only = self.phase.load(Ordering::Relaxed) == SENDS_ONLY;
        if sends_only && tx.len() < 256 && !tx.is_closed() {
            sends[rng.below(sends.len() as u64) as usize]
        } else {
            rng.below(all)
        }
    }
}

/// One worker's record of what became of the values it made, and of its receives.
#[derive(Default)]
struct Tally {
    ops: u64,
    /// A receiver took it (or it sits in the buffer).
    delivered: Vec<usize>,
    /// Handed back by a timeout or a cancel: no receiver has it.
    withdrawn: Vec<usize>,
    /// Handed back because the channel was closed.
    refused: Vec<usize>,
    /// In a select's send case that another case, or the timer, beat: dropped by it.
    unchosen: Vec<usize>,
    received: u64,
    recv_timeouts: u64,
    recv_closed: u64,
    ran_out_of_ids: bool,
}

impl Tally {
    fn got(&mut self, msg: Result<Token, gochan::RecvError>) {
        match msg {
            Ok(token) => {
                token.receive();
                self.received += 1;
            }
            Err(_) => self.recv_closed += 1,
        }
    }

    fn refused(&mut self, id: usize, back: Token) {
        assert_eq!(back.id, id, "a failed send handed back another value");
        self.refused.push(id);
    }

    fn withdrawn(&mut self, id: usize, back: Token) {
        assert_eq!(back.id, id, "a withdrawn send handed back another value");
        self.withdrawn.push(id);
    }

    fn merge(&mut self, other: Tally) {
        self.ops += other.ops;
        self.delivered.extend(other.delivered);
        self.withdrawn.extend(other.withdrawn);
        self.refused.extend(other.refused);
        self.unchosen.extend(other.unchosen);
        self.received += other.received;
        self.recv_timeouts += other.recv_timeouts;
        self.recv_closed += other.recv_closed;
        self.ran_out_of_ids |= other.ran_out_of_ids;
    }
}

/// A random wait for an operation's timeout: often none at all (one poll, then the
/// cancel), often less than a timer tick, sometimes long enough for a peer to come.
fn pause(rng: &mut Rng) -> Duration {
    match rng.below(4) {
        0 => Duration::ZERO,
        1 => Duration::from_micros(rng.below(50)),
        2 => Duration::from_micros(rng.below(1000)),
        _ => Duration::from_micros(1000 + rng.below(2000)),
    }
}

fn pick(rng: &mut Rng) -> usize {
    rng.below(CHANNELS as u64) as usize
}

/// Two different channels, for selects that must span more than one.
fn pick_two(rng: &mut Rng) -> (usize, usize) {
    let a = pick(rng);
    let b = (a + 1 + rng.below(CHANNELS as u64 - 1) as usize) % CHANNELS;
    (a, b)
}

/// A send raced against `timer`, then withdrawn if the timer won: the cancel, not the
/// race, says whether the value went out.
async fn send_racing<F: Future + Unpin>(tx: &Tx, token: Token, timer: F, tally: &mut Tally) {
    let id = token.id;
    let mut send = pin!(tx.send(token));
    match race(send.as_mut(), timer).await {
        Either::Left((Ok(()), _)) => tally.delivered.push(id),
        Either::Left((Err(SendError(back)), _)) => tally.refused(id, back),
        Either::Right(_) => match send.as_mut().cancel() {
            None => tally.delivered.push(id),
            Some(back) => tally.withdrawn(id, back),
        },
    }
}

/// The outcome of a select with send cases, to be booked against the values in them.
enum Picked {
    Sent(usize),
    Refused(usize, Token),
    Got(Result<Token, gochan::RecvError>),
    Timer,
}

/// Books a select over send cases of the values `ids`: the chosen one delivered (or
/// refused), every other one dropped unchosen.
fn book(picked: Picked, ids: &[usize], tally: &mut Tally) {
    let chosen = match picked {
        Picked::Sent(i) => {
            tally.delivered.push(ids[i]);
            Some(i)
        }
        Picked::Refused(i, back) => {
            tally.refused(ids[i], back);
            Some(i)
        }
        Picked::Got(msg) => {
            tally.got(msg);
            None
        }
        Picked::Timer => {
            tally.recv_timeouts += 1;
            None
        }
    };
    for (i, &id) in ids.iter().enumerate() {
        if Some(i) != chosen {
            tally.unchosen.push(id);
        }
    }
}

fn sent(i: usize, res: Result<(), SendError<Token>>) -> Picked {
    match res {
        Ok(()) => Picked::Sent(i),
        Err(SendError(back)) => Picked::Refused(i, back),
    }
}

async fn tokio_worker(shared: Arc<Shared>, txs: Vec<Tx>, rxs: Vec<Rx>, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !shared.stopped() {
        tally.ops += 1;
        let d = pause(&mut rng);
        let (a, b) = pick_two(&mut rng);
        match shared.op(&mut rng, &txs[a], 7, &[0, 3]) {
            0 => {
                let Some(token) = shared.token() else { break };
                let id = token.id;
                let mut send = pin!(txs[a].send(token));
                match tokio::time::timeout(d, send.as_mut()).await {
                    Ok(Ok(())) => tally.delivered.push(id),
                    Ok(Err(SendError(back))) => tally.refused(id, back),
                    Err(_) => match send.as_mut().cancel() {
                        None => tally.delivered.push(id),
                        Some(back) => tally.withdrawn(id, back),
                    },
                }
            }
            1 | 2 => match tokio::time::timeout(d, rxs[a].recv()).await {
                Ok(msg) => tally.got(msg),
                Err(_) => tally.recv_timeouts += 1,
            },
            3 => {
                let Some(token) = shared.token() else { break };
                let polls = rng.below(6) as u32;
                send_racing(&txs[a], token, YieldN(polls), &mut tally).await;
            }
            4 => {
                // A select with a send and two receives, the timer one of its cases:
                // its result says which case, if any, took effect.
                let Some(token) = shared.token() else { break };
                let ids = [token.id];
                let picked = gochan::select! {
                    send(&txs[a], token) -> res => sent(0, res),
                    recv(&rxs[a]) -> msg => Picked::Got(msg),
                    recv(&rxs[b]) -> msg => Picked::Got(msg),
                    future(tokio::time::sleep(d)) -> _ => Picked::Timer,
                };
                book(picked, &ids, &mut tally);
            }
            5 => {
                let Some((t0, t1)) = shared.pair() else { break };
                let ids = [t0.id, t1.id];
                let picked = gochan::select! {
                    send(&txs[a], t0) -> res => sent(0, res),
                    send(&txs[b], t1) -> res => sent(1, res),
                    recv(&rxs[b]) -> msg => Picked::Got(msg),
                    future(tokio::time::sleep(d)) -> _ => Picked::Timer,
                };
                book(picked, &ids, &mut tally);
            }
            _ => {
                // Receives only, so a select dropped by the timeout has taken nothing.
                let both = async {
                    gochan::select! {
                        recv(&rxs[a]) -> msg => msg,
                        recv(&rxs[b]) -> msg => msg,
                    }
                };
                match tokio::time::timeout(d, both).await {
                    Ok(msg) => tally.got(msg),
                    Err(_) => tally.recv_timeouts += 1,
                }
            }
        }
    }
    tally.ran_out_of_ids = !shared.stopped();
    tally
}

async fn async_std_worker(shared: Arc<Shared>, txs: Vec<Tx>, rxs: Vec<Rx>, seed: u64) -> Tally {
    use async_std::future::timeout;
    use async_std::task::sleep;

    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !shared.stopped() {
        tally.ops += 1;
        let d = pause(&mut rng);
        let (a, b) = pick_two(&mut rng);
        match shared.op(&mut rng, &txs[a], 7, &[0, 3]) {
            0 => {
                let Some(token) = shared.token() else { break };
                let id = token.id;
                let mut send = pin!(txs[a].send(token));
                match timeout(d, send.as_mut()).await {
                    Ok(Ok(())) => tally.delivered.push(id),
                    Ok(Err(SendError(back))) => tally.refused(id, back),
                    Err(_) => match send.as_mut().cancel() {
                        None => tally.delivered.push(id),
                        Some(back) => tally.withdrawn(id, back),
                    },
                }
            }
            1 | 2 => match timeout(d, rxs[a].recv()).await {
                Ok(msg) => tally.got(msg),
                Err(_) => tally.recv_timeouts += 1,
            },
            3 => {
                // futures::select! over the send and a timer.
                let Some(token) = shared.token() else { break };
                let id = token.id;
                let mut send = pin!(txs[a].send(token));
                let mut timer = pin!(sleep(d).fuse());
                futures::select! {
                    res = send.as_mut().fuse() => match res {
                        Ok(()) => tally.delivered.push(id),
                        Err(SendError(back)) => tally.refused(id, back),
                    },
                    _ = timer => match send.as_mut().cancel() {
                        None => tally.delivered.push(id),
                        Some(back) => tally.withdrawn(id, back),
                    },
                }
            }
            4 => {
                let polls = rng.below(6) as u32;
                let recv = pin!(rxs[a].recv());
                match race(recv, YieldN(polls)).await {
                    Either::Left((msg, _)) => tally.got(msg),
                    Either::Right(_) => tally.recv_timeouts += 1,
                }
            }
            5 => {
                let Some(token) = shared.token() else { break };
                let ids = [token.id];
                let picked = gochan::select! {
                    send(&txs[b], token) -> res => sent(0, res),
                    recv(&rxs[a]) -> msg => Picked::Got(msg),
                    future(sleep(d)) -> _ => Picked::Timer,
                };
                book(picked, &ids, &mut tally);
            }
            _ => {
                let Some((t0, t1)) = shared.pair() else { break };
                let ids = [t0.id, t1.id];
                let polls = rng.below(6) as u32;
                let picked = gochan::select! {
                    send(&txs[a], t0) -> res => sent(0, res),
                    send(&txs[b], t1) -> res => sent(1, res),
                    recv(&rxs[a]) -> msg => Picked::Got(msg),
                    recv(&rxs[b]) -> msg => Picked::Got(msg),
                    future(YieldN(polls)) -> _ => Picked::Timer,
                };
                book(picked, &ids, &mut tally);
            }
        }
    }
    tally.ran_out_of_ids = !shared.stopped();
    tally
}

/// A plain thread: the blocking calls, timed and untimed. The untimed ones cannot hang
/// the soak: the close that ends it wakes every one of them.
fn thread_worker(shared: Arc<Shared>, txs: Vec<Tx>, rxs: Vec<Rx>, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while !shared.stopped() {
        tally.ops += 1;
        let d = pause(&mut rng);
        let (a, b) = pick_two(&mut rng);
        match shared.op(&mut rng, &txs[a], 8, &[0, 2, 3]) {
            0 => {
                let Some(token) = shared.token() else { break };
                let id = token.id;
                match txs[a].send_blocking(token) {
                    Ok(()) => tally.delivered.push(id),
                    Err(SendError(back)) => tally.refused(id, back),
                }
            }
            1 => tally.got(rxs[a].recv_blocking()),
            2 | 3 => {
                let Some(token) = shared.token() else { break };
                let id = token.id;
                match txs[a].send_timeout(token, d) {
                    Ok(()) => tally.delivered.push(id),
                    Err(SendTimeoutError::Timeout(back)) => tally.withdrawn(id, back),
                    Err(SendTimeoutError::Closed(back)) => tally.refused(id, back),
                }
            }
            4 | 5 => match rxs[a].recv_timeout(d) {
                Ok(token) => tally.got(Ok(token)),
                Err(RecvTimeoutError::Timeout) => tally.recv_timeouts += 1,
                Err(RecvTimeoutError::Closed) => tally.recv_closed += 1,
            },
            6 => {
                let Some(token) = shared.token() else { break };
                let ids = [token.id];
                let picked = Select::new()
                    .send(&txs[a], token, |res| sent(0, res))
                    .recv(&rxs[b], Picked::Got)
                    .wait_timeout(d)
                    .unwrap_or(Picked::Timer);
                book(picked, &ids, &mut tally);
            }
            _ => {
                let Some((t0, t1)) = shared.pair() else { break };
                let ids = [t0.id, t1.id];
                let c = pick(&mut rng);
                let picked = Select::new()
                    .recv(&rxs[c], Picked::Got)
                    .send(&txs[a], t0, |res| sent(0, res))
                    .send(&txs[b], t1, |res| sent(1, res))
                    .wait_timeout(d)
                    .unwrap_or(Picked::Timer);
                book(picked, &ids, &mut tally);
            }
        }
    }
    tally.ran_out_of_ids = !shared.stopped();
    tally
}

/// The longest round. A longer soak runs several, each on fresh channels with a fresh
/// ledger, so that its memory stays bounded however long it runs.
const ROUND: Duration = Duration::from_secs(1);

/// Totals over a soak's rounds.
#[derive(Default)]
struct Figures {
    rounds: u64,
    ops: u64,
    made: usize,
    sent: usize,
    received: u64,
    dropped_with_channel: usize,
    withdrawn: usize,
    refused: usize,
    unchosen: usize,
    recv_timeouts: u64,
    recv_closed: u64,
}

/// Runs the soak on channels of capacity `cap` round after round, then prints the
/// figures.
fn soak(cap: Option<usize>) {
    let label = format!("soak cap {cap:?}");
    let mut seeder = Rng::from_clock(&label);
    let started = Instant::now();
    let mut figures = Figures::default();
    let mut left = soak_time();
    loop {
        let time = left.min(ROUND);
        round(cap, time, &mut seeder, &label, &mut figures);
        left = left.saturating_sub(time);
        if left.is_zero() {
            break;
        }
    }
    let f = figures;
    eprintln!(
        "{label}: {:.2} s, {} round(s), {} ops attempted; {} values made: {} sent, \
         {} received, {} dropped with the channel, {} timed out/withdrawn, {} refused by \
         the close, {} dropped unchosen by a select; {} receives timed out, {} found the \
         channel closed",
        started.elapsed().as_secs_f64(),
        f.rounds,
        f.ops,
        f.made,
        f.sent,
        f.received,
        f.dropped_with_channel,
        f.withdrawn,
        f.refused,
        f.unchosen,
        f.recv_timeouts,
        f.recv_closed,
    );
}

/// One round of `time` on fresh channels; checks the books and adds to `figures`.
fn round(cap: Option<usize>, time: Duration, seeder: &mut Rng, label: &str, figures: &mut Figures) {
    // Room for more values than a round makes (some 400 000 a second on two cores,
    // 600 000 unbounded); 16 bytes each.
    let ids = 50_000 + (time.as_secs_f64() * 2_000_000.0) as usize;
    let shared = Arc::new(Shared {
        ledger: Ledger::new(ids),
        next_id: AtomicUsize::new(0),
        made: AtomicUsize::new(0),
        phase: AtomicU8::new(MIXED),
    });
    let (txs, rxs): (Vec<Tx>, Vec<Rx>) = (0..CHANNELS).map(|_| make(cap)).unzip();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build tokio runtime");
    let tokio_tasks: Vec<_> = (0..TOKIO_TASKS)
        .map(|_| {
            let worker = tokio_worker(shared.clone(), txs.clone(), rxs.clone(), seeder.next_u64());
            rt.spawn(worker)
        })
        .collect();
    let async_std_tasks: Vec<_> = (0..ASYNC_STD_TASKS)
        .map(|_| {
            let worker =
                async_std_worker(shared.clone(), txs.clone(), rxs.clone(), seeder.next_u64());
            async_std::task::spawn(worker)
        })
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (shared, txs, rxs) = (shared.clone(), txs.clone(), rxs.clone());
            let seed = seeder.next_u64();
            std::thread::spawn(move || thread_worker(shared, txs, rxs, seed))
        })
        .collect();

    std::thread::sleep(time.mul_f64(0.5));
    txs[CHANNELS - 1].close();
    std::thread::sleep(time.mul_f64(0.3));
    shared.phase.store(SENDS_ONLY, Ordering::Relaxed);
    std::thread::sleep(time.mul_f64(0.2));
    // The end: workers stop at their next look, and the close wakes every one that
    // waits, so none is left blocked. Values still buffered stay there.
    shared.phase.store(STOP, Ordering::Relaxed);
    for tx in &txs {
        tx.close();
    }

    let mut tally = Tally::default();
    let joined = rt.block_on(with_timeout(SECS, async {
        let mut out = Vec::new();
        for task in tokio_tasks {
            out.push(task.await.expect("tokio worker panicked"));
        }
        out
    }));
    for t in joined {
        tally.merge(t);
    }
    let joined = futures::executor::block_on(with_timeout_async_std(SECS, async {
        let mut out = Vec::new();
        for task in async_std_tasks {
            out.push(task.await);
        }
        out
    }));
    for t in joined {
        tally.merge(t);
    }
    for thread in threads {
        tally.merge(thread.join().expect("thread worker panicked"));
    }
    drop(rt);
    if tally.ran_out_of_ids {
        // Not a failure: a fast machine made more values than the ledger has room for,
        // and the workers that ran out stopped early. Every value is still checked.
        eprintln!("{label}: the ledger's {ids} ids ran out before the end of the soak");
    }

    // Only the handles here are left, so nothing waits and nothing is in flight.
    for (tx, rx) in txs.iter().zip(&rxs) {
        assert_eq!((tx.sender_count(), rx.receiver_count()), (1, 1), "{label}");
    }
    let buffered: usize = rxs.iter().map(|rx| rx.len()).sum();

    let ledger = shared.ledger.clone();
    let handed_out = shared.next_id.load(Ordering::Relaxed).min(ids);
    let made = shared.made.load(Ordering::Relaxed);
    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Fate {
        Unknown,
        Delivered,
        HandedBack,
        Unchosen,
    }
    let mut fate = vec![Fate::Unknown; handed_out];
    let mut book_as = |list: &[usize], f: Fate| {
        for &id in list {
            assert_eq!(fate[id], Fate::Unknown, "{label}: value {id} booked twice");
            fate[id] = f;
        }
    };
    book_as(&tally.delivered, Fate::Delivered);
    book_as(&tally.withdrawn, Fate::HandedBack);
    book_as(&tally.refused, Fate::HandedBack);
    book_as(&tally.unchosen, Fate::Unchosen);
    let booked =
        tally.delivered.len() + tally.withdrawn.len() + tally.refused.len() + tally.unchosen.len();
    assert_eq!(booked, made, "{label}: values made vs booked");

    let mut still_buffered = Vec::new();
    for (id, &f) in fate.iter().enumerate() {
        let (received, drops) = (ledger.received(id), ledger.drops(id));
        match f {
            // An id handed out at the ledger's end with no value made for it.
            Fate::Unknown => assert_eq!(
                (received, drops),
                (0, 0),
                "{label}: value {id} was made but never booked"
            ),
            Fate::Delivered => match (received, drops) {
                (1, 1) => {}
                (0, 0) => still_buffered.push(id),
                _ => panic!(
                    "{label}: delivered value {id} received {received} times, dropped {drops}"
                ),
            },
            Fate::HandedBack | Fate::Unchosen => assert_eq!(
                (received, drops),
                (0, 1),
                "{label}: value {id} ({f:?}) received or dropped wrongly"
            ),
        }
    }
    // Every delivered value not received is in a buffer, and every buffered value is
    // one of those: none invented, none lost.
    assert_eq!(still_buffered.len(), buffered, "{label}: buffers vs books");
    let received_total: usize = (0..handed_out).map(|id| ledger.received(id)).sum();
    assert_eq!(
        received_total as u64, tally.received,
        "{label}: receives vs books"
    );

    drop((txs, rxs));
    for &id in &still_buffered {
        assert_eq!(
            (ledger.received(id), ledger.drops(id)),
            (0, 1),
            "{label}: buffered value {id} not dropped with the channel"
        );
    }

    figures.rounds += 1;
    figures.ops += tally.ops;
    figures.made += made;
    figures.sent += tally.delivered.len();
    figures.received += tally.received;
    figures.dropped_with_channel += still_buffered.len();
    figures.withdrawn += tally.withdrawn.len();
    figures.refused += tally.refused.len();
    figures.unchosen += tally.unchosen.len();
    figures.recv_timeouts += tally.recv_timeouts;
    figures.recv_closed += tally.recv_closed;
}

fn bounded_soak(cap: Option<usize>) {
    // Generous, since only a hang should reach it: under valgrind setting up and
    // checking the books takes seconds.
    let limit = 3 * SECS + soak_time().as_secs() * 2;
    thread_timeout(limit, move || soak(cap));
}

#[test]
fn soak_rendezvous() {
    bounded_soak(Some(0));
}

#[test]
fn soak_capacity_1() {
    bounded_soak(Some(1));
}

#[test]
fn soak_capacity_64() {
    bounded_soak(Some(64));
}

#[test]
fn soak_unbounded() {
    bounded_soak(None);
}
