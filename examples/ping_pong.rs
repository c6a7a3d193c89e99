// Ports `channelSynchronize2` of article 002: two goroutines taking turns through two
// unbuffered channels. Runtime: `futures::executor` (a LocalPool, then block_on beside
// a plain OS thread using the blocking calls).

//! Ping-pong: unbuffered channels make two tasks take turns.
//!
//! A channel of capacity 0 holds nothing. A send completes only when a receiver takes
//! the value, so every hand-over is a meeting of the two sides. With one channel each
//! way, two players can only hit the ball in turn, and neither can run ahead.
//!
//! The same channels work from plain threads with `send_blocking` / `recv_blocking`,
//! so the second rally puts one player on an async executor and the other on a thread.

use futures::executor::{block_on, LocalPool};
use futures::task::LocalSpawnExt;
use gochan::{bounded, Receiver, Sender, TrySendError};

/// Waits for the ball, hits it back with its count raised by one, and stops after
/// hitting ball `last` (or when the other side has left). Returns the balls it hit.
async fn player(name: &str, inbox: Receiver<u32>, outbox: Sender<u32>, last: u32) -> Vec<u32> {
    let mut hits = Vec::new();
    while let Ok(ball) = inbox.recv().await {
        println!("  {name} hits ball {ball}");
        hits.push(ball);
        if ball == last || outbox.send(ball + 1).await.is_err() {
            break;
        }
    }
    // Returning drops `outbox`, which closes the other player's inbox: that is how
    // the other side learns the rally is over.
    hits
}

/// The same player for a plain thread: the blocking calls instead of `.await`.
fn blocking_player(name: &str, inbox: Receiver<u32>, outbox: Sender<u32>, last: u32) -> Vec<u32> {
    let mut hits = Vec::new();
    while let Ok(ball) = inbox.recv_blocking() {
        println!("  {name} hits ball {ball}");
        hits.push(ball);
        if ball == last || outbox.send_blocking(ball + 1).is_err() {
            break;
        }
    }
    hits
}

/// Puts ball 0 in play, then lets go of this Sender so that only the players hold
/// the channels: when one of them stops, the other's inbox closes.
async fn serve(to: Sender<u32>) {
    to.send(0).await.expect("a player is waiting for the serve");
}

fn evens_up_to(last: u32) -> Vec<u32> {
    (0..=last).step_by(2).collect()
}

fn odds_up_to(last: u32) -> Vec<u32> {
    (1..=last).step_by(2).collect()
}

pub fn main() {
    // Nothing can wait inside an unbuffered channel.
    let (table, _nobody_waiting) = bounded::<u32>(0);
    assert_eq!(table.try_send(0), Err(TrySendError::Full(0)));
    println!("try_send on bounded(0) with no receiver waiting -> Full: a ball must be caught");

    const LAST: u32 = 5;
    println!("rally on one LocalPool thread, two tasks:");
    let (to_ping, ping_inbox) = bounded(0);
    let (to_pong, pong_inbox) = bounded(0);
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let ping = spawner
        .spawn_local_with_handle(player("ping", ping_inbox, to_pong, LAST))
        .expect("the local pool takes new tasks");
    let pong = spawner
        .spawn_local_with_handle(player("pong", pong_inbox, to_ping.clone(), LAST))
        .expect("the local pool takes new tasks");
    let (ping_hits, pong_hits) = pool.run_until(async {
        serve(to_ping).await;
        futures::join!(ping, pong)
    });
    // Turns strictly alternate: ping only ever sees even balls, pong only odd ones.
    assert_eq!(ping_hits, evens_up_to(LAST));
    assert_eq!(pong_hits, odds_up_to(LAST));

    const LAST_ACROSS: u32 = 3;
    println!("rally between an async task and a plain thread:");
    let (to_ping, ping_inbox) = bounded(0);
    let (to_pong, pong_inbox) = bounded(0);
    let to_ping_from_thread = to_ping.clone();
    let pong = std::thread::spawn(move || {
        blocking_player(
            "pong (thread)",
            pong_inbox,
            to_ping_from_thread,
            LAST_ACROSS,
        )
    });
    let (_, ping_hits) = block_on(async {
        futures::join!(
            serve(to_ping),
            player("ping (async)", ping_inbox, to_pong, LAST_ACROSS)
        )
    });
    let pong_hits = pong.join().expect("the pong thread panicked");
    assert_eq!(ping_hits, evens_up_to(LAST_ACROSS));
    assert_eq!(pong_hits, odds_up_to(LAST_ACROSS));
    println!("both rallies alternated strictly: every ball was hit once, in turn");
}
