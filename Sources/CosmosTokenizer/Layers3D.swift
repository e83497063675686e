import Core
import Layers

// The building blocks of the Cosmos DV tokenizer. Activations are frame-major clips
// (T, C, H, W), so that one frame's (C, H, W) is contiguous: the (1,3,3) convolutions, the
// per-frame norms and the spatial attention all run on whole frames through the 2-D kernels,
// and the (3,1,1) convolutions read kt consecutive frames as one GEMM operand.

extension Tensor {
    var frames: Int { shape[0] }
    var channels: Int { shape[1] }
    var height: Int { shape[2] }
    var width: Int { shape[3] }
    var plane: Int { shape[2] * shape[3] }
    var frameCount: Int { shape[1] * shape[2] * shape[3] }

    /// A clip of uninitialised floats that `fill` writes completely.
    static func clip(_ shape: [Int], _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(buffer.baseAddress!)
            initialized = count
        })
    }
}

/// A `CausalConv3d` whose kernel is (1, k, k): the layer library's `Conv2d` run on every frame,
/// with zero padding `padding` on all four sides (Winograd for 3x3 layers big enough to gain
/// from it). Also the (1,1,1) pointwise layers (k = 1) and the strided ones, whose weights are
/// packed for the micro-kernel. Checkpoint key: `<name>.conv3d.{weight,bias}`.
struct SpatialConv {
    let conv: Conv2d

    /// `frameSize`: the square frame size the layer will mostly see; it picks the algorithm
    /// whose weights are prepared (any size still runs).
    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int, frameSize: Int?) {
        let conv3d = scope.child("conv3d")
        let weight = conv3d("weight", shape: [outChannels, inChannels, 1, kernel, kernel])
        conv = Conv2d(oihw: weight.data, bias: conv3d("bias", shape: [outChannels]).data, inChannels: inChannels,
                      outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, inputSize: frameSize,
                      packedWeights: true)
    }

    /// Several (1,1,1) convolutions of one input as one: their outputs stacked along the
    /// channels, in the order of `scopes` (each `<name>.conv3d.*`, `channels` -> `channels`).
    init(stacking scopes: [ParameterScope], channels: Int) {
        var weight: [Float] = [], bias: [Float] = []
        for scope in scopes {
            let conv3d = scope.child("conv3d")
            weight += conv3d("weight", shape: [channels, channels, 1, 1, 1]).data
            bias += conv3d("bias", shape: [channels]).data
        }
        conv = Conv2d(oihw: weight, bias: bias, inChannels: channels, outChannels: scopes.count * channels, kernel: 1,
                      padding: 0, inputSize: nil, packedWeights: true)
    }

    /// x: (T, in, H, W) -> (T, out, Ho, Wo), plus `residual` when given.
    /// Hand a residual nobody else holds in with `consume` (or as a temporary), and the output
    /// is written into its buffer instead of a copy of it.
    func callAsFunction(_ x: Tensor, adding residual: consuming Tensor? = nil) -> Tensor {
        precondition(x.channels == conv.inChannels, "conv \(conv.inChannels)->\(conv.outChannels) given \(x.shape)")
        let g = conv.geometry(height: x.height, width: x.width)
        let shape = [x.frames, conv.outChannels, g.outHeight, g.outWidth]
        let (frameIn, frameOut) = (x.frameCount, g.outputCount)
        func run(into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
            x.data.withUnsafeBufferPointer { xp in
                for t in 0..<x.frames {
                    conv.run(g, xp.baseAddress! + t * frameIn, into: y + t * frameOut, accumulate: accumulate)
                }
            }
        }
        guard var y = residual.take() else {
            // Every algorithm writes every output element: no zero fill first.
            return Tensor.clip(shape) { run(into: $0, accumulate: false) }
        }
        precondition(y.shape == shape, "adding \(y.shape) to \(g)")
        y.data.withUnsafeMutableBufferPointer { run(into: $0.baseAddress!, accumulate: true) }
        return y
    }
}

