// Ports `channelRule6` of article 002: wrap a slow call so that it reports on a channel,
// then `select` between that channel and `time.After`. Runtime: tokio, current-thread.

//! Timeouts: race a receive against a timer.
//!
//! A select waits for whichever case is ready first. Put a timer in as one of the
//! cases (Go's `case <-time.After(d)`, here `future(tokio::time::sleep(d))`) and the
//! receive gets a deadline. A `default` case is the limit: a deadline of zero, the
//! select does not wait at all.
//!
//! In Go, a job that finishes after its caller timed out blocks forever on its
//! unbuffered send, a leaked goroutine. With gochan the caller's dropped Receiver
//! makes that late send fail instead, so the job just ends.

use std::time::Duration;

use gochan::{bounded, Receiver};
use tokio::task::JoinHandle;

/// Runs a job that takes `takes`; the job reports on the returned channel when done.
/// The handle tells whether anyone was still there to take the report.
fn start_job(name: &'static str, takes: Duration) -> (Receiver<&'static str>, JoinHandle<bool>) {
    // Unbuffered, like Go's done channel: the report is delivered into a caller's hands.
    let (tx, rx) = bounded(0);
    let job = tokio::spawn(async move {
        tokio::time::sleep(takes).await;
        tx.send(name).await.is_ok()
    });
    (rx, job)
}

/// Waits for the job's report, but no longer than `limit`.
async fn wait_for(report: &Receiver<&'static str>, limit: Duration) -> Option<&'static str> {
    gochan::select! {
        recv(report) -> done => done.ok(),
        future(tokio::time::sleep(limit)) -> _ => None,
    }
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let (report, job) = start_job("quick job", Duration::from_millis(10));
        let outcome = wait_for(&report, Duration::from_millis(500)).await;
        println!("quick job (10 ms) with a 500 ms deadline -> {outcome:?}");
        assert_eq!(outcome, Some("quick job"));
        assert_eq!(job.await.ok(), Some(true));

        let (report, job) = start_job("slow job", Duration::from_millis(150));
        let outcome = wait_for(&report, Duration::from_millis(20)).await;
        println!("slow job (150 ms) with a 20 ms deadline -> {outcome:?}: timed out");
        assert_eq!(outcome, None);
        // We give up on the job: dropping the only Receiver means its report can never
        // be taken, so its send fails instead of blocking forever.
        drop(report);
        let delivered = job.await.ok();
        println!(
            "  the slow job finished later; its send failed, delivered = {delivered:?}: no leak"
        );
        assert_eq!(delivered, Some(false));

        let (report, _job) = start_job("not yet", Duration::from_millis(50));
        let polled = gochan::select! {
            recv(&report) -> done => done.ok(),
            default => None,
        };
        println!("select with default while nothing is ready -> {polled:?}, without waiting");
        assert_eq!(polled, None);
    });
}
