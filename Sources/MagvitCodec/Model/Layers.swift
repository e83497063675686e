/// A 2-D convolution layer. PyTorch stores its weight as (out, in, k, k); it is repacked once,
/// here, into the kernels' (out, k, k, in) layout.
struct Conv2d {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// (out, k, k, in)
    let weight: [Float]
    /// (out), when the layer has one.
    let bias: [Float]?

    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, kernel: Int,
         stride: Int = 1, padding: Int = 0, bias hasBias: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        let torchWeight = scope("weight", shape: [outChannels, inChannels, kernel, kernel])
        weight = Kernels.ohwiFromOIHW(torchWeight.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
        bias = hasBias ? scope("bias", shape: [outChannels]).data : nil
    }

    /// x: (in, H, W) -> (out, Ho, Wo)
    func callAsFunction(_ x: Tensor) -> Tensor {
        let g = Conv2dGeometry(inChannels: inChannels, outChannels: outChannels, height: x.shape[1], width: x.shape[2],
                               kernel: kernel, stride: stride, padding: padding)
        precondition(x.shape[0] == inChannels, "\(g) given \(x.shape)")
        var y = Tensor(zeros: [outChannels, g.outHeight, g.outWidth])
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { yp in
                if let bias {
                    Kernels.conv2d(g, input: xp.baseAddress!, weight: weight, bias: bias, output: yp.baseAddress!)
                } else {
                    Kernels.conv2d(g, input: xp.baseAddress!, weight: weight, bias: nil, output: yp.baseAddress!)
                }
            }
        }
        return y
    }
}

/// GroupNorm with 32 groups and eps 1e-6, as every norm in the codec; optionally followed by
/// swish, which in this model always comes right after a norm.
struct GroupNorm {
    static let groups = 32
    static let epsilon: Float = 1e-6
    let channels: Int
    let gamma: [Float]
    let beta: [Float]

    init(_ scope: ParameterScope, channels: Int) {
        self.channels = channels
        gamma = scope("weight", shape: [channels]).data
        beta = scope("bias", shape: [channels]).data
    }

    /// x: (C, H, W) -> (C, H, W)
    func callAsFunction(_ x: Tensor, swish: Bool) -> Tensor {
        var y = x
        apply(to: &y, swish: swish)
        return y
    }

    func apply(to x: inout Tensor, swish: Bool) {
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
    mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "adding \(other.shape) to \(shape)")
        let n = count
        data.withUnsafeMutableBufferPointer { p in
            Kernels.add(p.baseAddress!, other.data, count: n)
        }
    }
}