/// A `CausalConv3d` whose kernel is (kt, 1, 1): first-frame replication in front, then a
/// convolution along time (see `Kernels.causalTemporalConvPacked`). Key: `<name>.conv3d.*`.
struct TemporalConv {
    let inChannels: Int
    let outChannels: Int
    let kernel: Int
    let stride: Int
    /// (out, kt, in), packed for the micro-kernel.
    let weights: PackedTemporalWeights
    let bias: [Float]

    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, kernel: Int = 3, stride: Int = 1) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        let conv = scope.child("conv3d")
        let torchWeight = conv("weight", shape: [outChannels, inChannels, kernel, 1, 1])
        let weight = Kernels.temporalWeightFromOITHW(torchWeight.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
        weights = PackedTemporalWeights(weight, outChannels: outChannels, inChannels: inChannels, kernel: kernel, stride: stride)
        bias = conv("bias", shape: [outChannels]).data
    }

    /// x: (T, in, H, W) -> (To, out, H, W), plus `residual` (added while the output is written).
    func callAsFunction(_ x: Tensor, adding residual: Tensor? = nil) -> Tensor {
        precondition(x.channels == inChannels, "temporal conv \(inChannels)->\(outChannels) given \(x.shape)")
        let g = CausalTemporalGeometry(inChannels: inChannels, outChannels: outChannels, frames: x.frames, plane: x.plane,
                                       kernel: kernel, stride: stride)
        let shape = [g.outFrames, outChannels, x.height, x.width]
        if let residual { precondition(residual.shape == shape, "adding \(residual.shape) to \(g)") }
        return Tensor.clip(shape) { y in
            x.data.withUnsafeBufferPointer { xp in
                guard let residual else {
                    return Kernels.causalTemporalConvPacked(g, input: xp.baseAddress!, weights: weights, bias: bias, output: y)
                }
                residual.data.withUnsafeBufferPointer {
                    Kernels.causalTemporalConvPacked(g, input: xp.baseAddress!, weights: weights, bias: bias, output: y,
                                                     adding: $0.baseAddress!)
                }
            }
        }
    }
}

/// The factorized 3-D convolution: (1,3,3) then (3,1,1), nothing between (keys `.0`, `.1`).
struct FactorizedConv {
    let spatial: SpatialConv
    let temporal: TemporalConv

    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, frameSize: Int?) {
        spatial = SpatialConv(scope.child(0), inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1, frameSize: frameSize)
        temporal = TemporalConv(scope.child(1), inChannels: outChannels, outChannels: outChannels)
    }

    func callAsFunction(_ x: Tensor, adding residual: Tensor? = nil) -> Tensor { temporal(spatial(x), adding: residual) }
}

/// GroupNorm with one group (eps 1e-6) applied to each frame on its own: mean and variance
/// over one frame's (C, H, W). Key: `<name>.norm.{weight,bias}`.
struct FrameNorm {
    static let epsilon: Float = 1e-6
    let channels: Int
    let gamma: [Float]
    let beta: [Float]

    init(_ scope: ParameterScope, channels: Int) {
        self.channels = channels
        gamma = scope.child("norm")("weight", shape: [channels]).data
        beta = scope.child("norm")("bias", shape: [channels]).data
    }

    /// A new clip (x is usually needed again as a residual).
    func callAsFunction(_ x: Tensor, swish: Bool) -> Tensor {
        precondition(x.channels == channels, "GroupNorm(\(channels)) given \(x.shape)")
        let (frame, plane) = (x.frameCount, x.plane)
        return Tensor.clip(x.shape) { y in
            x.data.withUnsafeBufferPointer { xp in
                // One frame at a time, each split over the threads by the kernel (frames in
                // parallel would leave a thread idle for the third of 3 latent frames).
                for t in 0..<x.frames {
                    Kernels.groupNorm(input: xp.baseAddress! + t * frame, output: y + t * frame, channels: channels,
                                      spatial: plane, groups: 1, epsilon: Self.epsilon, gamma: gamma, beta: beta,
                                      fusedSwish: swish)
                }
            }
        }
    }
}

/// norm1 -> swish -> conv1 -> norm2 -> swish -> conv2, plus the input (through the 1x1x1
/// `nin_shortcut` when the channel count changes). Dropout is 0 and left out.
struct ResBlock3D {
    let norm1: FrameNorm
    let conv1: FactorizedConv
    let norm2: FrameNorm
    let conv2: FactorizedConv
    let ninShortcut: SpatialConv?

