//! What std would otherwise bring to the shipped module, in a few hundred
//! bytes: a panic handler that traps (the facade catches the trap and reports
//! it through the diagnostic logger), and a size-class allocator.
//!
//! WebAssembly here is single-threaded and memory only grows, so the
//! allocator keeps one free list per power-of-two size class and never
//! returns memory: spans are encoded into buffers of a few recurring sizes,
//! which this reuses well.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

const PAGE: usize = 65536;
const CLASSES: usize = 32;
const MIN_SHIFT: u32 = 4; // 16-byte blocks at least

struct SizeClasses {
    /// Head of each class's free list; a free block's first word links on.
    free: [usize; CLASSES],
    /// The untouched tail of memory: [next, end).
    next: usize,
    end: usize,
}

struct Allocator(UnsafeCell<SizeClasses>);

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(SizeClasses {
    free: [0; CLASSES],
    next: 0,
    end: 0,
}));

fn class_of(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    (usize::BITS - (size - 1).leading_zeros() - MIN_SHIFT) as usize
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heap = &mut *self.0.get();
        let class = class_of(&layout);
        if class >= CLASSES {
            return core::ptr::null_mut();
        }
        let head = heap.free[class];
        if head != 0 {
            heap.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << (class as u32 + MIN_SHIFT);
        // Blocks are aligned to their own size (up to a page), which covers
        // any alignment a layout of that size can ask for.
        let align = size.min(PAGE);
        let mut start = (heap.next + align - 1) & !(align - 1);
        if start + size > heap.end {
            let pages = size.div_ceil(PAGE) + 1;
            let old = core::arch::wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return core::ptr::null_mut();
            }
            if heap.end != old * PAGE {
                // Someone else grew memory in between: start afresh there.
                heap.next = old * PAGE;
            }
            heap.end = (old + pages) * PAGE;
            start = (heap.next + align - 1) & !(align - 1);
        }
        heap.next = start + size;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let heap = &mut *self.0.get();
        let class = class_of(&layout);
        *(ptr as *mut usize) = heap.free[class];
        heap.free[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(&new_layout) == class_of(&layout) {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
