/// The shape of one 2-D convolution over one image: square kernel, equal stride and
/// zero padding on both axes (every convolution the codec and LPIPS use).
public struct Conv2dGeometry: Sendable, Equatable, CustomStringConvertible {
    public var inChannels: Int
    public var outChannels: Int
    /// Input height and width.
    public var height: Int
    public var width: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(inChannels: Int, outChannels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    public var inputCount: Int { inChannels * height * width }
    public var outputCount: Int { outChannels * outHeight * outWidth }
    public var weightCount: Int { outChannels * kernel * kernel * inChannels }

    public var description: String {
        "conv \(inChannels)->\(outChannels) \(kernel)x\(kernel)/\(stride) pad \(padding) on \(height)x\(width)"
    }
}

/// How `Kernels.conv2d` computes a convolution; chosen from the geometry unless forced.
public enum Conv2dAlgorithm: Sendable, CaseIterable {
    /// 1x1, stride 1, no padding: the convolution is one matrix product.
    case pointwise
    /// Stride 1: one GEMM per kernel tap over a zero-padded copy of the input, read at a
    /// shifted offset; no im2col buffer at all.
    case shiftedGemm
    /// Anything: im2col of a band of output rows at a time, then one GEMM per band.
    case im2col
    /// 3x3, stride 1: Winograd F(4x4, 3x3), 4x fewer multiplications (see Winograd.swift).
    /// Through `conv2d` the weights are transformed on every call; models transform them
    /// once with `winogradFilter` and call `conv2dWinograd`.
    case winograd4x4
    /// 3x3, stride 1: Winograd F(2x2, 3x3), 2.25x fewer multiplications, weights 16/9 the
    /// plain size (4x for F(4x4)); as `winograd4x4` otherwise.
    case winograd2x2
    /// Stride 2 and more: the input split into its stride x stride phases, each a stride-1
    /// shifted-GEMM convolution with the taps that land on it (see Conv2dStrided.swift).
    case polyphase

    public static func preferred(for g: Conv2dGeometry) -> Conv2dAlgorithm {
        if g.kernel == 1 && g.stride == 1 && g.padding == 0 { return .pointwise }
        // Few input channels (an RGB input layer): per-tap GEMMs of depth Cin would each
        // stream the whole output; one im2col GEMM of depth K*K*Cin runs ~2.4x faster than
        // them and ~3.6x faster than Winograd on the codec's 3 -> 128 layer at 256x256.
        if g.stride == 1 && g.inChannels < 16 { return .im2col }
        if g.stride == 1 { return .shiftedGemm }
        if prefersPolyphase(for: g) { return .polyphase }
        return .im2col
    }

    public func supports(_ g: Conv2dGeometry) -> Bool {
        switch self {
        case .pointwise: return g.kernel == 1 && g.stride == 1 && g.padding == 0
        case .shiftedGemm: return g.stride == 1
        case .im2col: return true
        case .winograd4x4, .winograd2x2: return Kernels.winogradApplies(to: g)
        case .polyphase: return g.stride >= 2
        }
    }

    // Polyphase GEMMs are only (taps sharing an offset) x Cin deep. At 3x3/2 it measured
    // 10-25% faster than im2col with 16 to 256 channels on 64x64 to 256x256 inputs, and a
    // tie on 32x32 with 256; below 16 channels im2col's single GEMM of depth K*K*Cin is
    // kept (untimed).
    static func prefersPolyphase(for g: Conv2dGeometry) -> Bool {
        g.stride == 2 && g.inChannels >= 16
    }

    /// The Winograd tile a model should prepare weights for, for a layer that will run on
    /// `g`, or nil for plain weights. Winograd needs a 3x3 kernel at stride 1 and enough input
    /// channels (16) for the products, not the transforms, to dominate. From 32x32 outputs
    /// up F(4x4); below that (the codec's 16x16 levels, whose 512-channel layers are mostly
    /// weights) F(2x2), which keeps the weights at 16/9 of their plain size instead of 4x and
    /// measured 3x faster than the shifted GEMMs there. Always nil where the runtime policy
    /// turns Winograd off (`RuntimePolicy.winograd`, for A/B timings in `tokentool bench`).
    public static func preferredWinogradTile(for g: Conv2dGeometry) -> WinogradTile? {
        guard Runtime.policy.winograd && Kernels.winogradApplies(to: g) && g.inChannels >= 16 else { return nil }
        return g.outHeight * g.outWidth >= 32 * 32 ? .f4x4 : .f2x2
    }
}

extension Kernels {
    /// Scratch budget (floats) for the per-band buffers of the tiled paths.
    static let convBandFloats = 1 << 20

