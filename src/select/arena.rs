//! Where a dynamic [`Select`](super::Select) keeps its cases: side by side in one block
//! of memory, not one `Box` each.
//!
//! A `Select` is usually built, awaited and dropped once per message in a loop, so a
//! box per case (and a growing `Vec` of boxes) was most of what it cost beyond
//! `select!`. Here the cases of one select share a chunk, and each thread keeps the
//! chunk and the list of cases of its last select (its [`Store`]) for the next one: a
//! loop of selects allocates nothing once it has run once.
//!
//! A case sits in the chunk behind a header block that holds the pointer to it as a
//! trait object; the list keeps only thin pointers to those headers, so its type does
//! not depend on the cases' types and the thread can keep it.
//!
//! This is one of the crate's three homes for `unsafe` (the others are the spin lock
//! in `src/lock.rs` and the buffer ring in `src/ring.rs`). The invariants every block
//! relies on:
//!
//! - **Chunks never move.** A chunk is a boxed slice that is never resized; moving the
//!   arena or its store moves a `Box`, not the memory, so a pointer into a chunk stays
//!   valid until the chunk is freed, and the arena gives up its chunks (freeing them,
//!   or handing its store back to the thread) only in `Drop`, after dropping every
//!   case in them and clearing the list of headers.
//! - **Every entry of `cases` is a live header:** it points at a block written by
//!   [`CaseArena::place`] holding a `CasePtr<'a, R>` to the case right after it, which
//!   is live, aligned, in bounds, pointed at by nothing else, and dropped exactly once,
//!   by `Drop` (which skips them all when none has drop glue: forgetting a value
//!   without glue is dropping it).

#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop, MaybeUninit};
use std::ptr::NonNull;

use super::DynCase;

/// The unit chunks are measured in; its alignment is the most a case may ask for
/// (a case that needs more is boxed, and its box stored instead).
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Block([u8; 16]);

const BLOCK: usize = mem::size_of::<Block>();

/// Blocks in a chunk unless one case needs more: 512 bytes, room for about ten
/// channel cases with small closures and their headers.
const CHUNK_BLOCKS: usize = 32;

type Chunk = Box<[MaybeUninit<Block>]>;

/// A chunk while an arena uses it, held by raw pointer: every pointer into it derives
/// from this one, so no later reborrow of a `Box` can invalidate them.
struct RawChunk(NonNull<[MaybeUninit<Block>]>);

impl RawChunk {
    fn new(chunk: Chunk) -> Self {
        RawChunk(NonNull::from(Box::leak(chunk)))
    }

    #[inline]
    fn blocks(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn block(&self, i: usize) -> NonNull<Block> {
        assert!(i < self.blocks());
        // SAFETY: `i` is in bounds of the chunk, which is live while `self` is.
        let block = unsafe { self.0.as_ptr().cast::<Block>().add(i) };
        NonNull::new(block).expect("a block of a live chunk is not null")
    }
}

impl Drop for RawChunk {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `new` and is given back once:
        // `Drop` runs at most once.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// A case as a trait object: what a header block holds.
type CasePtr<'a, R> = NonNull<dyn DynCase<R> + 'a>;

/// The cases of one select.
pub(super) struct CaseArena<'a, R> {
    /// Given back to the thread in `Drop`.
    store: ManuallyDrop<Box<Store>>,
    /// The arena owns its cases, as a `Vec<Box<dyn DynCase<R> + 'a>>` would (for the
    /// drop checker and for `Send`/`Sync`: like boxed closures, it is neither).
    _owns: PhantomData<Box<dyn DynCase<R> + 'a>>,
}

/// Everything an arena holds but the cases' types. Boxed, so that a `Select`, which
/// its builder calls take and return by value, stays small to move (it was 128 bytes,
/// copied twice per case added); and kept by the thread for its next select.
struct Store {
    /// The header of every case, in the order added; each points into `chunk` or
    /// `full`.
    cases: Vec<NonNull<Block>>,
    /// The chunk new cases go into, and how many of its blocks are taken.
    chunk: Option<RawChunk>,
    used: usize,
    /// Earlier chunks, once a select outgrew its first.
    full: Vec<RawChunk>,
    /// Whether any case has drop glue; if none has, `Drop` need not visit them.
    drop_cases: bool,
}

impl Store {
    fn new() -> Self {
        Store {
            cases: Vec::new(),
            chunk: None,
            used: 0,
            full: Vec::new(),
            drop_cases: false,
        }
    }

