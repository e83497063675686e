import Core
import Layers

/// Image (3, 256, 256) in [-1, 1] -> latent (z, 16, 16).
struct Encoder {
    struct Level {
        let blocks: [ResBlock]
        /// 3x3 stride 2; every level but the last.
        let downsample: Conv2d?
    }

    let convIn: Conv2d
    let down: [Level]
    let midBlocks: [ResBlock]
    let normOut: GroupNorm
    let convOut: Conv2d

    /// `scope` is the encoder's ("encoder."); `imageSize` the input's (picks conv algorithms).
    init(_ scope: ParameterScope, config c: CodecConfig, imageSize: Int) {
        var size = imageSize
        convIn = Conv2d(scope.child("conv_in"), inChannels: c.imageChannels, outChannels: c.baseChannels,
                        kernel: 3, padding: 1, bias: false, inputSize: size)
        var channels = c.baseChannels
        var levels: [Level] = []
        for (i, multiplier) in c.channelMultipliers.enumerated() {
            let scope = scope.child("down").child(i)
            var blocks: [ResBlock] = []
            for j in 0..<c.blocksPerLevel {
                blocks.append(ResBlock(scope.child("block").child(j), inChannels: channels, outChannels: c.baseChannels * multiplier,
                                       size: size))
                channels = c.baseChannels * multiplier
            }
            let isLast = i == c.channelMultipliers.count - 1
            let downsample = isLast ? nil
                : Conv2d(scope.child("downsample"), inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: 1, bias: true)
            if !isLast { size /= 2 }
            levels.append(Level(blocks: blocks, downsample: downsample))
        }
        down = levels
        midBlocks = (0..<c.blocksPerLevel).map {
            ResBlock(scope.child("mid_block").child($0), inChannels: channels, outChannels: channels, size: size)
        }
        normOut = GroupNorm(scope.child("norm_out"), channels: channels)
        convOut = Conv2d(scope.child("conv_out"), inChannels: channels, outChannels: c.zChannels, kernel: 1, bias: true)
    }

    /// x: (3, H, W) -> (z, H / 2^(levels-1), W / 2^(levels-1))
    func callAsFunction(_ image: Tensor) -> Tensor {
        var x = convIn(image)
        for level in down {
            for block in level.blocks { x = block(consume x) }
            if let downsample = level.downsample { x = downsample(x) }
        }
        for block in midBlocks { x = block(consume x) }
        return convOut(normOut(x, swish: true))
    }
}

extension Encoder {
    /// 2 x multiply-adds of every convolution in one encode, following `callAsFunction`.
    static func convolutionFLOPs(config c: CodecConfig, imageSize: Int) -> Double {
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ outSize: Int) -> Double { 2 * Double(cin * cout * k * k * outSize * outSize) }
        func block(_ cin: Int, _ cout: Int, _ size: Int) -> Double {
            conv(cin, cout, 3, size) + conv(cout, cout, 3, size) + (cin == cout ? 0 : conv(cin, cout, 1, size))
        }
        var size = imageSize
        var channels = c.baseChannels
        var total = conv(c.imageChannels, channels, 3, size)
        for (i, multiplier) in c.channelMultipliers.enumerated() {
            for _ in 0..<c.blocksPerLevel {
                total += block(channels, c.baseChannels * multiplier, size)
                channels = c.baseChannels * multiplier
            }
            if i != c.channelMultipliers.count - 1 {
                size /= 2
                total += conv(channels, channels, 3, size)
            }
        }
        total += Double(c.blocksPerLevel) * block(channels, channels, size)
        return total + conv(channels, c.zChannels, 1, size)
    }
}
