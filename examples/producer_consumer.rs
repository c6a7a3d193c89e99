// Ports the producer/consumer programs of article 002: `for x := range data` ending when
// the producer closes `data`, and reading a closed buffered channel with the ok-idiom.
// Runtime: async-std.

//! `for v := range ch`: the consumer reads until the producers are done.
//!
//! A consumer cannot know how many values are coming; the producers tell it they are
//! finished by closing the channel. In gochan that happens by itself when the last
//! `Sender` is dropped, or on purpose with `close()`. The consumer ranges over
//! `rx.stream()`, which yields every value and then ends, like Go's range loop.
//!
//! Closing does not throw anything away: values already in the buffer are still
//! delivered, and only after them does the receiver learn that the channel is closed.

use async_std::task;
use futures::StreamExt;
use gochan::{bounded, RecvError, SendError};

const PRODUCERS: usize = 3;
const PER_PRODUCER: u32 = 100;

pub fn main() {
    task::block_on(async {
        range_until_the_producers_leave().await;
        close_keeps_what_is_buffered().await;
    });
}

async fn range_until_the_producers_leave() {
    // A small buffer, so producers keep having to wait for the consumer to make room.
    let (tx, rx) = bounded(4);
    for producer in 0..PRODUCERS {
        let tx = tx.clone();
        task::spawn(async move {
            for seq in 0..PER_PRODUCER {
                if tx.send((producer, seq)).await.is_err() {
                    return; // The consumer is gone; nobody wants the rest.
                }
            }
            // Dropping `tx` here is how this producer says it is done.
        });
    }
    // Keep no Sender of our own, or the channel could never close and the range
    // below would wait forever (Go's classic "all goroutines are asleep").
    drop(tx);

    let consumer = task::spawn(async move {
        let mut received = [0; PRODUCERS];
        let mut values = rx.stream();
        while let Some((producer, seq)) = values.next().await {
            // One channel is FIFO, so each producer's values come in the order it sent them.
            assert_eq!(seq, received[producer], "producer {producer} out of order");
            received[producer] += 1;
        }
        received
    });

    let received = consumer.await;
    let total: u32 = received.iter().sum();
    println!(
        "{PRODUCERS} producers x {PER_PRODUCER} values through a buffer of 4: the consumer got {total}, \
         each producer's in order {received:?}; the range ended when the last producer dropped its Sender"
    );
    assert_eq!(received, [PER_PRODUCER; PRODUCERS]);
}

async fn close_keeps_what_is_buffered() {
    // Go: c := make(chan int, 3); c <- 10; c <- 20; close(c); then read past the end.
    let (tx, rx) = bounded(3);
    assert_eq!(tx.send(10).await, Ok(()));
    assert_eq!(tx.send(20).await, Ok(()));
    assert!(tx.close(), "the first close closes the channel");
    println!("sent 10 and 20 into a buffer of 3, then closed it");

    // Where Go panics, gochan reports: a second close says false, and a send after
    // close hands its value back.
    assert!(!tx.close());
    assert_eq!(tx.send(30).await, Err(SendError(30)));
    println!("  close again -> false; send(30) after close -> Err(SendError(30))");

    let drained: Vec<i32> = rx.stream().collect().await;
    assert_eq!(drained, [10, 20]);
    println!("  range over the closed channel still yields {drained:?}");

    // Go's `x, ok := <-c` with ok == false, for good.
    assert_eq!(rx.recv().await, Err(RecvError));
    assert_eq!(rx.recv().await, Err(RecvError));
    println!("  then every recv reports Err(RecvError)");
}
