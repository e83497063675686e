import Core
import Layers

/// The mid block of both halves: ResBlock, spatial attention, causal temporal attention, ResBlock.
struct MidBlock {
    let block1: ResBlock3D
    let spatialAttention: AttentionBlock
    let temporalAttention: AttentionBlock
    let block2: ResBlock3D

    init(_ scope: ParameterScope, channels: Int, frameSize: Int?) {
        block1 = ResBlock3D(scope.child("block_1"), inChannels: channels, outChannels: channels, frameSize: frameSize)
        spatialAttention = AttentionBlock(scope.child("attn_1").child(0), channels: channels, kind: .spatial)
        temporalAttention = AttentionBlock(scope.child("attn_1").child(1), channels: channels, kind: .temporal)
        block2 = ResBlock3D(scope.child("block_2"), inChannels: channels, outChannels: channels, frameSize: frameSize)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        block2(temporalAttention(spatialAttention(block1(x))))
    }
}

/// Haar patcher: 3 copies of the first frame in front (T = 1 + 8k -> 4 + 8k), then two 3-D
/// Haar levels: (T, 3, H, W) -> ((T + 3) / 4, 192, H / 4, W / 4), channel s2 * 24 + s1 * 3 + rgb.
func haarPatch(_ x: Tensor) -> Tensor {
    let (t, c, h, w) = (x.frames + 3, x.channels, x.height, x.width)
    let once = Tensor.clip([t / 2, 8 * c, h / 2, w / 2]) { y in
        Kernels.haarForward(input: x.data, output: y, frames: t, channels: c, height: h, width: w, leadingCopies: 3)
    }
    return Tensor.clip([t / 4, 64 * c, h / 4, w / 4]) { y in
        Kernels.haarForward(input: once.data, output: y, frames: t / 2, channels: 8 * c, height: h / 2, width: w / 2)
    }
}

/// The inverse: (t, 192, h, w) -> (4t - 3, 3, 4h, 4w), the 3 leading frames dropped.
func haarUnpatch(_ x: Tensor) -> Tensor {
    let (t, c, h, w) = (x.frames, x.channels / 64, x.height, x.width)
    let once = Tensor.clip([2 * t, 8 * c, 2 * h, 2 * w]) { y in
        Kernels.haarInverse(input: x.data, output: y, frames: t, channels: 8 * c, height: h, width: w)
    }
    return Tensor.clip([4 * t - 3, c, 4 * h, 4 * w]) { y in
        Kernels.haarInverse(input: once.data, output: y, frames: 2 * t, channels: c, height: 2 * h, width: 2 * w, droppingLeading: 3)
    }
}

/// encoder + quant_conv: a clip (T, 3, H, W) in [-1, 1] -> the FSQ input (1 + (T-1)/8, 6, H/8, W/8).
struct CosmosEncoder {
    let convIn: FactorizedConv
    let levels: [(blocks: [ResBlock3D], downsample: Downsample?)]
    let mid: MidBlock
    let normOut: FrameNorm
    let convOut: FactorizedConv
    let quantConv: SpatialConv

    /// `imageSize`: the frame size the model will mostly see (picks conv algorithms).
    init(_ scope: ParameterScope, config: CosmosConfig, imageSize: Int?) {
        let encoder = scope.child("encoder")
        var size = imageSize.map { $0 / CosmosConfig.patchSize }
        convIn = FactorizedConv(encoder.child("conv_in"), inChannels: CosmosConfig.patchedChannels, outChannels: config.channels, frameSize: size)
        var width = config.channels
        var levels: [(blocks: [ResBlock3D], downsample: Downsample?)] = []
        for i in 0..<config.levelCount {
            let level = encoder.child("down").child(i)
            var blocks: [ResBlock3D] = []
            for j in 0..<config.resBlocks {
                blocks.append(ResBlock3D(level.child("block").child(j), inChannels: width, outChannels: config.levelChannels[i], frameSize: size))
                width = config.levelChannels[i]
            }
            var downsample: Downsample?
            if i < config.levelCount - 1 {
                let space = i < config.spatialLevels, time = i < config.temporalLevels
                downsample = Downsample(level.child("downsample"), channels: width, halvesSpace: space, halvesTime: time)
                if space { size = size.map { $0 / 2 } }
            }
            levels.append((blocks, downsample))
        }
        self.levels = levels
        mid = MidBlock(encoder.child("mid"), channels: width, frameSize: size)
        normOut = FrameNorm(encoder.child("norm_out"), channels: width)
        convOut = FactorizedConv(encoder.child("conv_out"), inChannels: width, outChannels: config.zChannels, frameSize: size)
        quantConv = SpatialConv(scope.child("quant_conv"), inChannels: config.zChannels, outChannels: config.embeddingDimensions,
                                kernel: 1, padding: 0, frameSize: nil)
    }

