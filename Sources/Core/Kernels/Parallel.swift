import Dispatch
import Foundation

extension Kernels {
    /// How many threads the kernels split their work over: `Runtime.threadCount`, fixed when
    /// the runtime is configured (once, at start-up).
    public static var threadCount: Int { Runtime.threadCount }

    /// Runs `body(i)` for every i in 0..<count, spread over the cores in contiguous chunks.
    /// Small jobs run inline: waking threads costs more than it saves. Called from inside
    /// another `parallelFor`, it runs inline too: the cores are already busy.
    public static func parallelFor(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        parallelChunks(count, minimumPerThread: minimumPerThread) { range, _ in body(range) }
    }

    /// `parallelFor` that also tells each chunk which worker (0 ..< threadCount) runs it, for
    /// per-thread scratch buffers.
    public static func parallelChunks(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>, _ worker: Int) -> Void) {
        let chunks = min(threadCount, count / max(1, minimumPerThread))
        if chunks <= 1 || ParallelRegion.isInside {
            body(0..<count, 0)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            ParallelRegion.enter()
            defer { ParallelRegion.leave() }
            body(start..<end, chunk)
        }
    }

    /// Runs `body` once on each of up to `threadCount` workers, which take the items 0 ..< count
    /// one at a time from a shared counter (`next()`, nil when none are left) until none are
    /// left. For items of equal cost on cores that may not run at equal speed: on a shared
    /// machine each core's tile or vector unit can be slowed by a neighbour, by 3x at times here,
    /// and with fixed halves the fast core would wait for the slow one. A worker sets up its
    /// scratch once in `body`, before its first item. Inline when there is one item or one
    /// thread, or inside another parallel region.
    public static func parallelClaims(_ count: Int, _ body: (_ next: () -> Int?) -> Void) {
        let workers = min(threadCount, count)
        if workers <= 1 || ParallelRegion.isInside {
            var i = 0
            body {
                defer { i += 1 }
                return i < count ? i : nil
            }
            return
        }
        let items = ClaimCounter(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            ParallelRegion.enter()
            defer { ParallelRegion.leave() }
            body(items.claim)
        }
    }
}

/// The items of one `parallelClaims` run not yet taken. A lock, not an atomic: Synchronization's
/// `Atomic` needs macOS 15, and a claim comes once per block of tens of microseconds or more.
private final class ClaimCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard taken < count else { return nil }
        taken += 1
        return taken - 1
    }
}

/// Whether the calling thread is one of a `parallelFor`'s workers (a per-thread flag).
enum ParallelRegion {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let marker = UnsafeMutableRawPointer(bitPattern: 1)

    static var isInside: Bool { pthread_getspecific(key) != nil }
    static func enter() { pthread_setspecific(key, marker) }
    static func leave() { pthread_setspecific(key, nil) }
}
