//! How much memory the collector uses, for the memory limiter.
//!
//! The binary installs [`CountingAllocator`], which keeps the bytes currently
//! allocated: unlike the resident size, it falls again as soon as data is freed
//! (glibc keeps freed pages mapped), so a limiter that refused data stops
//! refusing once the backlog drains. Without it (the library in tests) the
//! resident size from `/proc/self/status` is used.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting live bytes with one relaxed atomic per call.
pub struct CountingAllocator;

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
            ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

/// Called by the binary after installing the allocator.
pub fn counting_enabled() {
    COUNTING.store(true, Ordering::Relaxed);
}

/// Bytes in use: live heap when counting, else the resident size.
pub fn used_bytes() -> u64 {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATED.load(Ordering::Relaxed) as u64
    } else {
        resident_bytes().unwrap_or(0)
    }
}

/// `VmRSS` of this process.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    kib_field(&status, "VmRSS:")
}

/// The memory this process may use: the cgroup limit if set, else the machine's.
pub fn total_bytes() -> Option<u64> {
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| kib_field(&s, "MemTotal:"));
    match (cgroup, machine) {
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_fields() {
        assert_eq!(
            kib_field("VmRSS:\t  1234 kB\n", "VmRSS:"),
            Some(1234 * 1024)
        );
        assert!(resident_bytes().unwrap() > 0);
        assert!(total_bytes().unwrap() > 0);
    }
}
