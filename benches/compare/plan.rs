//! What to measure in each mode: a list of cases (one row of a table each), every
//! one of which is then run for every crate that has the channel it needs.

use crate::driver::Mode;
use crate::peers::Cap;

#[derive(Clone, Copy, Debug)]
pub enum Work {
    /// One task sends every message, then receives them all.
    Seq,
    /// `producers` tasks share the messages out; `consumers` tasks drain the channel
    /// until it is closed (every producer done).
    Pc { producers: usize, consumers: usize },
    /// A client sends on one channel and waits for the echo on a second one.
    PingPong,
    /// `width` producers, each on its own channel, and one consumer selecting over all.
    Select { width: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    Usize,
    Bytes64,
}

impl Payload {
    pub fn name(self) -> &'static str {
        match self {
            Payload::Usize => "usize",
            Payload::Bytes64 => "[u8; 64]",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    /// tokio multi-thread runtime with 2 workers.
    Multi,
    /// tokio current-thread runtime.
    Current,
    /// Blocking calls on plain OS threads.
    Threads,
}

impl Env {
    pub fn name(self) -> &'static str {
        match self {
            Env::Multi => "async, tokio multi-thread (2 workers)",
            Env::Current => "async, tokio current-thread",
            Env::Threads => "blocking, OS threads",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case {
    pub env: Env,
    pub family: &'static str,
    /// Short name of the family, for criterion's group ids.
    pub short: &'static str,
    pub row: String,
    pub work: Work,
    pub cap: Cap,
    pub payload: Payload,
    /// Messages (round trips for ping-pong) per iteration.
    pub msgs: usize,
}

impl Case {
    pub fn table(&self) -> String {
        format!("{} — {}", self.family, self.env.name())
    }

    /// A short, file-name-safe criterion group id, e.g. `mt-spsc-cap-64-usize`
    /// (criterion truncates long group names, which would make rows collide).
    pub fn slug(&self) -> String {
        let env = match self.env {
            Env::Multi => "mt",
            Env::Current => "ct",
            Env::Threads => "threads",
        };
        let mut slug = format!("{env}-{}-", self.short);
        for ch in self.row.chars() {
            if ch.is_ascii_alphanumeric() {
                slug.push(ch);
            } else if !slug.ends_with('-') {
                slug.push('-');
            }
        }
        slug.trim_end_matches('-').to_string()
    }
}

const ALL_CAPS: [Cap; 4] = [
    Cap::Bounded(0),
    Cap::Bounded(1),
    Cap::Bounded(64),
    Cap::Unbounded,
];
const BOTH: [Payload; 2] = [Payload::Usize, Payload::Bytes64];
const USIZE: [Payload; 1] = [Payload::Usize];
const PAIRS: [usize; 5] = [1, 2, 4, 8, 16];
const WIDTHS: [usize; 3] = [2, 4, 8];

struct Plan {
    cases: Vec<Case>,
    n: usize,
    round_trips: usize,
}

impl Plan {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        envs: &[Env],
        (family, short): (&'static str, &'static str),
        label: impl Fn(Cap, Payload) -> String,
        work: Work,
        caps: &[Cap],
        payloads: &[Payload],
    ) {
        let msgs = match work {
            Work::PingPong => self.round_trips,
            _ => self.n,
        };
        for &env in envs {
            for &payload in payloads {
                for &cap in caps {
                    self.cases.push(Case {
                        env,
                        family,
                        short,
                        row: label(cap, payload),
                        work,
                        cap,
                        payload,
                        msgs,
                    });
                }
            }
        }
    }
}

fn cap_row(cap: Cap, payload: Payload) -> String {
    format!("cap {cap}, {}", payload.name())
}

/// The cases of one run, in the order they are measured.
pub fn cases(mode: Mode, n: usize, round_trips: usize) -> Vec<Case> {
    use Env::*;
    let full = mode != Mode::Quick;
    let mut p = Plan {
        cases: Vec::new(),
        n,
        round_trips,
    };
    let every_env: &[Env] = &[Multi, Current, Threads];
    let payloads: &[Payload] = if full { &BOTH } else { &USIZE };
    let caps = &ALL_CAPS;

    // seq needs room for all N messages: unbounded, and bounded(N).
    let seq_caps = [Cap::Unbounded, Cap::Bounded(n)];
    let seq_envs: &[Env] = if full { every_env } else { &[Multi, Threads] };
    let seq_row = |cap, payload: Payload| match cap {
        Cap::Bounded(_) => format!("cap N, {}", payload.name()),
        Cap::Unbounded => cap_row(cap, payload),
    };
    p.add(
        seq_envs,
        ("seq (send N, then receive N)", "seq"),
        seq_row,
        Work::Seq,
        &seq_caps,
        payloads,
    );

    let pc = |producers, consumers| Work::Pc {
        producers,
        consumers,
    };
    p.add(
        every_env,
        ("spsc", "spsc"),
        cap_row,
        pc(1, 1),
        caps,
        payloads,
    );
    if !full {
        p.add(
            &[Multi, Threads],
            ("spsc", "spsc"),
            cap_row,
            pc(1, 1),
            &[Cap::Bounded(64)],
            &[Payload::Bytes64],
        );
    }
    p.add(
        every_env,
        ("mpsc (4 producers, 1 consumer)", "mpsc"),
        cap_row,
        pc(4, 1),
        caps,
        payloads,
    );
    p.add(
        every_env,
        ("mpmc (4 producers, 4 consumers)", "mpmc"),
        cap_row,
        pc(4, 4),
        caps,
        payloads,
    );

    let pp_caps = [Cap::Bounded(0), Cap::Bounded(1)];
    p.add(
        every_env,
        ("ping-pong (ns per round trip)", "pingpong"),
        cap_row,
        Work::PingPong,
        &pp_caps,
        payloads,
    );

    let scaling_envs: &[Env] = if full { every_env } else { &[Multi, Threads] };
    let scaling_caps: &[Cap] = if full { &ALL_CAPS } else { &[Cap::Bounded(64)] };
    for pairs in PAIRS {
        let label = move |cap, payload| format!("{pairs:>2} pairs, {}", cap_row(cap, payload));
        p.add(
            scaling_envs,
            ("scaling (mpmc, k producers + k consumers)", "scaling"),
            label,
            pc(pairs, pairs),
            scaling_caps,
            payloads,
        );
    }

    let select_envs: &[Env] = if full { &[Multi, Current] } else { &[Multi] };
    // No select peer has a rendezvous channel (tokio mpsc, async-channel).
    let select_caps: &[Cap] = if full {
        &ALL_CAPS[1..]
    } else {
        &[Cap::Bounded(64)]
    };
    for width in WIDTHS {
        let label = move |cap, payload| format!("{width} channels, {}", cap_row(cap, payload));
        p.add(
            select_envs,
            ("select fan-in", "select"),
            label,
            Work::Select { width },
            select_caps,
            payloads,
        );
    }

    // Group by environment so one runtime serves a whole block of tables.
    p.cases.sort_by_key(|c| c.env as u8);
    p.cases
}
