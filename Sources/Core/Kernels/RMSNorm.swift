import Foundation

extension Kernels {
    /// RMSNorm of each of `rows` rows of `width` floats (row stride `stride`), in place:
    /// x = x / sqrt(mean(x^2) + eps) * weight. Statistics in float32 as the reference computes
    /// them (Cosmos: over the model width, and per head of 128 for the QK-norm).
    public static func rmsNormRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int,
                                   weight: UnsafePointer<Float>, eps: Float) {
        let vectorEnd = width - width % 8
        for r in 0..<rows {
            let row = x + r * stride
            var squares = SIMD8<Float>()
            for i in Swift.stride(from: 0, to: vectorEnd, by: 8) { let v = load8(row + i); squares.addProduct(v, v) }
            var sum = squares.sum()
            for i in vectorEnd..<width { sum += row[i] * row[i] }
            let scale = 1 / (sum / Float(width) + eps).squareRoot()
            let scales = SIMD8<Float>(repeating: scale)
            for i in Swift.stride(from: 0, to: vectorEnd, by: 8) { store8(load8(row + i) * scales * load8(weight + i), row + i) }
            for i in vectorEnd..<width { row[i] = row[i] * scale * weight[i] }
        }
    }

    /// The plain twin of `rmsNormRows`, kept to check it against.
    public static func rmsNormRowsReference(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int,
                                            weight: UnsafePointer<Float>, eps: Float) {
        for r in 0..<rows {
            let row = x + r * stride
            var sum = 0.0
            for i in 0..<width { sum += Double(row[i]) * Double(row[i]) }
            let scale = 1 / (sum / Double(width) + Double(eps)).squareRoot()
            for i in 0..<width { row[i] = Float(Double(row[i]) * scale) * weight[i] }
        }
    }
}
