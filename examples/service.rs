// A worked service: article 001's account owner behind a line-based TCP server on
// loopback, shut down by closing one channel. `tests/service.rs` includes this file and
// drives it with real TCP clients. Runtime: tokio, multi-threaded (it needs tokio's
// sockets; gochan itself would run on any executor).

//! A bank on a socket: one task per connection, one task that owns the balance.
//!
//! Clients speak one command per line and get one line back:
//!
//! | request      | reply                                       |
//! |--------------|---------------------------------------------|
//! | `DEPOSIT n`  | `OK <balance>`                              |
//! | `WITHDRAW n` | `OK <balance>`, or `ERR insufficient funds: balance <balance>` |
//! | `BALANCE`    | `BALANCE <balance>`                         |
//! | `QUIT`       | `BYE`, then the server hangs up             |
//!
//! Nothing shares the balance. Connection tasks send requests to the owner task over
//! one channel, each request carrying a fresh reply channel (Go's `chan chan int`), and
//! the owner serves them one at a time, so no two transactions ever interleave.
//!
//! Shutdown is one call: [`Server::shutdown`] closes the shutdown channel, a broadcast
//! that the accept loop and every connection task are selecting on. Each connection
//! says `BYE server shutting down` and ends, dropping its clone of the request sender;
//! when the last clone is gone, the owner's `recv` fails, its loop ends, and it hands
//! back the final balance. So the owner finishing proves every connection task has
//! finished too: nobody needs a list of tasks to wait for.

use std::io;
use std::net::SocketAddr;

use gochan::{bounded, Receiver, Sender};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What a connection asks the owner, with the channel the answer comes back on.
enum Request {
    /// `Ok(new balance)`, or `Err(balance)` if the deposit would overflow.
    Deposit(u64, Sender<Result<u64, u64>>),
    /// `Ok(new balance)`, or `Err(balance)` if the funds do not cover it.
    Withdraw(u64, Sender<Result<u64, u64>>),
    Balance(Sender<u64>),
}

/// What the server hands back once every task has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// The balance when the owner stopped.
    pub balance: u64,
    /// Connections accepted.
    pub connections: usize,
    /// Requests the owner served (deposits, withdrawals and balance queries).
    pub requests: usize,
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    /// Never sent on: closing it is the shutdown broadcast. Dropping the `Server`
    /// closes it too, so a forgotten server still stops.
    shutdown: Sender<()>,
    serving: JoinHandle<Report>,
}

