// Ports the select loop of article 002 that sets finished channels to nil (`a = nil`)
// until all are closed, and its mention of `reflect.Select` for a set of channels known
// only at run time. Runtime: tokio, multi-threaded (the select loops run in `block_on`).

//! Fan-in: merge many channels into one loop, dropping each as it closes.
//!
//! A closed channel is always ready: its receive case would fire again and again. Go's
//! answer is to set a finished channel to nil, and a nil channel's case never fires.
//! gochan spells nil as `None`.
//!
//! With a fixed set of channels that is `select!` over `Option`s. When the number of
//! channels is only known at run time, Go reaches for `reflect.Select`; gochan has the
//! dynamic `Select`, whose cases are built in a loop, fresh for every round.

use gochan::{bounded, Receiver, RecvError, Select};

const SOURCES: usize = 5;

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("failed to build the tokio runtime");

    // The dynamic Select is not Send (its cases are boxed closures), so it runs here,
    // on the thread that blocks on the runtime, rather than in a spawned task.
    runtime.block_on(async {
        three_channels_with_select_macro().await;
        many_channels_with_dynamic_select().await;
    });
}

/// The Go program almost line for line: three unbuffered channels, one value and a
/// close on each, and a loop that nils every channel it finds closed.
async fn three_channels_with_select_macro() {
    let (a_tx, a_rx) = bounded(0);
    let (b_tx, b_rx) = bounded(0);
    let (c_tx, c_rx) = bounded(0);
    tokio::spawn(async move {
        for (tx, value) in [(c_tx, 9), (a_tx, 11), (b_tx, 10)] {
            if tx.send(value).await.is_err() {
                return;
            }
            tx.close();
        }
    });

    let (mut a, mut b, mut c) = (Some(&a_rx), Some(&b_rx), Some(&c_rx));
    let mut events = Vec::new();
    while a.is_some() || b.is_some() || c.is_some() {
        gochan::select! {
            recv(a) -> x => match x {
                Ok(x) => events.push(format!("a:{x}")),
                Err(RecvError) => { a = None; events.push("a closed".into()); }
            },
            recv(b) -> x => match x {
                Ok(x) => events.push(format!("b:{x}")),
                Err(RecvError) => { b = None; events.push("b closed".into()); }
            },
            recv(c) -> x => match x {
                Ok(x) => events.push(format!("c:{x}")),
                Err(RecvError) => { c = None; events.push("c closed".into()); }
            },
        }
    }
    println!("select! over a, b, c: {}; end.", events.join(", "));
    // c is closed before a's value is even sent, but which ready case a select picks
    // is random, so only the set of events is certain, not their order.
    let mut sorted = events.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["a closed", "a:11", "b closed", "b:10", "c closed", "c:9"]
    );
}

/// Sources of different lengths, merged with a `Select` rebuilt every round.
async fn many_channels_with_dynamic_select() {
    let mut sources: Vec<Option<Receiver<u32>>> = Vec::new();
    for id in 0..SOURCES {
        let (tx, rx) = bounded(1);
        // Source `id` sends `id + 1` values, then hangs up by dropping its Sender.
        tokio::spawn(async move {
            for seq in 0..=id as u32 {
                if tx.send(seq).await.is_err() {
                    return;
                }
            }
        });
        sources.push(Some(rx));
    }

    let mut received = [0u32; SOURCES];
    let mut closed_order = Vec::new();
    let mut rounds = 0;
    while sources.iter().any(Option::is_some) {
        // One case per source; a finished source is passed as `None`, Go's nil channel.
        let mut select = Select::new();
        for (id, source) in sources.iter().enumerate() {
            select = select.recv(source.as_ref(), move |msg| (id, msg));
        }
        let (id, msg) = select.await;
        rounds += 1;
        match msg {
            Ok(seq) => {
                // Each source is one FIFO channel, so its values arrive in order.
                assert_eq!(seq, received[id], "source {id} out of order");
                received[id] += 1;
            }
            Err(RecvError) => {
                sources[id] = None; // drops that Receiver
                closed_order.push(id);
            }
        }
    }

    let total: u32 = received.iter().sum();
    println!(
        "Select over {SOURCES} sources: {total} values in {rounds} rounds, per source {received:?}; \
         closed in the order {closed_order:?}"
    );
    let expected: Vec<u32> = (1..=SOURCES as u32).collect();
    assert_eq!(
        received.to_vec(),
        expected,
        "every value received exactly once"
    );
    assert_eq!(closed_order.len(), SOURCES);
    assert_eq!(rounds, total as usize + SOURCES);
}
