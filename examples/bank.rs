// Ports the bank account programs of article 001 ("share memory by communicating"):
// `SimpleAccount` used by two cards at once, `LockingAccount` and `ConcurrentAccount`.
// Runtime: tokio, multi-threaded.

//! Share memory by communicating: one bank account, two cards.
//!
//! Two card holders use the same account at the same time. Every transaction reads the
//! balance, waits a little (the bank is slow), then writes the new balance back. Done
//! naively, one card's write overwrites the other's and money appears or vanishes. Go
//! offers two cures, and this example runs both beside the broken version:
//!
//! * share memory, and guard it: a mutex held for the whole transaction;
//! * communicate instead: one task owns the balance and nobody else can reach it. Cards
//!   send deposits and withdrawals on channels and ask for the balance by sending a
//!   reply channel along (Go's `chan chan int`); the owner serves one request at a time
//!   from a `select!` loop, so its transactions can never interleave.
//!
//! Both cures end on the balance that plain arithmetic predicts.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gochan::{bounded, Receiver, Sender};

const OPENING_BALANCE: i64 = 80;

#[derive(Clone, Copy)]
enum Op {
    Deposit(i64),
    Withdraw(i64),
}

impl Op {
    fn delta(self) -> i64 {
        match self {
            Op::Deposit(amount) => amount,
            Op::Withdraw(amount) => -amount,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+}", self.delta())
    }
}

/// What each card does, in order. The balance stays positive in every interleaving, so
/// no withdrawal is ever refused and the right end balance is a plain sum.
const CARDS: [(&str, [Op; 3]); 2] = [
    ("Ma", [Op::Withdraw(30), Op::Deposit(20), Op::Withdraw(15)]),
    ("Yao", [Op::Withdraw(10), Op::Deposit(5), Op::Withdraw(20)]),
];

/// The slow middle of every transaction (the article's `add_some_latency`): a few
/// milliseconds that differ from one amount to the next, so the cards interleave.
async fn bank_latency(amount: i64) {
    let millis = 1 + amount.unsigned_abs() * 7 % 9;
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

/// What a card can do with an account (the article's `Account` interface).
trait Account: Clone + Send + Sync + 'static {
    fn apply(&self, op: Op) -> impl Future<Output = ()> + Send;
    fn balance(&self) -> impl Future<Output = i64> + Send;
}

/// Every single read and write is atomic, yet a transaction is not: between reading
/// the balance and writing it back, the other card may have written its own.
#[derive(Clone)]
struct RacyAccount {
    balance: Arc<AtomicI64>,
}

impl Account for RacyAccount {
    async fn apply(&self, op: Op) {
        let seen = self.balance.load(Ordering::SeqCst);
        bank_latency(op.delta()).await;
        self.balance.store(seen + op.delta(), Ordering::SeqCst);
    }

    async fn balance(&self) -> i64 {
        self.balance.load(Ordering::SeqCst)
    }
}

/// Shares the balance and guards it: the lock is held across the slow part, so a
/// transaction reads and writes with nobody in between.
#[derive(Clone)]
struct LockingAccount {
    balance: Arc<tokio::sync::Mutex<i64>>,
}

impl Account for LockingAccount {
    async fn apply(&self, op: Op) {
        let mut balance = self.balance.lock().await;
        let seen = *balance;
        bank_latency(op.delta()).await;
        *balance = seen + op.delta();
    }

    async fn balance(&self) -> i64 {
        *self.balance.lock().await
    }
}

/// Holds no balance at all, only the ways to talk to the task that does.
#[derive(Clone)]
struct ConcurrentAccount {
    deposits: Sender<i64>,
    withdrawals: Sender<i64>,
    balances: Sender<Sender<i64>>,
}

/// What the owner task hands back when the last card has hung up.
struct Statement {
    balance: i64,
    requests_served: usize,
}

impl ConcurrentAccount {
    /// Opens the account and starts its owner. The returned handle yields the owner's
    /// final statement once every copy of the account has been dropped.
    fn open(balance: i64) -> (Self, tokio::task::JoinHandle<Statement>) {
        // Unbuffered, as in Go: a deposit returns once the owner has taken it in.
        let (deposits, deposits_rx) = bounded(0);
        let (withdrawals, withdrawals_rx) = bounded(0);
        let (balances, balances_rx) = bounded(0);
        let owner = tokio::spawn(own_balance(
            balance,
            deposits_rx,
            withdrawals_rx,
            balances_rx,
        ));
        let account = ConcurrentAccount {
            deposits,
            withdrawals,
            balances,
        };
        (account, owner)
    }
}

