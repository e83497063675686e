import Foundation

extension Kernels {
    /// `y[r, :] += v` for each of `rows` contiguous rows of `width` floats.
    public static func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        parallelFor(rows, minimumPerThread: 256) { range in
            for r in range {
                let row = y + r * width
                for i in 0 ..< width { row[i] += v[i] }
            }
        }
    }

    /// Every row of y (rows x width) set to v (width).
    public static func fillRows(_ y: UnsafeMutablePointer<Float>, with v: UnsafePointer<Float>, rows: Int, width: Int) {
        parallelFor(rows, minimumPerThread: 256) { range in
            for r in range { (y + r * width).update(from: v, count: width) }
        }
    }

    /// The naive twin of `addRowVector`.
    public static func addRowVectorReference(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0 ..< rows {
            for i in 0 ..< width { y[r * width + i] = y[r * width + i] + v[i] }
        }
    }

    /// The naive twin of `fillRows`.
    public static func fillRowsReference(_ y: UnsafeMutablePointer<Float>, with v: UnsafePointer<Float>, rows: Int, width: Int) {
        for r in 0 ..< rows {
            for i in 0 ..< width { y[r * width + i] = v[i] }
        }
    }
}
