// A producer sends under a shutdown signal and keeps every value it could not send.
// Runtime: tokio, multi-thread.

//! Shutdown without losing work: `SendFuture::cancel`.
//!
//! A producer feeds a slow worker over an unbuffered channel and races each send
//! against a shutdown signal in `tokio::select!`. When the signal wins, the send that
//! was waiting is cancelled, and that is the moment other crates leave you guessing:
//! did the worker take the value just before the signal, or not? Dropping the future
//! cannot say. `SendFuture::cancel` can: `Some(v)` means no receiver has or ever will
//! see `v`, so it is ours again, `None` means the worker took it. The producer keeps
//! what it could not send (here, to print; in a service, to store for the next run),
//! and the books balance: every job was either done by the worker or kept, exactly
//! once.

use std::pin::pin;
use std::time::Duration;

use gochan::{bounded, Receiver};

/// Does each job slowly; returns the jobs it did, in order.
async fn worker(jobs: Receiver<u32>) -> Vec<u32> {
    let mut done = Vec::new();
    while let Ok(job) = jobs.recv().await {
        tokio::time::sleep(Duration::from_millis(3)).await;
        done.push(job);
    }
    done
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let (jobs_tx, jobs_rx) = bounded::<u32>(0);
        let (stop_tx, stop_rx) = bounded::<()>(0); // closed to signal shutdown
        let worker = tokio::spawn(worker(jobs_rx));
        let signal = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            stop_tx.close(); // Go's close(quit): a broadcast to every listener
        });

        let mut backlog: Vec<u32> = (0..1_000).collect();
        backlog.reverse(); // pop() yields 0 first
        let mut kept = Vec::new();
        while let Some(job) = backlog.pop() {
            let mut send = pin!(jobs_tx.send(job));
            let stopping = tokio::select! {
                sent = send.as_mut() => {
                    sent.expect("the worker is still receiving");
                    false
                }
                _ = stop_rx.recv() => true,
            };
            if stopping {
                // The send may have been taken at the last moment: cancel says which.
                if let Some(job) = send.as_mut().cancel() {
                    kept.push(job);
                }
                break;
            }
        }
        backlog.reverse();
        kept.extend(backlog); // never tried
        drop(jobs_tx); // the worker's range ends
        signal.await.unwrap();
        let done = worker.await.unwrap();

        println!(
            "shutdown after {} jobs done; {} kept for later, starting at {:?}",
            done.len(),
            kept.len(),
            kept.first()
        );
        let mut all: Vec<u32> = done.iter().chain(&kept).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..1_000).collect::<Vec<_>>(), "a job lost or doubled");
        assert!(done.windows(2).all(|w| w[0] < w[1]), "done in order");
        println!("every job done once or kept once: nothing lost, nothing doubled");
    });
}
