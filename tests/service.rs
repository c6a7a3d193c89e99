#![cfg(not(loom))]
//! The worked service example (`examples/service.rs`) driven by real TCP clients on
//! 127.0.0.1: every reply exact, every deposit served once, and a shutdown by closing
//! one channel after which every task has ended.

mod common;
// The example's own `main` is a demo; the tests drive its server directly.
#[allow(dead_code)]
#[path = "../examples/service.rs"]
mod service;

use common::*;
use service::{Client, Report, Server};

async fn connect(server: &Server) -> Client {
    Client::connect(server.local_addr())
        .await
        .expect("connect to the loopback server")
}

async fn request(client: &mut Client, line: &str) -> Option<String> {
    client.request(line).await.expect("the socket stays usable")
}

#[test]
fn every_command_gets_its_exact_reply() {
    tokio_timeout(SECS, 2, async {
        let server = Server::start("127.0.0.1:0", 10).await.expect("bind");
        let mut client = connect(&server).await;
        let exchanges = [
            ("BALANCE", "BALANCE 10"),
            ("DEPOSIT 5", "OK 15"),
            ("WITHDRAW 3", "OK 12"),
            ("WITHDRAW 13", "ERR insufficient funds: balance 12"),
            ("WITHDRAW 12", "OK 0"),
            ("DEPOSIT 18446744073709551615", "OK 18446744073709551615"),
            ("DEPOSIT 1", "ERR the balance would overflow"),
            ("WITHDRAW 18446744073709551615", "OK 0"),
            ("DEPOSIT -1", "ERR expected a whole amount"),
            ("DEPOSIT", "ERR expected a whole amount"),
            ("DEPOSIT 1 2", "ERR too many words"),
            ("BALANCE 1", "ERR unknown command"),
            ("balance", "ERR unknown command"),
            ("", "ERR unknown command"),
            ("  DEPOSIT   7  ", "OK 7"),
        ];
        for (line, reply) in exchanges {
            assert_eq!(
                request(&mut client, line).await.as_deref(),
                Some(reply),
                "{line:?}"
            );
        }
        assert_eq!(request(&mut client, "QUIT").await.as_deref(), Some("BYE"));
        assert_eq!(
            client.next_line().await.expect("read"),
            None,
            "hung up after BYE"
        );

        // Requests that reached the owner: every one above but the six malformed ones.
        let report = server.shutdown().await;
        assert_eq!(
            report,
            Report {
                balance: 7,
                connections: 1,
                requests: 9,
            }
        );
    });
}

#[test]
fn concurrent_clients_have_every_deposit_served_once() {
    const CLIENTS: u64 = 6;
    const DEPOSITS: u64 = 40;
    const OPENING: u64 = 1000;
    tokio_timeout(SECS, 2, async {
        let server = Server::start("127.0.0.1:0", OPENING).await.expect("bind");
        let addr = server.local_addr();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(async move {
                    let mut client = Client::connect(addr).await.expect("connect");
                    let mut seen = Vec::new();
                    for _ in 0..DEPOSITS {
                        let reply = request(&mut client, "DEPOSIT 1").await.expect("a reply");
                        let balance = reply.strip_prefix("OK ").expect("an OK reply");
                        seen.push(balance.parse::<u64>().expect("a balance"));
                    }
                    assert_eq!(request(&mut client, "QUIT").await.as_deref(), Some("BYE"));
                    seen
                })
            })
            .collect();
        let mut balances = Vec::new();
        for client in clients {
            balances.extend(client.await.expect("a client task panicked"));
        }
        // The owner serves one deposit at a time, so each one saw its own balance:
        // together exactly every value from OPENING + 1 to the end, once each.
        balances.sort_unstable();
        let expected: Vec<u64> = (OPENING + 1..=OPENING + CLIENTS * DEPOSITS).collect();
        assert_eq!(balances, expected);

        let mut last = connect(&server).await;
        let end = format!("BALANCE {}", OPENING + CLIENTS * DEPOSITS);
        assert_eq!(request(&mut last, "BALANCE").await, Some(end));

        let report = server.shutdown().await;
        assert_eq!(
            report,
            Report {
                balance: OPENING + CLIENTS * DEPOSITS,
                connections: CLIENTS as usize + 1,
                requests: (CLIENTS * DEPOSITS) as usize + 1,
            }
        );
        assert_eq!(
            last.next_line().await.expect("read").as_deref(),
            Some("BYE server shutting down")
        );
        assert_eq!(last.next_line().await.expect("read"), None);
    });
}

#[test]
fn closing_the_shutdown_channel_ends_every_task() {
    tokio_timeout(SECS, 2, async {
        let server = Server::start("127.0.0.1:0", 0).await.expect("bind");
        // Idle clients, each known to be served (its task is running) before shutdown.
        let mut idle = Vec::new();
        for i in 1..=4u64 {
            let mut client = connect(&server).await;
            let reply = request(&mut client, &format!("DEPOSIT {i}")).await;
            assert!(reply.is_some_and(|r| r.starts_with("OK ")));
            idle.push(client);
        }
        // One that hangs up on its own: its task ends without any shutdown.
        let mut gone = connect(&server).await;
        assert_eq!(
            request(&mut gone, "BALANCE").await.as_deref(),
            Some("BALANCE 10")
        );
        drop(gone);

        // `shutdown` returns only once the owner has ended, and the owner ends only
        // when every connection task has dropped its request sender.
        let report = server.shutdown().await;
        assert_eq!(
            report,
            Report {
                balance: 10,
                connections: 5,
                requests: 5,
            }
        );
        for mut client in idle {
            let farewell = client.next_line().await.expect("read");
            assert_eq!(farewell.as_deref(), Some("BYE server shutting down"));
            assert_eq!(client.next_line().await.expect("read"), None);
        }
    });
}

#[test]
fn dropping_the_server_shuts_it_down() {
    tokio_timeout(SECS, 2, async {
        let server = Server::start("127.0.0.1:0", 0).await.expect("bind");
        let mut client = connect(&server).await;
        assert_eq!(
            request(&mut client, "BALANCE").await.as_deref(),
            Some("BALANCE 0")
        );
        // Dropping the last shutdown sender closes the channel, as `close` does.
        drop(server);
        let farewell = client.next_line().await.expect("read");
        assert_eq!(farewell.as_deref(), Some("BYE server shutting down"));
        assert_eq!(client.next_line().await.expect("read"), None);
    });
}
