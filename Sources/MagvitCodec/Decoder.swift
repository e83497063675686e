import Core
import Layers

/// Latent code (z, 16, 16) of +-1 -> image (3, 256, 256), roughly in [-1, 1].
struct Decoder {
    /// 3x3 conv to 4C channels, then depth-to-space with block 2: (C, H, W) -> (C, 2H, 2W).
    struct Upsample {
        let conv1: Conv2d

        func callAsFunction(_ x: Tensor) -> Tensor {
            let y = conv1(x)
            let (c, h, w) = (y.shape[0] / 4, y.shape[1], y.shape[2])
            return Tensor(shape: [c, 2 * h, 2 * w], data: [Float](unsafeUninitializedCapacity: y.count) { p, initialized in
                Kernels.depthToSpace2(input: y.data, output: p.baseAddress!, channels: c, height: h, width: w)
                initialized = y.count
            })
        }
    }

    struct Level {
        let blocks: [ResBlock]
        /// Every level but level 0.
        let upsample: Upsample?
    }

    let convIn: Conv2d
    let midBlocks: [ResBlock]
    /// Indexed like the checkpoint (`up.0` is the full-resolution level) and run last to first.
    let up: [Level]
    let normOut: GroupNorm
    let convOut: Conv2d

    /// `scope` is the decoder's ("decoder."); `imageSize` the output's (picks conv algorithms).
    init(_ scope: ParameterScope, config c: CodecConfig, imageSize: Int) {
        var channels = c.baseChannels * c.channelMultipliers[c.channelMultipliers.count - 1]
        var size = imageSize / c.downsamplingFactor
        convIn = Conv2d(scope.child("conv_in"), inChannels: c.zChannels, outChannels: channels, kernel: 3, padding: 1,
                        bias: true, inputSize: size)
        midBlocks = (0..<c.blocksPerLevel).map {
            ResBlock(scope.child("mid_block").child($0), inChannels: channels, outChannels: channels, size: size)
        }
        var levels: [Level?] = Array(repeating: nil, count: c.channelMultipliers.count)
        for i in c.channelMultipliers.indices.reversed() {
            let scope = scope.child("up").child(i)
            var blocks: [ResBlock] = []
            for j in 0..<c.blocksPerLevel {
                let out = c.baseChannels * c.channelMultipliers[i]
                blocks.append(ResBlock(scope.child("block").child(j), inChannels: channels, outChannels: out, size: size))
                channels = out
            }
            let upsample = i == 0 ? nil : Upsample(conv1: Conv2d(
                scope.child("upsample").child("conv1"), inChannels: channels, outChannels: 4 * channels,
                kernel: 3, padding: 1, bias: true, inputSize: size))
            if i != 0 { size *= 2 }
            levels[i] = Level(blocks: blocks, upsample: upsample)
        }
        up = levels.map { $0! }
        normOut = GroupNorm(scope.child("norm_out"), channels: channels)
        convOut = Conv2d(scope.child("conv_out"), inChannels: channels, outChannels: c.imageChannels, kernel: 3, padding: 1,
                         bias: true, inputSize: size)
    }

    /// code: (z, h, w) -> (3, h * 2^(levels-1), w * 2^(levels-1))
    func callAsFunction(_ code: Tensor) -> Tensor {
        var x = convIn(code)
        for block in midBlocks { x = block(consume x) }
        for level in up.reversed() {
            for block in level.blocks { x = block(consume x) }
            if let upsample = level.upsample { x = upsample(x) }
        }
        return convOut(normOut(x, swish: true))
    }
}

extension Decoder {
    /// 2 x multiply-adds of every convolution in one decode, following `callAsFunction`.
    static func convolutionFLOPs(config c: CodecConfig, imageSize: Int) -> Double {
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ size: Int) -> Double { 2 * Double(cin * cout * k * k * size * size) }
        func block(_ cin: Int, _ cout: Int, _ size: Int) -> Double {
            conv(cin, cout, 3, size) + conv(cout, cout, 3, size) + (cin == cout ? 0 : conv(cin, cout, 1, size))
        }
        var size = imageSize / c.downsamplingFactor
        var channels = c.baseChannels * c.channelMultipliers[c.channelMultipliers.count - 1]
        var total = conv(c.zChannels, channels, 3, size)
        total += Double(c.blocksPerLevel) * block(channels, channels, size)
        for i in c.channelMultipliers.indices.reversed() {
            for _ in 0..<c.blocksPerLevel {
                let out = c.baseChannels * c.channelMultipliers[i]
                total += block(channels, out, size)
                channels = out
            }
            if i != 0 {
                total += conv(channels, 4 * channels, 3, size)
                size *= 2
            }
        }
        return total + conv(channels, c.imageChannels, 3, size)
    }
}