    func callAsFunction(_ clip: Tensor) -> Tensor {
        var h = convIn(haarPatch(clip))
        for level in levels {
            for block in level.blocks { h = block(h) }
            if let downsample = level.downsample { h = downsample(h) }
        }
        h = mid(h)
        return quantConv(convOut(normOut(h, swish: true)))
    }
}

/// post_quant_conv + decoder: FSQ codes (t, 6, h, w) -> a clip (4t - 3... i.e. 1 + 8(t-1), 3, 8h, 8w), unclamped.
struct CosmosDecoder {
    let postQuantConv: SpatialConv
    let convIn: FactorizedConv
    let mid: MidBlock
    /// In the order they run: level L-1 first.
    let levels: [(blocks: [ResBlock3D], upsample: Upsample?)]
    let normOut: FrameNorm
    let convOut: FactorizedConv

    init(_ scope: ParameterScope, config: CosmosConfig, imageSize: Int?) {
        let decoder = scope.child("decoder")
        postQuantConv = SpatialConv(scope.child("post_quant_conv"), inChannels: config.embeddingDimensions,
                                    outChannels: config.zChannels, kernel: 1, padding: 0, frameSize: nil)
        var size = imageSize.map { $0 / CosmosConfig.spatialCompression }
        var width = config.levelChannels[config.levelCount - 1]
        convIn = FactorizedConv(decoder.child("conv_in"), inChannels: config.zChannels, outChannels: width, frameSize: size)
        mid = MidBlock(decoder.child("mid"), channels: width, frameSize: size)
        var levels: [(blocks: [ResBlock3D], upsample: Upsample?)] = []
        for i in (0..<config.levelCount).reversed() {
            let level = decoder.child("up").child(i)
            var blocks: [ResBlock3D] = []
            for j in 0...config.resBlocks {
                blocks.append(ResBlock3D(level.child("block").child(j), inChannels: width, outChannels: config.levelChannels[i], frameSize: size))
                width = config.levelChannels[i]
            }
            var upsample: Upsample?
            if i > 0 {
                let r = config.levelCount - 1 - i
                let time = r > 0 && r < config.temporalLevels + 1
                let space = time || (r < config.spatialLevels && config.spatialLevels > config.temporalLevels)
                upsample = Upsample(level.child("upsample"), channels: width, doublesSpace: space, doublesTime: time, frameSize: size)
                if space { size = size.map { 2 * $0 } }
            }
            levels.append((blocks, upsample))
        }
        self.levels = levels
        normOut = FrameNorm(decoder.child("norm_out"), channels: width)
        convOut = FactorizedConv(decoder.child("conv_out"), inChannels: width, outChannels: CosmosConfig.patchedChannels, frameSize: size)
    }

    func callAsFunction(_ codes: Tensor) -> Tensor {
        var h = convIn(postQuantConv(codes))
        h = mid(h)
        for level in levels {
            for block in level.blocks { h = block(h) }
            if let upsample = level.upsample { h = upsample(h) }
        }
        return haarUnpatch(convOut(normOut(h, swish: true)))
    }
}
