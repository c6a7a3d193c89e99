#![cfg(not(loom))]
//! A model check on one thread: random sequences of channel operations (try_send,
//! try_recv, send and recv futures created, polled in any order, cancelled, dropped,
//! and close) run against the crate and against a small reference model of the rules in
//! SPEC.md (Go's `hchan`: a buffer, a FIFO of waiting senders and one of waiting
//! receivers, direct handoff, hand-back to the head on a dropped receive). Every result
//! and `len()` must agree after every step. Deterministic: a failure names its seed and
//! step.

mod common;

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::Poll;

use common::*;
use gochan::{
    bounded, unbounded, Receiver, RecvError, RecvFuture, SendError, SendFuture, Sender,
    TryRecvError, TrySendError,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum SendState {
    /// Created, never polled: the future holds the value.
    Start(u32),
    /// Queued in the model's sendq with its value.
    Waiting(u32),
    /// A receiver took the value while the future waited: next poll is Ok.
    Taken,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum RecvState {
    Start,
    /// Queued in the model's recvq.
    Waiting,
    /// A sender handed it a value that it has not returned yet.
    Handed(u32),
    /// Dequeued by close without a value: its next poll looks again.
    Released,
    Done,
}

struct Model {
    cap: usize,
    buf: VecDeque<u32>,
    sendq: VecDeque<usize>, // send future ids, in the order they blocked
    recvq: VecDeque<usize>, // recv future ids, in the order they blocked
    sends: Vec<SendState>,
    recvs: Vec<RecvState>,
    closed: bool,
}

impl Model {
    /// Go's chansend without parking: hand to the longest-waiting receiver, or buffer.
    fn give(&mut self, v: u32) -> bool {
        if let Some(r) = self.recvq.pop_front() {
            self.recvs[r] = RecvState::Handed(v);
            return true;
        }
        if self.buf.len() < self.cap {
            self.buf.push_back(v);
            return true;
        }
        false
    }

    /// Go's chanrecv without parking.
    fn take(&mut self) -> Option<u32> {
        if let Some(v) = self.buf.pop_front() {
            if !self.closed && self.buf.len() < self.cap {
                if let Some(s) = self.sendq.pop_front() {
                    let SendState::Waiting(w) = self.sends[s] else {
                        unreachable!()
                    };
                    self.buf.push_back(w);
                    self.sends[s] = SendState::Taken;
                }
            }
            return Some(v);
        }
        if self.closed {
            return None;
        }
        let s = self.sendq.pop_front()?;
        let SendState::Waiting(w) = self.sends[s] else {
            unreachable!()
        };
        self.sends[s] = SendState::Taken;
        Some(w)
    }

    fn give_back(&mut self, v: u32) {
        if let Some(r) = self.recvq.pop_front() {
            self.recvs[r] = RecvState::Handed(v);
        } else {
            self.buf.push_front(v);
        }
    }

    fn try_send(&mut self, v: u32) -> Result<(), TrySendError<u32>> {
        if self.closed {
            return Err(TrySendError::Closed(v));
        }
        if self.give(v) {
            Ok(())
        } else {
            Err(TrySendError::Full(v))
        }
    }

    fn try_recv(&mut self) -> Result<u32, TryRecvError> {
        match self.take() {
            Some(v) => Ok(v),
            None if self.closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    fn poll_send(&mut self, i: usize) -> Poll<Result<(), SendError<u32>>> {
        match self.sends[i] {
            SendState::Start(v) => {
                if self.closed {
                    self.sends[i] = SendState::Done;
                    return Poll::Ready(Err(SendError(v)));
                }
                if self.give(v) {
                    self.sends[i] = SendState::Done;
                    Poll::Ready(Ok(()))
                } else {
                    self.sends[i] = SendState::Waiting(v);
                    self.sendq.push_back(i);
                    Poll::Pending
                }
            }
            SendState::Waiting(v) => {
                if self.closed {
                    self.sendq.retain(|&s| s != i);
                    self.sends[i] = SendState::Done;
                    Poll::Ready(Err(SendError(v)))
                } else {
                    Poll::Pending
                }
            }
            SendState::Taken => {
                self.sends[i] = SendState::Done;
                Poll::Ready(Ok(()))
            }
            SendState::Done => Poll::Pending,
        }
    }

    /// Cancel (or drop: same bookkeeping, the value is dropped instead of returned).
    fn cancel_send(&mut self, i: usize) -> Option<u32> {
        let back = match self.sends[i] {
            SendState::Start(v) => Some(v),
            SendState::Waiting(v) => {
                self.sendq.retain(|&s| s != i);
                Some(v)
            }
            SendState::Taken | SendState::Done => None,
        };
        self.sends[i] = SendState::Done;
        back
    }

    fn poll_recv(&mut self, j: usize) -> Poll<Result<u32, RecvError>> {
        match self.recvs[j] {
            RecvState::Start | RecvState::Released => match self.take() {
                Some(v) => {
                    self.recvs[j] = RecvState::Done;
                    Poll::Ready(Ok(v))
                }
                None if self.closed => {
                    self.recvs[j] = RecvState::Done;
                    Poll::Ready(Err(RecvError))
                }
                None => {
                    self.recvs[j] = RecvState::Waiting;
                    self.recvq.push_back(j);
                    Poll::Pending
                }
            },
            RecvState::Waiting => Poll::Pending,
            RecvState::Handed(v) => {
                self.recvs[j] = RecvState::Done;
                Poll::Ready(Ok(v))
            }
            RecvState::Done => Poll::Pending,
        }
    }

    fn drop_recv(&mut self, j: usize) {
        match self.recvs[j] {
            RecvState::Waiting => self.recvq.retain(|&r| r != j),
            RecvState::Handed(v) => self.give_back(v),
            _ => {}
        }
        self.recvs[j] = RecvState::Done;
    }

    fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        for r in self.recvq.drain(..) {
            self.recvs[r] = RecvState::Released;
        }
        true
    }
}

fn run(cap: Option<usize>, seed: u64, steps: usize) {
    let (tx, rx): (Sender<u32>, Receiver<u32>) = match cap {
        Some(n) => bounded(n),
        None => unbounded(),
    };
    let mut m = Model {
        cap: cap.unwrap_or(usize::MAX),
        buf: VecDeque::new(),
        sendq: VecDeque::new(),
        recvq: VecDeque::new(),
        sends: Vec::new(),
        recvs: Vec::new(),
        closed: false,
    };
    let mut rng = Rng::new(seed);
    let mut send_futs: Vec<Option<Pin<Box<SendFuture<'_, u32>>>>> = Vec::new();
    let mut recv_futs: Vec<Option<Pin<Box<RecvFuture<'_, u32>>>>> = Vec::new();
    let mut next_value = 0u32;
    let mut log: Vec<String> = Vec::new();
    for step in 0..steps {
        let ctx = |log: &Vec<String>| {
            let tail: Vec<&String> = log.iter().rev().take(12).collect();
            format!("cap {cap:?} seed {seed} step {step}; last ops (newest first): {tail:?}")
        };
        // Close rarely, and only late, so that most of the run is on an open channel.
        let op = rng.below(if step > steps * 3 / 4 { 101 } else { 100 });
        match op {
            0..=14 => {
                let v = next_value;
                next_value += 1;
                log.push(format!("try_send({v})"));
                assert_eq!(tx.try_send(v), m.try_send(v), "{}", ctx(&log));
            }
            15..=29 => {
                log.push("try_recv".into());
                assert_eq!(rx.try_recv(), m.try_recv(), "{}", ctx(&log));
            }
            30..=39 => {
                let v = next_value;
                next_value += 1;
                log.push(format!("send#{} = send({v})", send_futs.len()));
                send_futs.push(Some(Box::pin(tx.send(v))));
                m.sends.push(SendState::Start(v));
            }
            40..=49 => {
                log.push(format!("recv#{} = recv()", recv_futs.len()));
                recv_futs.push(Some(Box::pin(rx.recv())));
                m.recvs.push(RecvState::Start);
            }
            50..=64 if !send_futs.is_empty() => {
                let i = rng.below(send_futs.len() as u64) as usize;
                if let Some(f) = send_futs[i].as_mut() {
                    log.push(format!("poll send#{i}"));
                    assert_eq!(poll_noop(f.as_mut()), m.poll_send(i), "{}", ctx(&log));
                }
            }
            65..=79 if !recv_futs.is_empty() => {
                let j = rng.below(recv_futs.len() as u64) as usize;
                if let Some(f) = recv_futs[j].as_mut() {
                    log.push(format!("poll recv#{j}"));
                    assert_eq!(poll_noop(f.as_mut()), m.poll_recv(j), "{}", ctx(&log));
                }
            }
            80..=86 if !send_futs.is_empty() => {
                let i = rng.below(send_futs.len() as u64) as usize;
                if let Some(f) = send_futs[i].as_mut() {
                    log.push(format!("cancel send#{i}"));
                    assert_eq!(f.as_mut().cancel(), m.cancel_send(i), "{}", ctx(&log));
                }
            }
            87..=92 if !send_futs.is_empty() => {
                let i = rng.below(send_futs.len() as u64) as usize;
                if send_futs[i].take().is_some() {
                    log.push(format!("drop send#{i}"));
                    m.cancel_send(i);
                }
            }
            93..=99 if !recv_futs.is_empty() => {
                let j = rng.below(recv_futs.len() as u64) as usize;
                if recv_futs[j].take().is_some() {
                    log.push(format!("drop recv#{j}"));
                    m.drop_recv(j);
                }
            }
            100 => {
                log.push("close".into());
                assert_eq!(tx.close(), m.close(), "{}", ctx(&log));
            }
            _ => {}
        }
        assert_eq!(rx.len(), m.buf.len(), "len: {}", ctx(&log));
        assert_eq!(rx.is_closed(), m.closed, "is_closed: {}", ctx(&log));
    }
    // Wind down: drop every future, close, drain; the channel holds exactly the model's
    // buffer, in order.
    send_futs.clear();
    recv_futs.clear();
    for i in 0..m.sends.len() {
        m.cancel_send(i);
    }
    for j in 0..m.recvs.len() {
        m.drop_recv(j);
    }
    tx.close();
    m.close();
    let mut got = Vec::new();
    while let Ok(v) = rx.try_recv() {
        got.push(v);
    }
    let expected: Vec<u32> = m.buf.iter().copied().collect();
    assert_eq!(got, expected, "cap {cap:?} seed {seed}: final contents");
}

#[test]
fn random_sequences_match_the_model() {
    thread_timeout(60, || {
        let base = Rng::from_clock("model").next_u64();
        for cap in [Some(0), Some(1), Some(2), Some(5), Some(8), Some(13), None] {
            for k in 0..60u64 {
                run(cap, base.wrapping_add(k), 400);
            }
        }
    });
}

/// A few fixed seeds, so some runs are the same every time.
#[test]
fn fixed_sequences_match_the_model() {
    thread_timeout(60, || {
        for cap in [Some(0), Some(1), Some(3), None] {
            for seed in 1..=20u64 {
                run(cap, seed, 600);
            }
        }
    });
}
