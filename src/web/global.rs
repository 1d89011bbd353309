//! Global state for the single-threaded module, without std's thread locals.

use core::cell::UnsafeCell;

pub struct Global<T>(UnsafeCell<T>);

// wasm32-unknown-unknown without atomics runs one thread.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub const fn new(value: T) -> Self {
        Global(UnsafeCell::new(value))
    }

    /// Runs `f` with the value. Callers never nest `with` on the same global
    /// (nothing inside calls back into JavaScript), so the borrow is unique.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: one thread, and no re-entry (see above).
        f(unsafe { &mut *self.0.get() })
    }
}
