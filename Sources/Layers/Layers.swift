import Core

/// A 2-D convolution layer (keys `weight`, `bias`). PyTorch stores its weight as
/// (out, in, k, k); it is repacked once, here, into what the layer's algorithm reads: the
/// kernels' (out, k, k, in) layout, for stride-1 3x3 layers the Winograd transform of it
/// (16 or 36 x (out, in), packed), or for the other layers built with `packedWeights` the
/// micro-kernel's row panels of (out, k * k * in).
public struct Conv2d {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    /// The Winograd tile whose transformed matrices `weight` holds, or nil when it holds
    /// (out, k, k, in).
    public let winograd: WinogradTile?
    let weight: [Float]
    /// Layers built with `packedWeights` that are not Winograd: the (out, k * k * in) weight
    /// packed for the micro-kernel, which adds the bias and a residual in the same pass (1x1
    /// stride-1 layers as one product, others as `conv2dPackedIm2col`).
    let packed: (shape: PackedRowPanels, packed: [Float], tiles: AMXWeightTiles?)?
    /// (out), when the layer has one.
    let bias: [Float]?

    /// `inputSize`: the square image size the layer will see, when known at load; it picks
    /// the algorithm whose weights are prepared (any size still runs correctly).
    public init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, bias hasBias: Bool, inputSize: Int? = nil, packedWeights: Bool = false) {
        let torchWeight = scope("weight", shape: [outChannels, inChannels, kernel, kernel])
        self.init(oihw: torchWeight.data, bias: hasBias ? scope("bias", shape: [outChannels]).data : nil,
                  inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                  inputSize: inputSize, packedWeights: packedWeights)
    }

    /// A layer from weights already read: `oihw` in PyTorch's (out, in, k, k) order (a
    /// (out, in, 1, k, k) 3-D kernel has the same layout), `bias` (out) or nil.
    public init(oihw: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int = 0, inputSize: Int? = nil, packedWeights: Bool = false) {
        precondition(oihw.count == outChannels * inChannels * kernel * kernel && (bias?.count ?? outChannels) == outChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let ohwi = Kernels.ohwiFromOIHW(oihw, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
        winograd = inputSize.flatMap {
            Conv2dAlgorithm.preferredWinogradTile(for: Conv2dGeometry(
                inChannels: inChannels, outChannels: outChannels, height: $0, width: $0,
                kernel: kernel, stride: stride, padding: padding))
        }
        weight = winograd.map { Kernels.winogradFilter(ohwi: ohwi, outChannels: outChannels, inChannels: inChannels, tile: $0) } ?? ohwi
        packed = packedWeights && winograd == nil
            ? Kernels.packedWeightAndTiles(ohwi, rows: outChannels, depth: kernel * kernel * inChannels) : nil
        self.bias = bias
    }

    /// The geometry of this layer on an (in, height, width) input.
    public func geometry(height: Int, width: Int) -> Conv2dGeometry {
        Conv2dGeometry(inChannels: inChannels, outChannels: outChannels, height: height, width: width,
                       kernel: kernel, stride: stride, padding: padding)
    }

    /// Whether the algorithm adds to what the output holds while writing it (a residual
    /// without a pass of its own).
    var accumulatesInPlace: Bool { winograd != nil || packed != nil }

    /// x: (in, H, W) -> (out, Ho, Wo), plus `residual` (out, Ho, Wo) when given; Winograd
    /// and packed layers add it while writing their output instead of in a pass of their own.
    public func callAsFunction(_ x: Tensor, adding residual: consuming Tensor? = nil) -> Tensor {
        let g = geometry(height: x.shape[1], width: x.shape[2])
        precondition(x.shape[0] == inChannels, "\(g) given \(x.shape)")
        let shape = [outChannels, g.outHeight, g.outWidth]
        if let residual { precondition(residual.shape == shape, "adding \(residual.shape) to \(g)") }
        let accumulate = accumulatesInPlace && residual != nil
        // Taking the residual over (the caller hands it in with `consume`) lets the output
        // overwrite its buffer instead of copying it first.
        if accumulate, var y = residual.take() {
            x.data.withUnsafeBufferPointer { xp in
                y.data.withUnsafeMutableBufferPointer { run(g, xp.baseAddress!, into: $0.baseAddress!, accumulate: true) }
            }
            return y
        }
        // Every algorithm writes every output element, so the buffer starts uninitialised.
        let count = shape.reduce(1, *)
        var y = Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            x.data.withUnsafeBufferPointer { run(g, $0.baseAddress!, into: buffer.baseAddress!, accumulate: false) }
            initialized = count
        })
        if let residual { y.add(residual) }
        return y
    }

    /// One image: `x` (in, H, W) -> `y` (out, Ho, Wo) for a geometry `g` of this layer. With
    /// `accumulate`, y already holds a residual and the convolution is added to it.
    public func run(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        weight.withUnsafeBufferPointer { w in
            (bias ?? []).withUnsafeBufferPointer { b in
                let bp = bias == nil ? nil : b.baseAddress
                if let packed, kernel == 1 && stride == 1 && padding == 0 {
                    let n = g.height * g.width
                    Kernels.gemmPackedBias(packed.shape, a: packed.packed, b: x,
                                           ldb: n, n: n, bias: bp, c: y, ldc: n, accumulate: accumulate, tiles: packed.tiles)
                } else if let packed {
                    Kernels.conv2dPackedIm2col(g, input: x, weight: packed.shape, packed: packed.packed, bias: bp,
                                               output: y, accumulate: accumulate, tiles: packed.tiles)
                } else if let winograd {
                    Kernels.conv2dWinograd(g, tile: winograd, input: x, transformedWeight: w.baseAddress!,
                                           bias: bp, output: y, accumulate: accumulate)
                } else if !accumulate {
                    Kernels.conv2d(g, input: x, weight: w.baseAddress!, bias: bp, output: y)
                } else {
                    let count = g.outChannels * g.outHeight * g.outWidth
                    let fresh = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                        Kernels.conv2d(g, input: x, weight: w.baseAddress!, bias: bp, output: buffer.baseAddress!)
                        initialized = count
                    }
                    Kernels.add(y, fresh, count: count)
                }
            }
        }
    }
}

