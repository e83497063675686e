/// How this process computes: compute threads, the heap policy and algorithm preferences.
///
/// A program configures it once, at start-up, before any work runs (`tokentool`'s `main`
/// does, from the command's options); everything below only reads it. A program that never
/// configures it (a test, a library user) gets `RuntimePolicy()`, applied when a kernel first
/// asks.
public struct RuntimePolicy: Sendable, Equatable {
    /// Compute threads; nil: `Runtime.defaultThreadCount()` (OMP_NUM_THREADS, else the CPUs
    /// this process may run on).
    public var threads: Int?
    /// Keep freed large buffers in the heap for the next layer (see `HeapPolicy`).
    public var keepLargeBuffersInHeap: Bool
    /// Whether models prepare Winograd weights for the 3x3 convolutions that suit them; off,
    /// they keep plain weights everywhere (the shifted-GEMM path, for A/B timings).
    public var winograd: Bool

    public init(threads: Int? = nil, keepLargeBuffersInHeap: Bool = true, winograd: Bool = true) {
        self.threads = threads
        self.keepLargeBuffersInHeap = keepLargeBuffersInHeap
        self.winograd = winograd
    }
}

public enum Runtime {
    /// A policy with its effects applied and its thread count resolved.
    struct Applied: Sendable {
        let policy: RuntimePolicy
        let threads: Int

        init(_ policy: RuntimePolicy) {
            // The BLAS runs single-threaded, always: the kernels split work over the cores
            // themselves (`parallelFor`, `gemm`). OpenBLAS's own pool spins in sched_yield for a
            // while after every threaded call, and on a 2-core machine that spinning took CPU
            // from the next kernel.
            BLASThreads.useOneThread()
            if policy.keepLargeBuffersInHeap { HeapPolicy.keepLargeBuffersInHeap() }
            self.policy = policy
            threads = max(1, policy.threads ?? Runtime.defaultThreadCount())
        }
    }

    private nonisolated(unsafe) static var configured: Applied?
    private static let standard = Applied(RuntimePolicy())

    static var applied: Applied { configured ?? standard }

    /// Applies `policy` for the rest of the process. Call it once, from `main`, before any
    /// work runs (threads already working keep what they read).
    public static func configure(_ policy: RuntimePolicy) {
        configured = Applied(policy)
    }

    /// The policy in force.
    public static var policy: RuntimePolicy { applied.policy }

    /// How many threads the kernels split their work over.
    public static var threadCount: Int { applied.threads }

    /// What the CPU offers and which of it the kernels use.
    public static var cpu: CPUFeatures { CPUFeatures.current }
}
