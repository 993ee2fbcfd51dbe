//! The per-key table of pass one: open addressing with linear probing over 24-byte slots.
//!
//! At millions of keys nearly every lookup is a cache miss, so rows are observed in batches and
//! each batch prefetches the slots it is about to probe ([`KeyTable::prefetch`]); a general-purpose
//! map cannot be asked where a key will land.
//!
//! The slots are mapped straight from the operating system ([`Slots`]) rather than taken from the
//! allocator: when a table grows, its old slots go back to the system at once. Through the
//! allocator, the freed tables of every growth step (together as large as the final table) stayed
//! resident until its delayed purge, which with 64 shards growing at about the same time cost up
//! to ~50 MB at a few million keys, more or less depending on the machine's speed.

use super::{Entry, Key};

#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    key: Key,
    entry: Entry,
}

/// An all-zero key marks an empty slot; [`Key::from`] never makes one.
const EMPTY: Slot = Slot {
    key: Key::EMPTY,
    entry: Entry::EMPTY,
};

/// The smallest table allocated once a key arrives.
const MIN_SLOTS: usize = 64;

#[derive(Default)]
pub(super) struct KeyTable {
    slots: Slots,
    len: usize,
}

impl KeyTable {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The home slot of a key: its first 64 bits scaled to the table size (the keys are uniform
    /// hashes already).
    fn home(&self, key: &Key) -> usize {
        let h = u64::from(key.0[0]) | (u64::from(key.0[1]) << 32);
        ((u128::from(h) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot holding `key`, or the empty slot where it would go. The table is never full.
    fn probe(&self, key: &Key) -> usize {
        let n = self.slots.len();
        let mut i = self.home(key);
        loop {
            let k = &self.slots[i].key;
            if k == key || *k == Key::EMPTY {
                return i;
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Asks the CPU to start loading the slot a later lookup of `key` will read first.
    #[inline]
    pub(super) fn prefetch(&self, key: &Key) {
        if self.slots.is_empty() {
            return;
        }
        let slot: *const Slot = &self.slots[self.home(key)];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is only a hint; it never faults, and the pointer is in bounds anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(slot.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    /// The entry of `key`, inserting `fresh` when absent; `true` when it was inserted.
    pub(super) fn entry(&mut self, key: Key, fresh: Entry) -> (&mut Entry, bool) {
        // At most 3/4 full: a miss probes about 2.5 slots on average.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let i = self.probe(&key);
        let inserted = self.slots[i].key == Key::EMPTY;
        if inserted {
            self.slots[i] = Slot { key, entry: fresh };
            self.len += 1;
        }
        (&mut self.slots[i].entry, inserted)
    }

    pub(super) fn get_mut(&mut self, key: &Key) -> Option<&mut Entry> {
        if self.slots.is_empty() {
            return None;
        }
        let i = self.probe(key);
        (self.slots[i].key == *key).then(|| &mut self.slots[i].entry)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.slots
            .iter()
            .filter(|s| s.key != Key::EMPTY)
            .map(|s| (&s.key, &s.entry))
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, Slots::empty(size));
        for slot in old.iter().filter(|s| s.key != Key::EMPTY) {
            let i = self.probe(&slot.key);
            self.slots[i] = *slot;
        }
        // `old` is unmapped here: its memory is the system's again.
    }
}

/// A table's slots, all [`EMPTY`] when made. On Unix an anonymous private mapping: zero-filled
/// pages (an all-zero slot is an empty one) that cost memory only once touched, and are given back
/// to the system when dropped.
#[cfg(unix)]
struct Slots {
    ptr: std::ptr::NonNull<Slot>,
    len: usize,
}

// SAFETY: `Slots` owns its mapping exclusively, like a `Box<[Slot]>`; `Slot` is plain data.
#[cfg(unix)]
unsafe impl Send for Slots {}
// SAFETY: shared access only reads, as for `&[Slot]`.
#[cfg(unix)]
unsafe impl Sync for Slots {}

#[cfg(unix)]
impl Slots {
    fn empty(len: usize) -> Slots {
        const { assert!(EMPTY_IS_ZERO) };
        let Some(bytes) = len
            .checked_mul(std::mem::size_of::<Slot>())
            .filter(|&b| b > 0 && b <= isize::MAX as usize)
        else {
            return Slots::default();
        };
        // Populated at once where the system can (Linux): every page of a new table is written
        // while the old one is moved into it, and one call is cheaper than a fault a page.
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let populate = libc::MAP_POPULATE;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let populate = 0;
        // SAFETY: a fresh anonymous private mapping; no existing memory is touched.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate,
                -1,
                0,
            )
        };
        match std::ptr::NonNull::new(ptr.cast::<Slot>()) {
            Some(ptr) if ptr.as_ptr().cast::<libc::c_void>() != libc::MAP_FAILED => {
                Slots { ptr, len }
            }
            // Out of memory, as for any allocation.
            _ => std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<Slot>(len).unwrap_or(std::alloc::Layout::new::<Slot>()),
            ),
        }
    }
}

#[cfg(unix)]
impl Default for Slots {
    fn default() -> Slots {
        Slots {
            ptr: std::ptr::NonNull::dangling(),
            len: 0,
        }
    }
}

#[cfg(unix)]
impl Drop for Slots {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping made in `empty`, of this length, unmapped once.
            unsafe {
                libc::munmap(
                    self.ptr.as_ptr().cast(),
                    self.len * std::mem::size_of::<Slot>(),
                );
            }
        }
    }
}

#[cfg(unix)]
impl std::ops::Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        // SAFETY: `len` initialised slots (zero-filled pages are EMPTY slots), or empty and dangling.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(unix)]
impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Slot] {
        // SAFETY: as in `deref`, and `&mut self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

/// Elsewhere, the allocator's memory.
#[cfg(not(unix))]
#[derive(Default)]
struct Slots(Vec<Slot>);

#[cfg(not(unix))]
impl Slots {
    fn empty(len: usize) -> Slots {
        Slots(vec![EMPTY; len])
    }
}

#[cfg(not(unix))]
impl std::ops::Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        &self.0
    }
}

#[cfg(not(unix))]
impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Slot] {
        &mut self.0
    }
}

