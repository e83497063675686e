import Core

/// `y = x W^T + b`, weights as PyTorch's `nn.Linear` stores them: `weight` (out, in), `bias` (out).
public struct Linear {
    public let weight: Parameter
    public let bias: Parameter?
    public let inFeatures: Int
    public let outFeatures: Int

    public init(_ scope: ParameterScope, in inFeatures: Int, out outFeatures: Int, bias hasBias: Bool) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = scope.parameter("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? scope.parameter("bias", shape: [outFeatures]) : nil
    }

    /// `y[rows, out] = x[rows, in] W^T + b`, or `y += x W^T + b` when `accumulating`
    /// (how the blocks add their residuals without another pass over memory).
    public func callAsFunction(
        _ x: UnsafePointer<Float>, rows: Int,
        into y: UnsafeMutablePointer<Float>, accumulating: Bool = false
    ) {
        // The bias goes in before the product, which then adds to it (beta 1): with beta 0
        // BLAS would spend a pass zeroing y, and adding the bias after would be another.
        if let bias {
            if accumulating {
                Kernels.addRowVector(bias.readOnly, to: y, rows: rows, width: outFeatures)
            } else {
                Kernels.fillRows(y, with: bias.readOnly, rows: rows, width: outFeatures)
            }
        }
        Kernels.gemm(
            transB: true, m: rows, n: outFeatures, k: inFeatures,
            a: x, lda: inFeatures, b: weight.readOnly, ldb: inFeatures,
            beta: accumulating || bias != nil ? 1 : 0, c: y, ldc: outFeatures)
    }
}

/// PyTorch's `nn.LayerNorm` over the last `width` features.
public struct LayerNorm {
    public let weight: Parameter
    public let bias: Parameter
    public let width: Int
    public let eps: Float = 1e-5

    public init(_ scope: ParameterScope, width: Int) {
        self.width = width
        weight = scope.parameter("weight", shape: [width])
        bias = scope.parameter("bias", shape: [width])
    }

    /// Normalises `rows` contiguous rows of `x` into `y` (which may be `x`), spread over the cores.
    public func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        let width = width, eps = eps, weight = weight.readOnly, bias = bias.readOnly
        Kernels.parallelFor(rows, minimumPerThread: 64) { range in
            Kernels.layerNorm(
                x + range.lowerBound * width, into: y + range.lowerBound * width,
                rows: range.count, width: width, weight: weight, bias: bias, eps: eps)
        }
    }
}