    #[inline]
    fn room(&self) -> usize {
        self.chunk.as_ref().map_or(0, |c| c.blocks() - self.used)
    }

    /// Starts a new chunk with room for at least `blocks` blocks.
    #[cold]
    fn grow(&mut self, blocks: usize) {
        if let Some(old) = self.chunk.take() {
            self.full.push(old);
        }
        self.chunk = Some(RawChunk::new(fresh(blocks.max(CHUNK_BLOCKS))));
        self.used = 0;
    }
}

impl<'a, R> CaseArena<'a, R> {
    pub(super) fn new() -> Self {
        CaseArena {
            store: ManuallyDrop::new(spare::take().unwrap_or_else(|| Box::new(Store::new()))),
            _owns: PhantomData,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.store.cases.len()
    }

    #[inline]
    pub(super) fn push<D: DynCase<R> + 'a>(&mut self, case: D) {
        if mem::align_of::<D>() > BLOCK {
            self.place(Box::new(case));
        } else {
            self.place(case);
        }
    }

    /// Writes a header and `case`, which needs at most a block's alignment, after the
    /// last case.
    fn place<D: DynCase<R> + 'a>(&mut self, case: D) {
        assert!(mem::align_of::<D>() <= BLOCK);
        let blocks = 1 + mem::size_of::<D>().div_ceil(BLOCK);
        let store = &mut *self.store;
        if store.room() < blocks {
            store.grow(blocks);
        }
        let chunk = store
            .chunk
            .as_ref()
            .expect("a chunk with room was just ensured");
        let header = chunk.block(store.used);
        // SAFETY: `blocks` blocks are free from `header` on (`room`), so this stays in
        // bounds, or one past the end for a zero-sized case.
        let slot = unsafe { header.as_ptr().add(1) }.cast::<D>();
        let ptr: CasePtr<'a, R> = NonNull::new(slot).expect("in a live chunk");
        debug_assert!(mem::size_of::<CasePtr<'a, R>>() <= BLOCK);
        // SAFETY: `blocks` blocks are free from `header` on (`room`), so the header
        // (a pointer of at most 16 bytes, 8-aligned) and then `size_of::<D>()` bytes
        // fit; `D` needs at most the chunk's 16-byte alignment; nothing else points at
        // these blocks, which no other case will be given (`used` moves past them).
        // Chunks never move, so both pointers stay valid.
        unsafe {
            slot.write(case);
            header.cast::<CasePtr<'a, R>>().as_ptr().write(ptr);
        }
        store.used += blocks;
        store.drop_cases |= mem::needs_drop::<D>();
        store.cases.push(header);
    }

    #[inline]
    fn case_ptr(&self, i: usize) -> CasePtr<'a, R> {
        // SAFETY: every entry of `cases` is a live header holding a `CasePtr<'a, R>`
        // (module invariant).
        unsafe { self.store.cases[i].cast::<CasePtr<'a, R>>().as_ptr().read() }
    }

    #[inline]
    pub(super) fn get(&mut self, i: usize) -> &mut (dyn DynCase<R> + 'a) {
        let mut case = self.case_ptr(i);
        // SAFETY: the case is live and nothing else points at it (module invariant),
        // and `&mut self` makes this the only reference into the arena until it ends.
        unsafe { case.as_mut() }
    }
}

impl<R> Drop for CaseArena<'_, R> {
    fn drop(&mut self) {
        // Cases without drop glue (a receive of a plain value with a closure capturing
        // nothing that needs dropping) need not be visited one by one.
        if self.store.drop_cases {
            for i in 0..self.store.cases.len() {
                let case = self.case_ptr(i);
                // SAFETY: the case is live (module invariant) and dropped only here,
                // once per entry; its chunk is given up below, after.
                unsafe { case.as_ptr().drop_in_place() };
            }
        }
        // Nothing in the store points at a live case from here on: it goes back to the
        // thread with its first chunk's bytes, for the next select.
        let store = &mut *self.store;
        store.cases.clear();
        store.full.clear();
        store.used = 0;
        store.drop_cases = false;
        if store
            .chunk
            .as_ref()
            .is_some_and(|c| c.blocks() != CHUNK_BLOCKS)
        {
            store.chunk = None;
        }
        // SAFETY: this is the arena's `Drop`, and `self.store` is not used after it.
        spare::put(unsafe { ManuallyDrop::take(&mut self.store) });
    }
}

