extension Kernels {
    /// LayerNorm over each of `rows` contiguous rows of `width` floats:
    /// `y = (x - mean) / sqrt(var + eps) * weight + bias` (biased variance, as PyTorch).
    /// `weight`/`bias` of nil mean 1 and 0. `x` and `y` may be the same buffer.
    public static func layerNorm(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float
    ) {
        let inverseWidth = 1 / Float(width)
        for r in 0 ..< rows {
            let xr = x + r * width, yr = y + r * width
            var sum: Float = 0
            for i in 0 ..< width { sum += xr[i] }
            let mean = sum * inverseWidth
            var squares: Float = 0
            for i in 0 ..< width { let c = xr[i] - mean; squares += c * c }
            let inverseStd = 1 / (squares * inverseWidth + eps).squareRoot()
            for i in 0 ..< width {
                var v = (xr[i] - mean) * inverseStd
                if let weight { v *= weight[i] }
                if let bias { v += bias[i] }
                yr[i] = v
            }
        }
    }

    /// The naive twin of `layerNorm`: the textbook formula per row, in double.
    public static func layerNormReference(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int,
        weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?, eps: Float
    ) {
        for r in 0 ..< rows {
            let xr = x + r * width, yr = y + r * width
            let mean = (0 ..< width).reduce(0.0) { $0 + Double(xr[$1]) } / Double(width)
            let variance = (0 ..< width).reduce(0.0) { $0 + (Double(xr[$1]) - mean) * (Double(xr[$1]) - mean) } / Double(width)
            for i in 0 ..< width {
                let v = (Double(xr[i]) - mean) / (variance + Double(eps)).squareRoot()
                yr[i] = Float(v * Double(weight?[i] ?? 1) + Double(bias?[i] ?? 0))
            }
        }
    }
}
