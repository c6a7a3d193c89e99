// Ports the "群发事件" (broadcast event) program of article 002: runners wait on `<-ready`
// and `close(ready)` starts them all. Runtime: tokio, multi-threaded.

//! Close as a broadcast: one `close` releases every waiter at once.
//!
//! A value sent on a channel wakes exactly one receiver. Closing the channel wakes all
//! of them, and stays in effect: anyone who comes to wait later passes straight
//! through. That makes a channel that never carries a value a one-shot start signal,
//! the starter's gun for any number of runners.

use std::collections::BTreeSet;

use gochan::{bounded, unbounded, TryRecvError};

const RUNNERS: usize = 5;

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        // Nothing is ever sent on `ready`: its only event is being closed.
        let (start_gun, ready) = bounded::<()>(0);
        // Each runner reports when it is on the line, so the starter knows everyone
        // is waiting before it fires (the Go program sleeps for a second instead).
        let (on_line_tx, on_line) = unbounded();
        let (finished_tx, finished) = unbounded();

        for runner in 0..RUNNERS {
            let ready = ready.clone();
            let on_line_tx = on_line_tx.clone();
            let finished_tx = finished_tx.clone();
            tokio::spawn(async move {
                let _ = on_line_tx.send(runner).await;
                // The close is the signal, so an error is the outcome we wait for.
                if ready.recv().await == Err(gochan::RecvError) {
                    let _ = finished_tx.send(runner).await;
                }
            });
        }
        // Only the runners may keep these channels open now.
        drop((on_line_tx, finished_tx));

        let mut lined_up = Vec::new();
        while lined_up.len() < RUNNERS {
            match on_line.recv().await {
                Ok(runner) => lined_up.push(runner),
                Err(_) => break,
            }
        }
        println!("on the line, in arrival order: {lined_up:?}");
        assert_eq!(
            finished.try_recv(),
            Err(TryRecvError::Empty),
            "nobody may start early"
        );

        println!("Ready? Go!  (close the `ready` channel)");
        assert!(start_gun.close());

        // Each runner drops its `finished_tx` when it is done, so this range ends
        // exactly when the last one is through.
        let mut finish_order = Vec::new();
        while let Ok(runner) = finished.recv().await {
            finish_order.push(runner);
        }
        println!("released by that one close: {finish_order:?}");
        let everyone: BTreeSet<usize> = (0..RUNNERS).collect();
        assert_eq!(finish_order.len(), RUNNERS);
        assert_eq!(
            finish_order.iter().copied().collect::<BTreeSet<_>>(),
            everyone
        );

        // A closed channel stays closed: a latecomer does not wait at all.
        assert_eq!(ready.recv().await, Err(gochan::RecvError));
        println!("a runner arriving after the gun passes at once: close is a state, not a message");
    });
}