    init(_ scope: ParameterScope, inChannels: Int, outChannels: Int, frameSize: Int?) {
        norm1 = FrameNorm(scope.child("norm1"), channels: inChannels)
        conv1 = FactorizedConv(scope.child("conv1"), inChannels: inChannels, outChannels: outChannels, frameSize: frameSize)
        norm2 = FrameNorm(scope.child("norm2"), channels: outChannels)
        conv2 = FactorizedConv(scope.child("conv2"), inChannels: outChannels, outChannels: outChannels, frameSize: frameSize)
        ninShortcut = inChannels == outChannels ? nil
            : SpatialConv(scope.child("nin_shortcut"), inChannels: inChannels, outChannels: outChannels, kernel: 1, padding: 0, frameSize: nil)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = conv1(norm1(x, swish: true))
        if let ninShortcut { return ninShortcut(x, adding: conv2(norm2(h, swish: true))) }
        return conv2(norm2(h, swish: true), adding: x)
    }
}

/// Single-head self-attention with a residual: q, k, v and proj_out are 1x1x1 convolutions of
/// the per-frame-normalised input. `.spatial`: the H*W positions of each frame attend to one
/// another. `.temporal`: at each position, frame i attends to frames 0 ... i.
struct AttentionBlock {
    enum Kind { case spatial, temporal }
    let kind: Kind
    let channels: Int
    let norm: FrameNorm
    /// q, k and v (keys `q`, `k`, `v`) stacked into one convolution of 3C outputs: one product
    /// that reads the normalised input once (on AMX tiles, splits it into bf16 parts once).
    let qkv: SpatialConv
    let projOut: SpatialConv

    init(_ scope: ParameterScope, channels: Int, kind: Kind) {
        self.kind = kind
        self.channels = channels
        norm = FrameNorm(scope.child("norm"), channels: channels)
        qkv = SpatialConv(stacking: ["q", "k", "v"].map { scope.child($0) }, channels: channels)
        projOut = SpatialConv(scope.child("proj_out"), inChannels: channels, outChannels: channels, kernel: 1, padding: 0, frameSize: nil)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        // Frame t of `stacked` is q, k, v of frame t one after another: (3, C, H*W).
        let stacked = qkv(norm(x, swish: false))
        let scale = 1 / Float(channels).squareRoot()
        let (frame, n) = (x.frameCount, x.plane)
        let attended = Tensor.clip(x.shape) { out in
            stacked.data.withUnsafeBufferPointer { p in
                let (q, k, v) = (p.baseAddress!, p.baseAddress! + frame, p.baseAddress! + 2 * frame)
                switch kind {
                case .spatial:
                    var scores = [Float](repeating: 0, count: n * n)
                    scores.withUnsafeMutableBufferPointer { s in
                        for t in 0..<x.frames {
                            let offset = 3 * t * frame
                            Kernels.attention(q: q + offset, k: k + offset, v: v + offset, channels: channels, positions: n,
                                              scale: scale, scores: s.baseAddress!, output: out + t * frame)
                        }
                    }
                case .temporal:
                    Kernels.causalTemporalAttention(q: q, k: k, v: v, frames: x.frames, channels: channels, positions: n,
                                                    scale: scale, inputFrameStride: 3 * frame, output: out)
                }
            }
        }
        return projOut(attended, adding: x)
    }
}

/// The encoder's hybrid downsampler (keys conv1 (1,3,3)/2, conv2 (3,1,1)/2, conv3 (1,1,1)).
/// Space: one zero row and column at the bottom and right, conv1 plus a 2x2 average pool.
/// Time: one more first-frame copy in front, conv2 plus the mean of frame pairs. Then conv3.
/// A level that halves neither is the identity (its weights are loaded but never used).
struct Downsample {
    let halvesSpace: Bool
    let halvesTime: Bool
    let conv1: SpatialConv
    let conv2: TemporalConv
    let conv3: SpatialConv

