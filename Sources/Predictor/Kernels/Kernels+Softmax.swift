import Foundation
import MagvitCodec

extension Kernels {
    /// Softmax of each of `rows` contiguous rows of `width` floats, in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0 ..< rows {
            let row = x + r * width
            var peak = -Float.infinity
            for i in 0 ..< width { peak = max(peak, row[i]) }
            var sum: Float = 0
            for i in 0 ..< width { let e = Foundation.exp(row[i] - peak); row[i] = e; sum += e }
            let inverse = 1 / sum
            for i in 0 ..< width { row[i] *= inverse }
        }
    }
}