/// Zero-filled memory holds empty slots: a slot is six `u32`s, and [`EMPTY`]'s are all zero.
const EMPTY_IS_ZERO: bool = std::mem::size_of::<Slot>() == 24
    && EMPTY.key.0[0] == 0
    && EMPTY.key.0[1] == 0
    && EMPTY.key.0[2] == 0
    && EMPTY.entry.packed[0] == 0
    && EMPTY.entry.packed[1] == 0
    && EMPTY.entry.best == 0;

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u128) -> Key {
        Key::from(n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835))
    }

    #[test]
    fn keeps_every_key_through_growth() {
        let mut t = KeyTable::default();
        for n in 0..10_000u128 {
            let (_, inserted) = t.entry(key(n), Entry::new(super::super::Pos(n as u64), 0, 0));
            assert!(inserted);
        }
        assert_eq!(t.len(), 10_000);
        for n in 0..10_000u128 {
            let (e, inserted) = t.entry(key(n), Entry::EMPTY);
            assert!(!inserted);
            assert_eq!(e.winner().0, n as u64);
            assert!(t.get_mut(&key(n)).is_some());
        }
        assert!(t.get_mut(&key(10_001)).is_none());
        assert_eq!(t.iter().count(), 10_000);
    }

    #[test]
    fn keys_that_share_a_home_slot_are_told_apart() {
        // Same first 64 bits, different last 32: one home slot, two keys.
        let a = Key([7, 7, 1]);
        let b = Key([7, 7, 2]);
        let mut t = KeyTable::default();
        t.entry(a, Entry::new(super::super::Pos(1), 0, 0));
        t.entry(b, Entry::new(super::super::Pos(2), 0, 0));
        assert_eq!(t.len(), 2);
        assert_eq!(t.get_mut(&a).map(|e| e.winner().0), Some(1));
        assert_eq!(t.get_mut(&b).map(|e| e.winner().0), Some(2));
    }

    #[test]
    fn fresh_slots_are_empty_and_writable_at_any_size() {
        for len in [0, 1, 170, 171, 4096, 100_000] {
            let mut slots = Slots::empty(len);
            assert_eq!(slots.len(), len);
            assert!(
                slots
                    .iter()
                    .all(|s| s.key == Key::EMPTY && s.entry.raw() == 0)
            );
            if let Some(last) = slots.last_mut() {
                last.key = Key([1, 2, 3]);
                assert_eq!(slots[len - 1].key, Key([1, 2, 3]));
            }
        }
    }

    #[test]
    fn the_zero_hash_is_not_the_empty_marker() {
        assert_ne!(Key::from(0u128), Key::EMPTY);
        let mut t = KeyTable::default();
        let (_, inserted) = t.entry(Key::from(0u128), Entry::EMPTY);
        assert!(inserted);
        assert_eq!(t.len(), 1);
    }
}
