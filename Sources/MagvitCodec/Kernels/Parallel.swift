import CBLAS
import Dispatch
import Foundation

extension Kernels {
    /// How many threads the kernels split their work over (all cores unless `setThreadCount`
    /// was called). Set once at start-up, before any work runs.
    public nonisolated(unsafe) private(set) static var threadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Limits both the kernels' own threads and BLAS's to `n`.
    public static func setThreadCount(_ n: Int) {
        threadCount = max(1, n)
        openblas_set_num_threads(Int32(threadCount))
    }

    /// Runs `body` with BLAS limited to the calling thread, for kernels that run several
    /// GEMMs side by side on their own threads. BLAS's thread count is process-wide, so this
    /// must not overlap BLAS work on other threads (the codec runs one layer at a time).
    static func withSingleThreadedBLAS(_ body: () -> Void) {
        guard threadCount > 1 else { return body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threadCount)) }
        body()
    }

    /// Runs `body(i)` for every i in 0..<count, spread over the cores in contiguous chunks.
    /// Small jobs run inline: waking threads costs more than it saves.
    public static func parallelFor(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(threadCount, count / max(1, minimumPerThread))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }
}
