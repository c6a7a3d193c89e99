// The showcase: every other example, one after another. Runtimes: whichever each demo
// uses (tokio, async-std, futures::executor); each builds and drops its own.

//! A tour of gochan: Go's channel idioms, one demo each.
//!
//! Every demo is also an example of its own (`cargo run --example bank`, ...); the tour
//! includes their files as modules and runs their `main` in turn.

use std::time::Instant;

#[path = "bank.rs"]
mod bank;
#[path = "fan_in.rs"]
mod fan_in;
#[path = "id_generator.rs"]
mod id_generator;
#[path = "ping_pong.rs"]
mod ping_pong;
#[path = "producer_consumer.rs"]
mod producer_consumer;
#[path = "ready_broadcast.rs"]
mod ready_broadcast;
#[path = "semaphore.rs"]
mod semaphore;
#[path = "service.rs"]
mod service;
#[path = "shutdown.rs"]
mod shutdown;
#[path = "timeout.rs"]
mod timeout;

type Demo = (&'static str, &'static str, fn());

const DEMOS: [Demo; 10] = [
    (
        "bank",
        "share memory by communicating: a mutex beside an owner task",
        bank::main,
    ),
    (
        "producer_consumer",
        "for v := range ch, ended by close",
        producer_consumer::main,
    ),
    (
        "ready_broadcast",
        "close as a broadcast",
        ready_broadcast::main,
    ),
    (
        "ping_pong",
        "unbuffered channels make tasks take turns",
        ping_pong::main,
    ),
    (
        "id_generator",
        "a generator that stops when its receivers are gone",
        id_generator::main,
    ),
    (
        "semaphore",
        "a buffered channel as a counting semaphore",
        semaphore::main,
    ),
    (
        "fan_in",
        "select over many channels, nil-ing the closed ones",
        fan_in::main,
    ),
    ("timeout", "racing a receive against a timer", timeout::main),
    (
        "shutdown",
        "a send raced against shutdown, withdrawn with cancel: nothing lost",
        shutdown::main,
    ),
    (
        "service",
        "a TCP bank: connection tasks, one owner task, shutdown by close",
        service::main,
    ),
];

fn main() {
    let tour = Instant::now();
    for (name, idea, run) in DEMOS {
        println!("\n=== {name}: {idea} ===");
        let demo = Instant::now();
        run();
        println!("--- {name} done in {} ms", demo.elapsed().as_millis());
    }
    println!(
        "\nall {} demos passed in {} ms",
        DEMOS.len(),
        tour.elapsed().as_millis()
    );
}