/// A chunk of `blocks` blocks, uninitialised.
fn fresh(blocks: usize) -> Chunk {
    vec![MaybeUninit::uninit(); blocks].into_boxed_slice()
}

/// One spare store per thread, so a loop of selects reuses its chunk and its list. It
/// holds no case when it is put back: only bytes, whatever the types of the next select.
#[cfg(not(loom))]
mod spare {
    use std::cell::Cell;

    use super::Store;

    thread_local! {
        static SPARE: Cell<Option<Box<Store>>> = const { Cell::new(None) };
    }

    pub(super) fn take() -> Option<Box<Store>> {
        SPARE.try_with(Cell::take).ok().flatten()
    }

    pub(super) fn put(store: Box<Store>) {
        // During thread teardown there is nowhere to keep it: just free it.
        let _ = SPARE.try_with(|spare| spare.set(Some(store)));
    }
}

/// Under loom nothing is shared through a thread-local.
#[cfg(loom)]
mod spare {
    use super::Store;

    pub(super) fn take() -> Option<Box<Store>> {
        None
    }

    pub(super) fn put(store: Box<Store>) {
        drop(store);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::CaseArena;
    use crate::select::{Case, DynCase};

    /// A case that counts its drops and can be as large and as aligned as a test asks.
    struct Probe<const N: usize> {
        id: usize,
        drops: Rc<Cell<usize>>,
        _pad: [u8; N],
    }

    #[repr(align(64))]
    struct Aligned(Probe<8>);

    impl<const N: usize> DynCase<usize> for Probe<N> {
        fn case(&mut self) -> &mut dyn Case {
            unreachable!("not driven in these tests")
        }
        fn finish(&mut self) -> Option<usize> {
            Some(self.id)
        }
    }

    impl<const N: usize> Drop for Probe<N> {
        fn drop(&mut self) {
            self.drops.set(self.drops.get() + 1);
        }
    }

    impl DynCase<usize> for Aligned {
        fn case(&mut self) -> &mut dyn Case {
            unreachable!("not driven in these tests")
        }
        fn finish(&mut self) -> Option<usize> {
            assert_eq!(self as *const Self as usize % 64, 0, "misaligned case");
            self.0.finish()
        }
    }

    fn probe<const N: usize>(id: usize, drops: &Rc<Cell<usize>>) -> Probe<N> {
        Probe {
            id,
            drops: drops.clone(),
            _pad: [0; N],
        }
    }

    #[test]
    fn every_case_is_found_and_dropped_once_whatever_its_size() {
        let drops = Rc::new(Cell::new(0));
        let mut arena = CaseArena::new();
        // Small cases, cases larger than a chunk, over-aligned ones, and enough of
        // them to fill several chunks.
        for id in 0..100 {
            match id % 4 {
                0 => arena.push(probe::<0>(id, &drops)),
                1 => arena.push(probe::<40>(id, &drops)),
                2 => arena.push(probe::<1000>(id, &drops)),
                _ => arena.push(Aligned(probe::<8>(id, &drops))),
            }
        }
        assert_eq!(arena.len(), 100);
        for id in (0..100).rev() {
            assert_eq!(arena.get(id).finish(), Some(id));
        }
        assert_eq!(drops.get(), 0);
        drop(arena);
        assert_eq!(drops.get(), 100);

        // The thread's spare chunk serves the next arena, with nothing left in it.
        let mut again = CaseArena::new();
        again.push(probe::<0>(7, &drops));
        assert_eq!(again.get(0).finish(), Some(7));
        drop(again);
        assert_eq!(drops.get(), 101);
    }
}