    init(_ scope: ParameterScope, channels: Int, halvesSpace: Bool, halvesTime: Bool) {
        self.halvesSpace = halvesSpace
        self.halvesTime = halvesTime
        conv1 = SpatialConv(scope.child("conv1"), inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: 0, frameSize: nil)
        conv2 = TemporalConv(scope.child("conv2"), inChannels: channels, outChannels: channels, stride: 2)
        conv3 = SpatialConv(scope.child("conv3"), inChannels: channels, outChannels: channels, kernel: 1, padding: 0, frameSize: nil)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        guard halvesSpace || halvesTime else { return x }
        var x = x
        if halvesSpace {
            let (h, w) = (x.height, x.width)
            let planes = x.frames * x.channels, source = x
            var padded = Tensor.clip([x.frames, x.channels, h + 1, w + 1]) { _ in }
            let pooled = Tensor.clip([x.frames, x.channels, h / 2, w / 2]) { pool in
                source.data.withUnsafeBufferPointer { xp in
                    padded.data.withUnsafeMutableBufferPointer { pp in
                        let (input, pad) = (xp.baseAddress!, pp.baseAddress!)
                        Kernels.parallelFor(planes) { range in
                            for plane in range {
                                let from = input + plane * h * w
                                for row in 0..<h {
                                    let target = pad + (plane * (h + 1) + row) * (w + 1)
                                    target.update(from: from + row * w, count: w)
                                    target[w] = 0
                                }
                                (pad + (plane * (h + 1) + h) * (w + 1)).update(repeating: 0, count: w + 1)
                                for row in 0..<(h / 2) {
                                    let top = from + 2 * row * w, target = pool + (plane * (h / 2) + row) * (w / 2)
                                    for column in 0..<(w / 2) {
                                        let i = 2 * column
                                        target[column] = (top[i] + top[i + 1] + top[i + w] + top[i + w + 1]) * 0.25
                                    }
                                }
                            }
                        }
                    }
                }
            }
            x = conv1(padded, adding: pooled)
        }
        if halvesTime {
            let frame = x.frameCount
            let extended = Tensor(shape: [x.frames + 1] + Array(x.shape.dropFirst()), data: Array(x.data[0..<frame]) + x.data)
            var y = conv2(extended)
            // Mean of pairs (0,1), (2,3), ... of the extended clip.
            for t in 0..<y.frames {
                for i in 0..<frame {
                    y.data[t * frame + i] += (extended.data[2 * t * frame + i] + extended.data[(2 * t + 1) * frame + i]) * 0.5
                }
            }
            x = y
        }
        return conv3(x)
    }
}

/// The decoder's hybrid upsampler (keys conv1 (3,1,1), conv2 (1,3,3), conv3 (1,1,1)).
/// Time: every frame twice but the first once (T -> 2T - 1), then conv1 plus its input.
/// Space: nearest-neighbour 2x, then conv2 plus its input. Then conv3. A level that doubles
/// neither is the identity.
struct Upsample {
    let doublesSpace: Bool
    let doublesTime: Bool
    let conv1: TemporalConv
    let conv2: SpatialConv
    let conv3: SpatialConv

    init(_ scope: ParameterScope, channels: Int, doublesSpace: Bool, doublesTime: Bool, frameSize: Int?) {
        self.doublesSpace = doublesSpace
        self.doublesTime = doublesTime
        conv1 = TemporalConv(scope.child("conv1"), inChannels: channels, outChannels: channels)
        conv2 = SpatialConv(scope.child("conv2"), inChannels: channels, outChannels: channels, kernel: 3, padding: 1,
                            frameSize: frameSize.map { 2 * $0 })
        conv3 = SpatialConv(scope.child("conv3"), inChannels: channels, outChannels: channels, kernel: 1, padding: 0, frameSize: nil)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        guard doublesSpace || doublesTime else { return x }
        var x = x
        if doublesTime {
            if x.frames > 1 {
                let frame = x.frameCount
                var data = Array(x.data[0..<frame])
                data.reserveCapacity((2 * x.frames - 1) * frame)
                for t in 1..<x.frames {
                    let slice = x.data[(t * frame)..<((t + 1) * frame)]
                    data += slice
                    data += slice
                }
                x = Tensor(shape: [2 * x.frames - 1] + Array(x.shape.dropFirst()), data: data)
            }
            x = conv1(x, adding: x)
        }
        if doublesSpace {
            let (h, w) = (x.height, x.width)
            let planes = x.frames * x.channels
            let source = x
            let big = Tensor.clip([x.frames, x.channels, 2 * h, 2 * w]) { y in
                source.data.withUnsafeBufferPointer { s in
                    Kernels.parallelFor(planes) { range in
                        for plane in range {
                            for row in 0..<(2 * h) {
                                let input = s.baseAddress! + (plane * h + row / 2) * w
                                let output = y + (plane * 2 * h + row) * 2 * w
                                for column in 0..<(2 * w) { output[column] = input[column / 2] }
                            }
                        }
                    }
                }
            }
            x = conv2(big, adding: big)
        }
        return conv3(x)
    }
}