/// GroupNorm with 32 groups and eps 1e-6, as every norm in the codec; optionally followed by
/// swish, which in this model always comes right after a norm.
public struct GroupNorm {
    public static let groups = 32
    static let epsilon: Float = 1e-6
    let channels: Int
    let gamma: [Float]
    let beta: [Float]

    public init(_ scope: ParameterScope, channels: Int) {
        self.channels = channels
        gamma = scope("weight", shape: [channels]).data
        beta = scope("bias", shape: [channels]).data
    }

    /// x: (C, H, W) -> (C, H, W), into a new tensor (x is usually needed again as a residual;
    /// copying it first and normalising in place would cost one more pass over memory).
    public func callAsFunction(_ x: Tensor, swish: Bool) -> Tensor {
        precondition(x.shape[0] == channels, "GroupNorm(\(channels)) given \(x.shape)")
        let count = x.count, spatial = count / channels
        return Tensor(shape: x.shape, data: [Float](unsafeUninitializedCapacity: count) { y, initialized in
            x.data.withUnsafeBufferPointer { p in
                Kernels.groupNorm(input: p.baseAddress!, output: y.baseAddress!, channels: channels, spatial: spatial,
                                  groups: Self.groups, epsilon: Self.epsilon, gamma: gamma, beta: beta, fusedSwish: swish)
            }
            initialized = count
        })
    }

    public func apply(to x: inout Tensor, swish: Bool) {
        precondition(x.shape[0] == channels, "GroupNorm(\(channels)) given \(x.shape)")
        let spatial = x.count / channels
        x.data.withUnsafeMutableBufferPointer { p in
            Kernels.groupNorm(input: p.baseAddress!, output: p.baseAddress!, channels: channels, spatial: spatial,
                              groups: Self.groups, epsilon: Self.epsilon, gamma: gamma, beta: beta, fusedSwish: swish)
        }
    }
}

extension Tensor {
    /// self += other, element by element.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "adding \(other.shape) to \(shape)")
        let n = count
        data.withUnsafeMutableBufferPointer { p in
            Kernels.add(p.baseAddress!, other.data, count: n)
        }
    }
}
