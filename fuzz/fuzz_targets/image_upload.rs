//! Photo uploads: `ruamjai_store::care::photo::prepare` (compiled here from its file, see
//! `src/lib.rs`): decode JPEG/PNG/WebP within limits, EXIF orientation, scale down, re-encode
//! without metadata.
//!
//! Must never panic, must stay within its memory budget, and anything accepted must be a JPEG
//! that decodes again, at the size it claims, within `MAX_EDGE`, and without any metadata
//! segment (no APPn other than the encoder's own JFIF APP0, no comment).
//!
//! Memory: the allocator below counts live bytes and fails the run when one input's peak goes
//! past [`PEAK_LIMIT`] or a single allocation past [`ONE_LIMIT`]. libFuzzer's own
//! `-malloc_limit_mb` needs a sanitizer's allocator hooks, which the `-s none` build used by
//! `scripts/fuzz` does not have, so the limit is checked here instead (it also works under
//! AddressSanitizer). `-rss_limit_mb` stays as a backstop.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::ImageFormat;
use libfuzzer_sys::fuzz_target;
use ruamjai_fuzz::photo::{MAX_EDGE, prepare};

/// The decoder may take 512 MiB (`MAX_DECODE_ALLOC` in photo.rs); a picture at the
/// `MAX_DECODED_EDGE` limit then still needs its resized copy and the JPEG being written. More
/// than this for one photo means a limit is not doing its work.
const PEAK_LIMIT: usize = 1024 << 20;
/// The largest single allocation allowed: the decoder's budget.
const ONE_LIMIT: usize = 512 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Counts `size` more bytes. An allocator must not unwind, so a single allocation over the
/// limit aborts (libFuzzer reports the abort as a crash and keeps the input).
fn grew(size: usize) {
    if size > ONE_LIMIT {
        eprintln!("one allocation of {} MiB", size >> 20);
        std::process::abort();
    }
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's layout is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            if new_size > ONE_LIMIT {
                eprintln!("one allocation of {} MiB", new_size >> 20);
                std::process::abort();
            }
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The markers of the JPEG segments before the first scan; `None` when the header cannot be
/// walked.
fn header_markers(jpeg: &[u8]) -> Option<Vec<u8>> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut markers = Vec::new();
    let mut at = 2;
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(at + 1)?;
        markers.push(marker);
        if marker == 0xDA {
            return Some(markers);
        }
        let length = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        at += 2 + length;
    }
}

fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);

    let result = prepare(data);

    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert!(peak <= PEAK_LIMIT, "{} MiB for one photo", peak >> 20);

    let prepared = match result {
        Ok(p) => p,
        Err(e) => {
            assert_eq!(e.field, "photo");
            assert!(
                matches!(e.code, "required" | "photo_too_large" | "not_an_image"),
                "{e}"
            );
            return;
        }
    };
    assert!(
        (1..=MAX_EDGE).contains(&prepared.width),
        "{}",
        prepared.width
    );
    assert!(
        (1..=MAX_EDGE).contains(&prepared.height),
        "{}",
        prepared.height
    );

    let markers = header_markers(&prepared.jpeg).expect("a JPEG header");
    for m in &markers {
        // APP0 is the encoder's JFIF header; any other APPn (EXIF is APP1) or a comment would be
        // metadata carried over.
        assert!(
            !((0xE1..=0xEF).contains(m) || *m == 0xFE),
            "metadata segment {m:#x} in {markers:x?}"
        );
    }
    assert!(!prepared.jpeg.windows(6).any(|w| w == b"Exif\0\0"));

    let again = image::load_from_memory_with_format(&prepared.jpeg, ImageFormat::Jpeg)
        .expect("the prepared photo decodes");
    assert_eq!(
        (again.width(), again.height()),
        (prepared.width, prepared.height)
    );
});