impl Server {
    /// Binds `addr` (`127.0.0.1:0` picks a free port) and starts serving an account
    /// that opens with `opening`.
    pub async fn start(addr: &str, opening: u64) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, shutdown_rx) = bounded(0);
        let serving = tokio::spawn(serve(listener, opening, shutdown_rx));
        Ok(Server {
            addr,
            shutdown,
            serving,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the shutdown channel and waits until the accept loop, every connection
    /// task and the owner have ended.
    pub async fn shutdown(self) -> Report {
        self.shutdown.close();
        self.serving.await.expect("the server task panicked")
    }
}

async fn serve(listener: TcpListener, opening: u64, shutdown: Receiver<()>) -> Report {
    // Unbuffered: a connection's request is handed straight to the owner, and the
    // owner's queue of waiting senders is the only queue there is.
    let (requests, requests_rx) = bounded(0);
    let owner = tokio::spawn(own_account(opening, requests_rx));
    let mut connections = 0;
    loop {
        gochan::select! {
            // Nobody ever sends on it, so this fires only once it is closed.
            recv(&shutdown) -> _ => break,
            // `accept` is cancel safe: losing the select accepts nothing.
            future(listener.accept()) -> accepted => match accepted {
                Ok((stream, _peer)) => {
                    connections += 1;
                    tokio::spawn(connection(stream, requests.clone(), shutdown.clone()));
                }
                // A failed accept (the peer gave up, or out of file descriptors) ends
                // that one connection, not the server.
                Err(err) => eprintln!("accept failed: {err}"),
            },
        }
    }
    drop(listener);
    // Ours was one of the owner's senders; the connections hold the others.
    drop(requests);
    let (balance, requests) = owner.await.expect("the owner task panicked");
    Report {
        balance,
        connections,
        requests,
    }
}

/// The only code that touches the balance. It serves until every sender is gone.
async fn own_account(mut balance: u64, requests: Receiver<Request>) -> (u64, usize) {
    let mut served = 0;
    while let Ok(request) = requests.recv().await {
        served += 1;
        // Every reply channel has one free slot, so these never wait on a slow
        // connection; one whose client already left has dropped its end, and the
        // failed send is of no interest.
        match request {
            Request::Deposit(amount, reply) => {
                let outcome = match balance.checked_add(amount) {
                    Some(new) => {
                        balance = new;
                        Ok(balance)
                    }
                    None => Err(balance),
                };
                let _ = reply.try_send(outcome);
            }
            Request::Withdraw(amount, reply) => {
                let outcome = match balance.checked_sub(amount) {
                    Some(new) => {
                        balance = new;
                        Ok(balance)
                    }
                    None => Err(balance),
                };
                let _ = reply.try_send(outcome);
            }
            Request::Balance(reply) => {
                let _ = reply.try_send(balance);
            }
        }
    }
    (balance, served)
}

/// Sends the owner a request built around a fresh reply channel, and waits for the
/// answer. `None` only if the owner is gone, which cannot happen while we hold a sender.
async fn ask<T>(
    requests: &Sender<Request>,
    request: impl FnOnce(Sender<T>) -> Request,
) -> Option<T> {
    let (reply, answer) = bounded(1);
    requests.send(request(reply)).await.ok()?;
    answer.recv().await.ok()
}

/// One client, one task.
async fn connection(stream: TcpStream, requests: Sender<Request>, shutdown: Receiver<()>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    loop {
        let line = gochan::select! {
            recv(&shutdown) -> _ => {
                // The client may be gone already; we are leaving either way.
                let _ = write.write_all(b"BYE server shutting down\n").await;
                return;
            }
            // `next_line` is cancel safe: a line half read stays buffered.
            future(lines.next_line()) -> line => line,
        };
        let line = match line {
            Ok(Some(line)) => line,
            // The client hung up, or the socket failed: nothing more to answer.
            Ok(None) | Err(_) => return,
        };
        let (reply, quit) = answer(&line, &requests).await;
        if write.write_all(reply.as_bytes()).await.is_err() || quit {
            return;
        }
    }
}

/// The reply line to one request, and whether the client asked to leave.
async fn answer(line: &str, requests: &Sender<Request>) -> (String, bool) {
    let mut words = line.split_whitespace();
    let (command, amount) = (words.next(), words.next());
    if words.next().is_some() {
        return ("ERR too many words\n".to_string(), false);
    }
    let amount = amount.map(str::parse::<u64>);
    let reply =
        match (command, amount) {
            (Some("DEPOSIT"), Some(Ok(n))) => {
                ask(requests, |r| Request::Deposit(n, r))
                    .await
                    .map(|outcome| match outcome {
                        Ok(balance) => format!("OK {balance}"),
                        Err(_) => "ERR the balance would overflow".to_string(),
                    })
            }
            (Some("WITHDRAW"), Some(Ok(n))) => ask(requests, |r| Request::Withdraw(n, r))
                .await
                .map(|outcome| match outcome {
                    Ok(balance) => format!("OK {balance}"),
                    Err(balance) => format!("ERR insufficient funds: balance {balance}"),
                }),
            (Some("DEPOSIT" | "WITHDRAW"), _) => Some("ERR expected a whole amount".to_string()),
            (Some("BALANCE"), None) => ask(requests, Request::Balance)
                .await
                .map(|balance| format!("BALANCE {balance}")),
            (Some("QUIT"), None) => return ("BYE\n".to_string(), true),
            _ => Some("ERR unknown command".to_string()),
        };
    match reply {
        Some(reply) => (reply + "\n", false),
        None => ("ERR the account is closed\n".to_string(), true),
    }
}

/// A client of the server: one request line out, one reply line back.
pub struct Client {
    lines: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
}

impl Client {
    /// Connects to a server.
    pub async fn connect(addr: SocketAddr) -> io::Result<Client> {
        let (read, write) = TcpStream::connect(addr).await?.into_split();
        Ok(Client {
            lines: BufReader::new(read).lines(),
            write,
        })
    }

    /// Sends `request` as one line and returns the reply line; `None` if the server
    /// hung up instead.
    pub async fn request(&mut self, request: &str) -> io::Result<Option<String>> {
        self.write
            .write_all(format!("{request}\n").as_bytes())
            .await?;
        self.next_line().await
    }

    /// The next line from the server, without sending anything; `None` at the end.
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        self.lines.next_line().await
    }
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let server = Server::start("127.0.0.1:0", 100)
            .await
            .expect("bind a loopback port");
        let addr = server.local_addr();
        println!("listening on {addr}; three clients deposit 1..=10 each at once");

        let clients: Vec<_> = (0..3)
            .map(|_| {
                tokio::spawn(async move {
                    let mut client = Client::connect(addr).await.expect("connect");
                    for amount in 1..=10 {
                        let reply = client.request(&format!("DEPOSIT {amount}")).await;
                        let reply = reply.expect("the connection stays up");
                        assert!(reply.is_some_and(|r| r.starts_with("OK ")));
                    }
                    client
                })
            })
            .collect();
        let mut connected = Vec::new();
        for client in clients {
            connected.push(client.await.expect("a client task panicked"));
        }

        let mut first = connected.remove(0);
        let balance = first.request("BALANCE").await.expect("reply");
        println!("  BALANCE        -> {}", balance.as_deref().unwrap_or("?"));
        assert_eq!(balance.as_deref(), Some("BALANCE 265")); // 100 + 3 * 55
        let refused = first.request("WITHDRAW 1000").await.expect("reply");
        println!("  WITHDRAW 1000  -> {}", refused.as_deref().unwrap_or("?"));
        let quit = first.request("QUIT").await.expect("reply");
        println!("  QUIT           -> {}", quit.as_deref().unwrap_or("?"));
        assert_eq!(quit.as_deref(), Some("BYE"));

        println!("closing the shutdown channel with two clients still connected");
        let report = server.shutdown().await;
        for mut client in connected {
            let farewell = client.next_line().await.expect("read");
            assert_eq!(farewell.as_deref(), Some("BYE server shutting down"));
            assert_eq!(client.next_line().await.expect("read"), None);
        }
        println!(
            "every task ended: {} connections, {} requests served, final balance {}",
            report.connections, report.requests, report.balance
        );
        assert_eq!(
            report,
            Report {
                balance: 265,
                connections: 3,
                requests: 32,
            }
        );
    });
}