    /// y = conv(x, w) + bias for one image.
    ///
    /// - x: (Cin, H, W)
    /// - w: (Cout, K, K, Cin), "OHWI": PyTorch's (Cout, Cin, K, K) with the input channel
    ///   moved last (see `ohwiFromOIHW`), so that every path reads it without repacking.
    /// - bias: (Cout) or nil
    /// - y: (Cout, Ho, Wo)
    public static func conv2d(
        _ g: Conv2dGeometry,
        input x: UnsafePointer<Float>,
        weight w: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>,
        algorithm: Conv2dAlgorithm? = nil
    ) {
        let algorithm = algorithm ?? .preferred(for: g)
        precondition(algorithm.supports(g), "\(algorithm) cannot compute \(g)")
        switch algorithm {
        case .pointwise: conv2dPointwise(g, x, w, bias, y)
        case .shiftedGemm: conv2dShifted(g, x, w, bias, y)
        case .im2col: conv2dIm2col(g, x, w, bias, y)
        case .polyphase: conv2dPolyphase(g, x, w, bias, y)
        case .winograd4x4, .winograd2x2:
            let tile: WinogradTile = algorithm == .winograd4x4 ? .f4x4 : .f2x2
            let u = winogradFilter(ohwi: w, outChannels: g.outChannels, inChannels: g.inChannels, tile: tile)
            conv2dWinograd(g, tile: tile, input: x, transformedWeight: u, bias: bias, output: y)
        }
    }

