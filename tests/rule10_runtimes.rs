#![cfg(not(loom))]
//! Rule 10 (Runtime-agnostic): the same producer/consumer workload runs under tokio
//! (multi-thread and current-thread), async-std, `futures::executor` and plain threads
//! with the blocking calls, and those mix on one channel, for capacities 0, 1, 16 and
//! unbounded.

mod common;

use common::*;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;
use gochan::{bounded, unbounded, Receiver, Sender};

const CAPS: [Option<usize>; 4] = [Some(0), Some(1), Some(16), None];
const P: u64 = 3;
const N: u64 = 400;
const C: usize = 3;

fn make(cap: Option<usize>) -> (Sender<u64>, Receiver<u64>) {
    match cap {
        Some(n) => bounded(n),
        None => unbounded(),
    }
}

fn value(p: u64, i: u64) -> u64 {
    p * N + i
}

async fn produce(tx: Sender<u64>, p: u64) {
    for i in 0..N {
        tx.send(value(p, i)).await.expect("send on an open channel");
    }
}

async fn consume(rx: Receiver<u64>) -> Vec<u64> {
    let mut got = Vec::new();
    while let Ok(v) = rx.recv().await {
        got.push(v);
    }
    got
}

fn produce_blocking(tx: Sender<u64>, p: u64) {
    for i in 0..N {
        tx.send_blocking(value(p, i))
            .expect("send on an open channel");
    }
}

fn consume_blocking(rx: Receiver<u64>) -> Vec<u64> {
    let mut got = Vec::new();
    while let Ok(v) = rx.recv_blocking() {
        got.push(v);
    }
    got
}

/// Every value 0..P*N exactly once overall, and each consumer saw each producer's
/// values in the order they were sent (FIFO).
fn check(per_consumer: Vec<Vec<u64>>, producers: u64, what: &str) {
    for (c, got) in per_consumer.iter().enumerate() {
        let mut last = vec![None::<u64>; producers as usize];
        for &v in got {
            let p = (v / N) as usize;
            if let Some(prev) = last[p] {
                assert!(
                    prev < v,
                    "{what}: consumer {c} got {v} after {prev} (producer {p})"
                );
            }
            last[p] = Some(v);
        }
    }
    let all: Vec<u64> = per_consumer.into_iter().flatten().collect();
    assert_same_set(all, (0..producers * N).collect());
}

async fn tokio_workload(cap: Option<usize>) -> Vec<Vec<u64>> {
    let (tx, rx) = make(cap);
    let ps: Vec<_> = (0..P)
        .map(|p| tokio::spawn(produce(tx.clone(), p)))
        .collect();
    let cs: Vec<_> = (0..C).map(|_| tokio::spawn(consume(rx.clone()))).collect();
    drop((tx, rx));
    for p in ps {
        p.await.unwrap();
    }
    let mut out = Vec::new();
    for c in cs {
        out.push(c.await.unwrap());
    }
    out
}

#[test]
fn tokio_multi_thread() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let out = tokio_timeout(SECS, 2, tokio_workload(cap));
            check(out, P, &format!("tokio multi-thread cap {cap:?}"));
        }
    });
}

#[test]
fn tokio_current_thread() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let out = tokio_timeout(SECS, 0, tokio_workload(cap));
            check(out, P, &format!("tokio current-thread cap {cap:?}"));
        }
    });
}

#[async_std::test]
async fn async_std_runtime() {
    with_timeout_async_std(SECS, async {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let ps: Vec<_> = (0..P)
                .map(|p| async_std::task::spawn(produce(tx.clone(), p)))
                .collect();
            let cs: Vec<_> = (0..C)
                .map(|_| async_std::task::spawn(consume(rx.clone())))
                .collect();
            drop((tx, rx));
            for p in ps {
                p.await;
            }
            let mut out = Vec::new();
            for c in cs {
                out.push(c.await);
            }
            check(out, P, &format!("async-std cap {cap:?}"));
        }
    })
    .await;
}

/// futures::executor::LocalPool: every task on one thread.
#[test]
fn futures_local_pool() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let mut pool = LocalPool::new();
            let spawner = pool.spawner();
            for p in 0..P {
                spawner.spawn_local(produce(tx.clone(), p)).unwrap();
            }
            let outs: Vec<_> = (0..C)
                .map(|_| {
                    spawner
                        .spawn_local_with_handle(consume(rx.clone()))
                        .unwrap()
                })
                .collect();
            drop((tx, rx));
            pool.run();
            let out: Vec<Vec<u64>> = outs.into_iter().map(futures::executor::block_on).collect();
            check(out, P, &format!("LocalPool cap {cap:?}"));
        }
    });
}

