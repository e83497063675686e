import Dispatch
import Foundation

extension Kernels {
    /// How many threads the element-wise kernels split their work over. BLAS threads itself.
    public static let threadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` for every i in 0..<count, spread over the cores in contiguous chunks.
    /// Small jobs run inline: waking threads costs more than it saves.
    @inlinable
    static func parallelFor(_ count: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
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