impl Account for ConcurrentAccount {
    async fn apply(&self, op: Op) {
        let sent = match op {
            Op::Deposit(amount) => self.deposits.send(amount).await,
            Op::Withdraw(amount) => self.withdrawals.send(amount).await,
        };
        // The owner only stops once every handle is gone, and we are one of them.
        sent.expect("the owner outlives every handle to the account");
    }

    async fn balance(&self) -> i64 {
        // Go's `ch := make(chan int); acc.balances <- ch; return <-ch`. One slot, so the
        // owner drops the answer in and moves on without waiting for us to pick it up.
        let (reply, answer) = bounded(1);
        self.balances
            .send(reply)
            .await
            .expect("the owner outlives every handle to the account");
        answer.recv().await.expect("the owner answers every query")
    }
}

/// The only code that ever touches the balance. One request at a time: whichever
/// channel is ready, its transaction runs to the end before the next select.
async fn own_balance(
    mut balance: i64,
    deposits: Receiver<i64>,
    withdrawals: Receiver<i64>,
    balances: Receiver<Sender<i64>>,
) -> Statement {
    let mut requests_served = 0;
    loop {
        gochan::select! {
            recv(&deposits) -> amount => match amount {
                Ok(amount) => {
                    bank_latency(amount).await;
                    balance += amount;
                }
                // Closed: every handle to the account is gone, nobody can ask again.
                Err(_) => break,
            },
            recv(&withdrawals) -> amount => match amount {
                Ok(amount) => {
                    bank_latency(amount).await;
                    balance -= amount;
                }
                Err(_) => break,
            },
            recv(&balances) -> reply => match reply {
                // A caller that gave up has dropped its end; that is its own business.
                Ok(reply) => { let _ = reply.send(balance).await; }
                Err(_) => break,
            },
        }
        requests_served += 1;
    }
    Statement {
        balance,
        requests_served,
    }
}

/// Lets both cards loose on the account at once and returns the balance afterwards.
async fn run_cards<A: Account>(account: A) -> i64 {
    let cards: Vec<_> = CARDS
        .iter()
        .map(|&(_, ops)| {
            let account = account.clone();
            tokio::spawn(async move {
                for op in ops {
                    account.apply(op).await;
                }
            })
        })
        .collect();
    for card in cards {
        card.await.expect("a card holder's task panicked");
    }
    account.balance().await
}

pub fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("failed to build the tokio runtime");

    runtime.block_on(async {
        let all_ops = CARDS.iter().flat_map(|(_, ops)| ops);
        let expected = OPENING_BALANCE + all_ops.map(|op| op.delta()).sum::<i64>();
        println!("opening balance {OPENING_BALANCE}; both cards at once:");
        for (name, ops) in CARDS {
            let ops: Vec<String> = ops.iter().map(Op::to_string).collect();
            println!("  {name:>3}: {}", ops.join(" "));
        }
        println!("expected final balance {expected}");

        let racy = run_cards(RacyAccount {
            balance: Arc::new(AtomicI64::new(OPENING_BALANCE)),
        })
        .await;
        let verdict = if racy == expected {
            "right this time, by luck of timing"
        } else {
            "wrong: a card wrote over the other's update"
        };
        println!("  atomic reads and writes, no lock : {racy:>3}  ({verdict})");

        let locking = run_cards(LockingAccount {
            balance: Arc::new(tokio::sync::Mutex::new(OPENING_BALANCE)),
        })
        .await;
        println!("  mutex held for each transaction  : {locking:>3}");

        let (account, owner) = ConcurrentAccount::open(OPENING_BALANCE);
        // `run_cards` drops the last handle when it returns: that closes the request
        // channels, and the owner's loop ends on its own.
        let concurrent = run_cards(account).await;
        let statement = owner.await.expect("the owner task panicked");
        println!(
            "  one task owns the balance        : {concurrent:>3}  (owner served {} requests, then closed the books at {})",
            statement.requests_served, statement.balance
        );

        assert_eq!(locking, expected);
        assert_eq!(concurrent, expected);
        assert_eq!(statement.balance, expected);
        // Six transactions and the one balance query.
        assert_eq!(statement.requests_served, 7);
    });
}