/// futures::executor::block_on, one per thread.
#[test]
fn futures_block_on_threads() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let ps: Vec<_> = (0..P)
                .map(|p| {
                    let tx = tx.clone();
                    std::thread::spawn(move || futures::executor::block_on(produce(tx, p)))
                })
                .collect();
            let cs: Vec<_> = (0..C)
                .map(|_| {
                    let rx = rx.clone();
                    std::thread::spawn(move || futures::executor::block_on(consume(rx)))
                })
                .collect();
            drop((tx, rx));
            for p in ps {
                p.join().unwrap();
            }
            let out = cs.into_iter().map(|c| c.join().unwrap()).collect();
            check(out, P, &format!("block_on threads cap {cap:?}"));
        }
    });
}

#[test]
fn plain_threads_blocking() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let ps: Vec<_> = (0..P)
                .map(|p| {
                    let tx = tx.clone();
                    std::thread::spawn(move || produce_blocking(tx, p))
                })
                .collect();
            let cs: Vec<_> = (0..C)
                .map(|_| {
                    let rx = rx.clone();
                    std::thread::spawn(move || consume_blocking(rx))
                })
                .collect();
            drop((tx, rx));
            for p in ps {
                p.join().unwrap();
            }
            let out = cs.into_iter().map(|c| c.join().unwrap()).collect();
            check(out, P, &format!("threads cap {cap:?}"));
        }
    });
}

/// Async senders on tokio, blocking receivers on threads.
#[test]
fn mix_tokio_senders_blocking_receivers() {
    thread_timeout(SECS, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let cs: Vec<_> = (0..C)
                .map(|_| {
                    let rx = rx.clone();
                    std::thread::spawn(move || consume_blocking(rx))
                })
                .collect();
            drop(rx);
            tokio_timeout(SECS, 2, async move {
                let ps: Vec<_> = (0..P)
                    .map(|p| tokio::spawn(produce(tx.clone(), p)))
                    .collect();
                for p in ps {
                    p.await.unwrap();
                }
            });
            let out = thread_timeout(SECS, move || {
                cs.into_iter().map(|c| c.join().unwrap()).collect()
            });
            check(
                out,
                P,
                &format!("tokio senders + blocking receivers cap {cap:?}"),
            );
        }
    });
}

/// Blocking senders on threads, async receivers on async-std.
#[async_std::test]
async fn mix_blocking_senders_async_std_receivers() {
    with_timeout_async_std(SECS, async {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            let ps: Vec<_> = (0..P)
                .map(|p| {
                    let tx = tx.clone();
                    std::thread::spawn(move || produce_blocking(tx, p))
                })
                .collect();
            drop(tx);
            let cs: Vec<_> = (0..C)
                .map(|_| async_std::task::spawn(consume(rx.clone())))
                .collect();
            drop(rx);
            let mut out = Vec::new();
            for c in cs {
                out.push(c.await);
            }
            for p in ps {
                p.join().unwrap();
            }
            check(
                out,
                P,
                &format!("blocking senders + async-std receivers cap {cap:?}"),
            );
        }
    })
    .await;
}

/// Everything on one channel at once: tokio, async-std, a LocalPool, block_on and
/// blocking threads, each both sending and receiving.
#[test]
fn mix_everything_on_one_channel() {
    thread_timeout(30, || {
        for cap in CAPS {
            let (tx, rx) = make(cap);
            // Producers 0..5: tokio, async-std, LocalPool, block_on thread, blocking thread.
            let tokio_rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let tp = tokio_rt.spawn(produce(tx.clone(), 0));
            let tc = tokio_rt.spawn(consume(rx.clone()));
            let ap = async_std::task::spawn(produce(tx.clone(), 1));
            let ac = async_std::task::spawn(consume(rx.clone()));
            let local = {
                let (tx, rx) = (tx.clone(), rx.clone());
                std::thread::spawn(move || {
                    let mut pool = LocalPool::new();
                    let sp = pool.spawner();
                    sp.spawn_local(produce(tx, 2)).unwrap();
                    let h = sp.spawn_local_with_handle(consume(rx)).unwrap();
                    pool.run();
                    futures::executor::block_on(h)
                })
            };
            let bp = {
                let tx = tx.clone();
                std::thread::spawn(move || futures::executor::block_on(produce(tx, 3)))
            };
            let bc = {
                let rx = rx.clone();
                std::thread::spawn(move || futures::executor::block_on(consume(rx)))
            };
            let thp = {
                let tx = tx.clone();
                std::thread::spawn(move || produce_blocking(tx, 4))
            };
            let thc = {
                let rx = rx.clone();
                std::thread::spawn(move || consume_blocking(rx))
            };
            drop((tx, rx));
            let mut out = Vec::new();
            tokio_rt.block_on(async {
                tp.await.unwrap();
                out.push(tc.await.unwrap());
            });
            futures::executor::block_on(ap);
            out.push(futures::executor::block_on(ac));
            out.push(local.join().unwrap());
            bp.join().unwrap();
            out.push(bc.join().unwrap());
            thp.join().unwrap();
            out.push(thc.join().unwrap());
            check(out, 5, &format!("all runtimes on one channel cap {cap:?}"));
        }
    });
}
