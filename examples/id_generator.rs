// Ports the factory pattern and the id generator `func ids() <-chan int` of article 002,
// and its goroutine leak section. Runtime: tokio, multi-threaded.

//! A generator: a function that returns a channel fed by a task of its own.
//!
//! The caller only ever sees the receiving end; how the values are made, and by whom,
//! stays inside the function (Go's factory pattern). Because the channel is a
//! concurrency-safe queue, any number of tasks can draw unique ids from it.
//!
//! In Go the generator's goroutine loops forever: once the caller stops reading, it
//! sits blocked on its send for the rest of the program, a leak nothing can detect.
//! With gochan, dropping the last `Receiver` makes that send fail and hand the value
//! back, so the generator notices and ends.

use std::time::Duration;

use gochan::{bounded, Receiver, SendError};
use tokio::task::JoinHandle;

/// Go's `func ids() <-chan int`. The handle is here only so that the demo can watch
/// the generator stop; the factory's users need nothing but the Receiver.
fn ids() -> (Receiver<u64>, JoinHandle<u64>) {
    // Unbuffered: an id is made when someone asks for it, so none are made in vain.
    let (tx, rx) = bounded(0);
    let generator = tokio::spawn(async move {
        let mut next = 0;
        loop {
            match tx.send(next).await {
                Ok(()) => next += 1,
                Err(SendError(unwanted)) => {
                    println!("  generator: nobody can receive id {unwanted} any more, so it stops");
                    return next; // ids handed out
                }
            }
        }
    });
    (rx, generator)
}

const CLIENTS: usize = 3;
const IDS_EACH: usize = 5;

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let (id_source, generator) = ids();
        println!("{CLIENTS} clients draw {IDS_EACH} ids each from one generator:");

        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let id_source = id_source.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    while mine.len() < IDS_EACH {
                        match id_source.recv().await {
                            Ok(id) => mine.push(id),
                            Err(_) => break,
                        }
                    }
                    println!("  client {client} drew ids {mine:?}");
                    mine
                })
            })
            .collect();
        // The clients hold the only other Receivers; once they are done, nobody is left.
        drop(id_source);

        let mut all_ids = Vec::new();
        for client in clients {
            all_ids.extend(client.await.expect("a client task panicked"));
        }
        all_ids.sort_unstable();
        let expected: Vec<u64> = (0..(CLIENTS * IDS_EACH) as u64).collect();
        assert_eq!(all_ids, expected, "every id is drawn exactly once");
        println!("  {} ids drawn, each exactly once", all_ids.len());

        // Without rule 5 this would wait forever; the timeout is only a safety net.
        match tokio::time::timeout(Duration::from_secs(2), generator).await {
            Ok(Ok(handed_out)) => {
                println!("  the generator task ended after handing out {handed_out} ids: no leak");
                assert_eq!(handed_out, (CLIENTS * IDS_EACH) as u64);
            }
            Ok(Err(panicked)) => panic!("the generator task failed: {panicked}"),
            Err(_) => panic!("the generator is still blocked on its send: it leaked"),
        }
    });
}
