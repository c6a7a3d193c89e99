// Ports the semaphore pattern of article 002 (a buffered channel whose slots are
// tokens: `sem <- struct{}{}` to enter, `<-sem` to leave). Runtime: tokio, multi-threaded.

//! A buffered channel as a counting semaphore.
//!
//! A channel with K slots can hold K tokens. Putting a token in is taking a permit;
//! when all K slots are full the next send waits, which is exactly a semaphore that
//! lets at most K tasks through. Taking a token out gives the permit back and lets the
//! longest-waiting sender in.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gochan::{bounded, Receiver, Sender};

const LIMIT: usize = 3;
const JOBS: usize = 12;

#[derive(Clone)]
struct Semaphore {
    slots: Sender<()>,
    tokens: Receiver<()>,
}

/// Gives its token back when dropped, however the holder leaves its scope.
struct Permit<'a> {
    tokens: &'a Receiver<()>,
}

impl Semaphore {
    fn new(limit: usize) -> Self {
        let (slots, tokens) = bounded(limit);
        Semaphore { slots, tokens }
    }

    /// Go's `sem <- struct{}{}`: waits while every slot is taken.
    async fn acquire(&self) -> Permit<'_> {
        self.slots
            .send(())
            .await
            .expect("the semaphore holds its own Receiver, so its channel never closes");
        Permit {
            tokens: &self.tokens,
        }
    }

    /// Takes a permit only if one is free right now.
    fn try_acquire(&self) -> Option<Permit<'_>> {
        self.slots.try_send(()).ok().map(|()| Permit {
            tokens: &self.tokens,
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        // Go's `<-sem`. There are always at least as many tokens in the channel as
        // live permits, this one's included, so there is always one to take.
        let released = self.tokens.try_recv();
        debug_assert!(released.is_ok(), "a live permit's token is missing");
    }
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let semaphore = Semaphore::new(LIMIT);

        // First, the mechanics, one step at a time.
        let held: Vec<Permit<'_>> = futures::future::join_all((0..LIMIT).map(|_| semaphore.acquire())).await;
        assert!(semaphore.try_acquire().is_none());
        println!("holding {LIMIT} permits: every slot is full, try_acquire fails");
        drop(held);
        let again = semaphore.try_acquire();
        assert!(again.is_some());
        println!("after giving them back, try_acquire succeeds");
        drop(again);

        // Then many jobs competing for the permits.
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..JOBS)
            .map(|_| {
                let (semaphore, running, peak) = (semaphore.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    let _permit = semaphore.acquire().await;
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    // Leave the count before the permit goes (it is dropped last), so
                    // `running` never counts a task that no longer holds a token.
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        let mut finished = 0;
        for job in jobs {
            job.await.expect("a job panicked");
            finished += 1;
        }

        let peak = peak.load(Ordering::SeqCst);
        println!("{finished} jobs on 4 threads, at most {LIMIT} at a time: peak concurrency observed {peak}");
        assert_eq!(finished, JOBS);
        assert!(peak <= LIMIT, "the semaphore let {peak} jobs in at once");
        assert!(semaphore.tokens.is_empty(), "every permit was given back");
    });
}