    /// PyTorch's (Cout, Cin, K, K) weight layout to the kernels' (Cout, K, K, Cin).
    public static func ohwiFromOIHW(_ w: [Float], outChannels: Int, inChannels: Int, kernel: Int) -> [Float] {
        let taps = kernel * kernel
        precondition(w.count == outChannels * inChannels * taps)
        var out = [Float](repeating: 0, count: w.count)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                for t in 0..<taps {
                    out[(o * taps + t) * inChannels + i] = w[(o * inChannels + i) * taps + t]
                }
            }
        }
        return out
    }

    /// Fills each output channel's plane with its bias (or zero), so GEMMs can accumulate.
    static func fillBias(_ y: UnsafeMutablePointer<Float>, channels: Int, plane: Int, bias: UnsafePointer<Float>?) {
        parallelFor(channels) { range in
            for c in range {
                (y + c * plane).update(repeating: bias?[c] ?? 0, count: plane)
            }
        }
    }

    // y (Cout, HW) = w (Cout, Cin) x (Cin, HW) + bias
    static func conv2dPointwise(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        let n = g.height * g.width
        fillBias(y, channels: g.outChannels, plane: n, bias: bias)
        gemm(m: g.outChannels, n: n, k: g.inChannels, a: w, lda: g.inChannels, b: x, ldb: n, beta: 1, c: y, ldc: n)
    }

    // Stride-1 convolution as K*K shifted GEMMs. With the input zero-padded to (Hp, Wp) and
    // the output computed on the padded width (Ho rows of Wp columns, the last K-1 of each
    // row junk), tap (ky, kx) is a plain GEMM whose B matrix starts ky*Wp + kx elements into
    // every padded channel plane. Output rows are done a band at a time so the accumulator
    // stays small; the valid columns of each band are then copied out.
    static func conv2dShifted(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        let k = g.kernel, p = g.padding, cin = g.inChannels, cout = g.outChannels
        let hp = g.height + 2 * p, wp = g.width + 2 * p
        let ho = g.outHeight, wo = g.outWidth
        let plane = hp * wp
        // The last tap of the last row reads up to K-1 elements past the final plane.
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: cin * plane + k)
        defer { padded.deallocate() }
        (padded + cin * plane).initialize(repeating: 0, count: k)
        parallelFor(cin) { range in
            for c in range {
                let dst = padded + c * plane
                dst.initialize(repeating: 0, count: plane)
                let src = x + c * g.height * g.width
                for row in 0..<g.height {
                    (dst + (row + p) * wp + p).update(from: src + row * g.width, count: g.width)
                }
            }
        }
        let bandRows = max(1, min(ho, convBandFloats / max(1, cout * wp)))
        let band = UnsafeMutablePointer<Float>.allocate(capacity: cout * bandRows * wp)
        defer { band.deallocate() }
        var y0 = 0
        while y0 < ho {
            let rows = min(bandRows, ho - y0)
            let n = rows * wp
            parallelFor(cout) { range in
                for c in range {
                    (band + c * n).update(repeating: bias?[c] ?? 0, count: n)
                }
            }
            for ky in 0..<k {
                for kx in 0..<k {
                    gemm(m: cout, n: n, k: cin,
                         a: w + (ky * k + kx) * cin, lda: k * k * cin,
                         b: padded + (y0 + ky) * wp + kx, ldb: plane,
                         beta: 1, c: band, ldc: n)
                }
            }
            parallelFor(cout) { range in
                for c in range {
                    for r in 0..<rows {
                        (y + (c * ho + y0 + r) * wo).update(from: band + c * n + r * wp, count: wo)
                    }
                }
            }
            y0 += rows
        }
    }

    // General convolution: for a band of output rows, build col (K*K*Cin, rows*Wo) with
    // rows ordered (ky, kx, ci) to match the OHWI weight, then y_band += w (Cout, K*K*Cin) col.
    static func conv2dIm2col(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                             _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        let k = g.kernel, s = g.stride, p = g.padding, cin = g.inChannels
        let h = g.height, wi = g.width
        let ho = g.outHeight, wo = g.outWidth
        let depth = k * k * cin
        fillBias(y, channels: g.outChannels, plane: ho * wo, bias: bias)
        let bandRows = max(1, min(ho, convBandFloats / max(1, depth * wo)))
        let col = UnsafeMutablePointer<Float>.allocate(capacity: depth * bandRows * wo)
        defer { col.deallocate() }
        var y0 = 0
        while y0 < ho {
            let rows = min(bandRows, ho - y0)
            let n = rows * wo
            parallelFor(depth) { range in
                for d in range {
                    let tap = d / cin, c = d % cin
                    let ky = tap / k, kx = tap % k
                    let src = x + c * h * wi
                    var dst = col + d * n
                    for r in 0..<rows {
                        let iy = (y0 + r) * s - p + ky
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: wo)
                        } else {
                            let srcRow = src + iy * wi
                            for ox in 0..<wo {
                                let ix = ox * s - p + kx
                                dst[ox] = (ix >= 0 && ix < wi) ? srcRow[ix] : 0
                            }
                        }
                        dst += wo
                    }
                }
            }
            gemm(m: g.outChannels, n: n, k: depth, a: w, lda: depth, b: col, ldb: n,
                 beta: 1, c: y + y0 * wo, ldc: ho * wo)
            y0 += rows
        }
    }

    /// The naive twin of `conv2d`: direct loops, double accumulation. Same layouts.
    public static func conv2dReference(
        _ g: Conv2dGeometry,
        input x: UnsafePointer<Float>,
        weight w: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?,
        output y: UnsafeMutablePointer<Float>
    ) {
        let k = g.kernel, cin = g.inChannels
        for o in 0..<g.outChannels {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var sum = Double(bias?[o] ?? 0)
                    for ky in 0..<k {
                        let iy = oy * g.stride - g.padding + ky
                        if iy < 0 || iy >= g.height { continue }
                        for kx in 0..<k {
                            let ix = ox * g.stride - g.padding + kx
                            if ix < 0 || ix >= g.width { continue }
                            for c in 0..<cin {
                                sum += Double(w[((o * k + ky) * k + kx) * cin + c]) * Double(x[(c * g.height + iy) * g.width + ix])
                            }
                        }
                    }
                    y[(o * g.outHeight + oy) * g.outWidth + ox] = Float(sum)
                }
            }
        }
    }
}
