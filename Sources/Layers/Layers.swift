import Core

/// A 2-D convolution layer. PyTorch stores its weight as (out, in, k, k); it is repacked once,
/// here, into what the layer's algorithm reads: the kernels' (out, k, k, in) layout, or for
/// stride-1 3x3 layers the Winograd transform of it (16 or 36 x (out, in), packed).
public struct Conv2d {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// The Winograd tile whose transformed matrices `weight` holds, or nil when it holds
    /// (out, k, k, in).
    let winograd: WinogradTile?
    let weight: [Float]
    /// (out), when the layer has one.
    let bias: [Float]?

    /// `inputSize`: the square image size the layer will see, when known at load; it picks
    /// the algorithm whose weights are prepared (any size still runs correctly).
    public init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, kernel: Int,
         stride: Int = 1, padding: Int = 0, bias hasBias: Bool, inputSize: Int? = nil) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let torchWeight = scope("weight", shape: [outChannels, inChannels, kernel, kernel])
        let ohwi = Kernels.ohwiFromOIHW(torchWeight.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
        winograd = inputSize.flatMap {
            Conv2dAlgorithm.preferredWinogradTile(for: Conv2dGeometry(
                inChannels: inChannels, outChannels: outChannels, height: $0, width: $0,
                kernel: kernel, stride: stride, padding: padding))
        }
        weight = winograd.map { Kernels.winogradFilter(ohwi: ohwi, outChannels: outChannels, inChannels: inChannels, tile: $0) } ?? ohwi
        bias = hasBias ? scope("bias", shape: [outChannels]).data : nil
    }

    /// x: (in, H, W) -> (out, Ho, Wo), plus `residual` (out, Ho, Wo) when given; Winograd
    /// layers add it while writing their output instead of in a pass of their own.
    public func callAsFunction(_ x: Tensor, adding residual: consuming Tensor? = nil) -> Tensor {
        let g = Conv2dGeometry(inChannels: inChannels, outChannels: outChannels, height: x.shape[1], width: x.shape[2],
                               kernel: kernel, stride: stride, padding: padding)
        precondition(x.shape[0] == inChannels, "\(g) given \(x.shape)")
        let shape = [outChannels, g.outHeight, g.outWidth]
        if let residual { precondition(residual.shape == shape, "adding \(residual.shape) to \(g)") }
        let accumulate = winograd != nil && residual != nil
        func run(_ y: UnsafeMutablePointer<Float>) {
            x.data.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { w in
                    (bias ?? []).withUnsafeBufferPointer { b in
                        let bp = bias == nil ? nil : b.baseAddress
                        if let winograd {
                            Kernels.conv2dWinograd(g, tile: winograd, input: xp.baseAddress!, transformedWeight: w.baseAddress!,
                                                   bias: bp, output: y, accumulate: accumulate)
                        } else {
                            Kernels.conv2d(g, input: xp.baseAddress!, weight: w.baseAddress!, bias: bp, output: y)
                        }
                    }
                }
            }
        }
        // Taking the residual over (the caller hands it in with `consume`) lets the output
        // overwrite its buffer instead of copying it first.
        if accumulate, var y = residual.take() {
            y.data.withUnsafeMutableBufferPointer { run($0.baseAddress!) }
            return y
        }
        // Every algorithm writes every output element, so the buffer starts uninitialised.
        let count = shape.reduce(1, *)
        var y = Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            run(buffer.baseAddress!)
            initialized = count
        })
        if let residual { y.add(residual) }
        return y
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
