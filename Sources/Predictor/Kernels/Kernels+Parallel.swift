import Foundation
import MagvitCodec

extension Kernels {
    /// Runs `body` over `0 ..< count` cut into contiguous chunks, one per thread of
    /// `Kernels.threadCount` (MagvitCodec's setting, which BLAS follows too), and waits for all.
    /// Chunks smaller than `minChunk` are not worth a thread, so small jobs run inline.
    static func parallelChunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(1, minChunk)))
        if chunks == 1 { body(0 ..< count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body(count * c / chunks ..< count * (c + 1) / chunks)
        }
    }
}

extension Kernels {
    /// `y[r, :] += v` for each of `rows` contiguous rows of `width` floats.
    static func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        parallelChunks(rows, minChunk: 256) { range in
            for r in range {
                let row = y + r * width
                for i in 0 ..< width { row[i] += v[i] }
            }
        }
    }
}
