//! A counting global allocator: heap high-water mark and allocation count of the
//! work done on one thread, to say where memory goes and what a case allocates.
//!
//! Counting is off unless a [`measure`] call is running on the current thread, so
//! the throughput rows pay one thread-local read per allocation and nothing else.
//! Only the measuring thread is counted: on a current-thread runtime that is the
//! whole client (runner, hyper's connection task, reqwest), and not the server's
//! thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, counting on threads inside [`measure`].
pub struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static NET: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
    static TOTAL: Cell<u64> = const { Cell::new(0) };
}

/// What the heap did during a [`measure`] call.
#[derive(Clone, Copy, Debug)]
pub struct HeapStats {
    /// Highest live heap above the level at the start, in bytes.
    pub peak: isize,
    /// Live heap at the end minus at the start, in bytes (what the work kept).
    pub retained: isize,
    /// Allocations (and reallocations) made.
    pub allocations: u64,
    /// Bytes requested by those allocations (for a reallocation, its growth).
    pub allocated: u64,
}

/// Adds `delta` to the live heap; `requested` bytes of one (re)allocation, if it is one.
fn record(delta: isize, requested: Option<usize>) {
    // `try_with` because the allocator also runs while thread-locals are torn down.
    let _ = ACTIVE.try_with(|active| {
        if !active.get() {
            return;
        }
        let net = NET.get() + delta;
        NET.set(net);
        if net > PEAK.get() {
            PEAK.set(net);
        }
        if let Some(bytes) = requested {
            COUNT.set(COUNT.get() + 1);
            TOTAL.set(TOTAL.get() + bytes as u64);
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches
// only const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            record(layout.size() as isize, Some(layout.size()));
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            record(layout.size() as isize, Some(layout.size()));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        record(-(layout.size() as isize), None);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            record(
                new_size as isize - layout.size() as isize,
                Some(new_size.saturating_sub(layout.size())),
            );
        }
        p
    }
}

/// Runs `work` with counting on for this thread and returns its heap statistics.
/// Frees of blocks allocated before the call count too, so `peak` and `retained`
/// are a slight underestimate when `work` frees older memory.
pub fn measure<T>(work: impl FnOnce() -> T) -> (T, HeapStats) {
    NET.set(0);
    PEAK.set(0);
    COUNT.set(0);
    TOTAL.set(0);
    ACTIVE.set(true);
    let value = work();
    ACTIVE.set(false);
    let stats = HeapStats {
        peak: PEAK.get(),
        retained: NET.get(),
        allocations: COUNT.get(),
        allocated: TOTAL.get(),
    };
    (value, stats)
}
