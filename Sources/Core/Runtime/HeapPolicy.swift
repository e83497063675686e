#if canImport(Glibc)
import Glibc

// glibc's mallopt lives in <malloc.h>, which the Glibc module does not export.
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let mTrimThreshold: Int32 = -1
private let mMmapThreshold: Int32 = -3
#endif

/// How the C heap treats large blocks (part of `RuntimePolicy`).
enum HeapPolicy {
    /// Keeps freed large buffers in the heap for the next layer instead of returning them to
    /// the system.
    ///
    /// A full-size codec layer's activation is 8-34 MB. glibc serves blocks that big with a
    /// fresh mmap and unmaps them on free, so every layer paid for faulting in and zeroing new
    /// pages: about a quarter of a decode's time (measured with `tokentool bench`). Raising
    /// both thresholds lets the heap reuse those blocks; peak memory is unchanged, because the
    /// same buffers are live at the peak either way. Process-wide and idempotent. Elsewhere
    /// (macOS's allocator keeps large blocks itself) it does nothing.
    static func keepLargeBuffersInHeap() {
        _ = applied
    }

    private static let applied: Bool = {
        #if canImport(Glibc)
        let limit: Int32 = 1 << 30
        return mallopt(mMmapThreshold, limit) == 1 && mallopt(mTrimThreshold, limit) == 1
        #else
        return false
        #endif
    }()
}
