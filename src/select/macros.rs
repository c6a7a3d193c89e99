//! `select!` only parses; [`SelectTuple`](super::SelectTuple) does the work.
//!
//! The macro binds the cases in a tuple in the caller's frame, lends it to the engine,
//! gets back the chosen index, and runs that case's body in the caller's context:
//! `return`, `break`, `continue` and `?` act on the enclosing function or loop.

/// Waits on several channel operations and runs the body of the one that completes:
/// Go's `select` statement.
///
/// ```text
/// gochan::select! {
///     recv(rx) -> msg => body,           // msg: Result<T, RecvError>
///     send(tx, value) -> res => body,    // res: Result<(), SendError<T>>
///     future(fut) -> out => body,        // any Future, e.g. a timer
///     default => body,                   // optional: makes the select non-blocking
/// }
/// ```
///
/// - Ready cases are chosen uniformly at random, fresh on every select: none starves.
/// - Exactly one case takes effect. Send values of the cases not chosen are dropped.
/// - `rx` and `tx` are references (`&rx`) or `Option`s of them; `None` is Go's nil
///   channel, a case that never fires. With no case that can fire and no `default`, the select
///   waits forever (Go's `select {}`).
/// - A closed channel makes its cases ready: `recv` with `Err(RecvError)` once
///   drained, `send` with `Err(SendError(value))`.
/// - Bodies run in the caller's context, so `return`, `break`, `continue` and `?` work
///   as in a Go `select`; the `select!` evaluates to the chosen body's value.
/// - Up to 32 cases; [`Select`](crate::Select) takes any number, chosen at run time.
/// - Cancel safe: dropped at any await point, the select has sent and received
///   nothing, except a send case a receiver already took (that value was delivered).
///
/// A receive with a timeout:
///
/// ```
/// # futures::executor::block_on(async {
/// use std::time::Duration;
/// let (tx, rx) = gochan::bounded::<&str>(0);
/// let timer = futures::future::ready(()); // stands in for tokio::time::sleep(..)
/// let got = gochan::select! {
///     recv(&rx) -> msg => msg.unwrap_or("closed"),
///     future(timer) -> _ => "timed out",
/// };
/// assert_eq!(got, "timed out");
/// # drop(tx);
/// # });
/// ```
///
/// A loop that sends and receives until its input closes, with a nil channel to switch
/// a case off:
///
/// ```
/// # futures::executor::block_on(async {
/// let (in_tx, in_rx) = gochan::unbounded();
/// let (out_tx, out_rx) = gochan::unbounded();
/// in_tx.try_send(1).unwrap();
/// in_tx.try_send(2).unwrap();
/// drop(in_tx);
///
/// let mut pending: Option<i32> = None;
/// loop {
///     // The send case is nil until there is something to send.
///     let out = pending.map(|_| &out_tx);
///     gochan::select! {
///         recv(&in_rx) -> msg => match msg {
///             Ok(v) if pending.is_none() => pending = Some(v * 10),
///             Ok(v) => { out_tx.send(v * 10).await.unwrap(); }
///             Err(_) if pending.is_none() => break,
///             Err(_) => {}
///         },
///         send(out, pending.unwrap_or(0)) -> res => {
///             res.unwrap();
///             pending = None;
///         }
///     }
/// }
/// drop(out_tx);
/// let mut got: Vec<i32> = Vec::new();
/// while let Ok(v) = out_rx.recv().await {
///     got.push(v);
/// }
/// got.sort();
/// assert_eq!(got, [10, 20]);
/// # });
/// ```
#[macro_export]
macro_rules! select {
    ($($cases:tt)*) => {
        $crate::__select_parse! {
            @cases []
            @default []
            @names [_0 _1 _2 _3 _4 _5 _6 _7 _8 _9 _10 _11 _12 _13 _14 _15
                    _16 _17 _18 _19 _20 _21 _22 _23 _24 _25 _26 _27 _28 _29 _30 _31]
            @indices [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
                      16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31]
            @rest $($cases)*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_parse {
    // All cases parsed: emit.
    (@cases [$($case:tt)*] @default [$($default:tt)*] @names [$($_n:tt)*] @indices [$($_i:tt)*]
     @rest) => {
        $crate::__select_emit!([$($case)*] [$($default)*])
    };

    // `default => body`
    (@cases $cases:tt @default [] @names $names:tt @indices $indices:tt
     @rest default => $body:block, $($rest:tt)*) => {
        $crate::__select_parse! {
            @cases $cases @default [$body] @names $names @indices $indices @rest $($rest)*
        }
    };
    (@cases $cases:tt @default [] @names $names:tt @indices $indices:tt
     @rest default => $body:block $($rest:tt)*) => {
        $crate::__select_parse! {
            @cases $cases @default [$body] @names $names @indices $indices @rest $($rest)*
        }
    };
    (@cases $cases:tt @default [] @names $names:tt @indices $indices:tt
     @rest default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse! {
            @cases $cases @default [$body] @names $names @indices $indices @rest $($($rest)*)?
        }
    };
    (@cases $cases:tt @default [$($_d:tt)+] @names $names:tt @indices $indices:tt
     @rest default $($rest:tt)*) => {
        ::core::compile_error!("gochan::select!: more than one `default` case")
    };

    // `kind(args) -> pattern => body`, the body a block (comma optional) or an
    // expression (comma required unless last).
    (@cases [$($case:tt)*] @default $default:tt
     @names [$name:ident $($names:ident)*] @indices [$index:tt $($indices:tt)*]
     @rest $kind:ident ($($args:tt)*) -> $out:pat => $body:block, $($rest:tt)*) => {
        $crate::__select_parse! {
            @cases [$($case)* [$name $index $kind ($($args)*) $out => $body]]
            @default $default @names [$($names)*] @indices [$($indices)*]
            @rest $($rest)*
        }
    };
    (@cases [$($case:tt)*] @default $default:tt
     @names [$name:ident $($names:ident)*] @indices [$index:tt $($indices:tt)*]
     @rest $kind:ident ($($args:tt)*) -> $out:pat => $body:block $($rest:tt)*) => {
        $crate::__select_parse! {
            @cases [$($case)* [$name $index $kind ($($args)*) $out => $body]]
            @default $default @names [$($names)*] @indices [$($indices)*]
            @rest $($rest)*
        }
    };
    (@cases [$($case:tt)*] @default $default:tt
     @names [$name:ident $($names:ident)*] @indices [$index:tt $($indices:tt)*]
     @rest $kind:ident ($($args:tt)*) -> $out:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__select_parse! {
            @cases [$($case)* [$name $index $kind ($($args)*) $out => $body]]
            @default $default @names [$($names)*] @indices [$($indices)*]
            @rest $($($rest)*)?
        }
    };

    (@cases $cases:tt @default $default:tt @names [] @indices []
     @rest $($rest:tt)+) => {
        ::core::compile_error!("gochan::select! takes at most 32 cases; use gochan::Select for more")
    };

    // Anything else is a malformed case: report it at its first token.
    (@cases $cases:tt @default $default:tt @names $names:tt @indices $indices:tt
     @rest $first:tt $($rest:tt)*) => {
        $crate::__select_invalid_case!($first)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_invalid_case {
    (@never) => {};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_emit {
    ([$([$name:ident $index:tt $kind:ident ($($args:tt)*) $out:pat => $body:expr])*]
     [$($default:expr)?]) => {{
        $( $crate::__select_case!($name $kind ($($args)*)); )*
        let mut __gochan_cases = ($($name,)*);
        let __gochan_chosen = $crate::__private::select_tuple(
            &mut __gochan_cases,
            $crate::__select_emit!(@has_default $($default)?),
        ).await;
        match __gochan_chosen {
            $(
                ::core::option::Option::Some($index) => {
                    let $out = $crate::__private::take_output(&mut __gochan_cases.$index);
                    $body
                }
            )*
            _ => $crate::__select_emit!(@default_body $($default)?),
        }
    }};
    (@has_default) => { false };
    (@has_default $default:expr) => { true };
    (@default_body) => { ::core::unreachable!("gochan::select! finished without a case") };
    (@default_body $default:expr) => { $default };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __select_case {
    ($name:ident recv ($rx:expr $(,)?)) => {
        let $name = $crate::__private::RecvCase::new($rx);
    };
    ($name:ident send ($tx:expr, $value:expr $(,)?)) => {
        let $name = $crate::__private::SendCase::new($tx, $value);
    };
    ($name:ident future ($fut:expr $(,)?)) => {
        let $name = ::core::pin::pin!($fut);
        let $name = $crate::__private::FutureCase::new($name);
    };
}
