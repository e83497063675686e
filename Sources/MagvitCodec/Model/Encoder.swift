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

    /// `scope` is the encoder's ("encoder.").
    init(_ scope: ParameterScope, config c: CodecConfig) {
        convIn = Conv2d(scope.child("conv_in"), inChannels: c.imageChannels, outChannels: c.baseChannels,
                        kernel: 3, padding: 1, bias: false)
        var channels = c.baseChannels
        var levels: [Level] = []
        for (i, multiplier) in c.channelMultipliers.enumerated() {
            let scope = scope.child("down").child(i)
            var blocks: [ResBlock] = []
            for j in 0..<c.blocksPerLevel {
                blocks.append(ResBlock(scope.child("block").child(j), inChannels: channels, outChannels: c.baseChannels * multiplier))
                channels = c.baseChannels * multiplier
            }
            let isLast = i == c.channelMultipliers.count - 1
            let downsample = isLast ? nil
                : Conv2d(scope.child("downsample"), inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: 1, bias: true)
            levels.append(Level(blocks: blocks, downsample: downsample))
        }
        down = levels
        midBlocks = (0..<c.blocksPerLevel).map {
            ResBlock(scope.child("mid_block").child($0), inChannels: channels, outChannels: channels)
        }
        normOut = GroupNorm(scope.child("norm_out"), channels: channels)
        convOut = Conv2d(scope.child("conv_out"), inChannels: channels, outChannels: c.zChannels, kernel: 1, bias: true)
    }

    /// x: (3, H, W) -> (z, H / 2^(levels-1), W / 2^(levels-1))
    func callAsFunction(_ image: Tensor) -> Tensor {
        var x = convIn(image)
        for level in down {
            for block in level.blocks { x = block(x) }
            if let downsample = level.downsample { x = downsample(x) }
        }
        for block in midBlocks { x = block(x) }
        return convOut(normOut(x, swish: true))
    }
}
