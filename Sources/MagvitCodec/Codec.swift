import Foundation
import Core
import Checkpoints
import Layers

/// The MAGVIT2 tokenizer: 256x256 RGB frames <-> 16x16 grids of 18-bit tokens.
///
/// Load only the half you need (`parts`): decoding never reads encoder weights and vice versa.
public final class Codec {
    /// Which copy of the weights to use. The reference decoding path ends up with the plain
    /// `encoder.*`/`decoder.*` weights, so that is the default; `.ema` reads the EMA shadow
    /// copy, stored as `model_ema.<name without dots>`.
    public enum WeightSet: Sendable, Equatable {
        case plain, ema

        public func checkpointKey(_ name: String) -> String {
            switch self {
            case .plain: return name
            case .ema: return Codec.emaKey(name)
            }
        }
    }

    public enum Part: String, Sendable, Hashable, CustomStringConvertible {
        case encoder, decoder
        public var description: String { rawValue }
    }

    public static let imageSize = 256

    public let config: CodecConfig
    public let weightSet: WeightSet
    let encoder: Encoder?
    let decoder: Decoder?

    public convenience init(path: String, weights: WeightSet = .plain, parts: Set<Part> = [.encoder, .decoder]) throws {
        try self.init(store: Checkpoint.open(path: path), weights: weights, parts: parts)
    }

    public convenience init(store: TensorStore, weights: WeightSet = .plain, parts: Set<Part> = [.encoder, .decoder]) throws {
        let config = try CodecConfig(inferringFrom: store, key: weights.checkpointKey)
        let loader = WeightLoader(store: store, keyMapping: weights.checkpointKey)
        self.init(config: config, weightSet: weights, parts: parts, scope: ParameterScope(loader))
        // Every stored weight of a loaded part must have been asked for: a leftover means the
        // file's architecture differs from the inferred one.
        // ("encoder." plain, "model_ema.encoder" for the EMA copy.)
        let prefixes = parts.map { weights.checkpointKey($0.rawValue + ".") }
        try loader.finish(expectingAllUnder: prefixes)
    }

    init(config: CodecConfig, weightSet: WeightSet, parts: Set<Part>, scope: ParameterScope) {
        self.config = config
        self.weightSet = weightSet
        encoder = parts.contains(.encoder) ? Encoder(scope.child("encoder"), config: config, imageSize: Self.imageSize) : nil
        decoder = parts.contains(.decoder) ? Decoder(scope.child("decoder"), config: config, imageSize: Self.imageSize) : nil
    }

    /// Multiply-adds x 2 of the convolutions (everything else is noise) to encode or decode
    /// one frame, counted from the layer shapes.
    public func flopsPerFrame(_ part: Part) -> Double {
        switch part {
        case .encoder: return Encoder.convolutionFLOPs(config: config, imageSize: Self.imageSize)
        case .decoder: return Decoder.convolutionFLOPs(config: config, imageSize: Self.imageSize)
        }
    }

    /// Tokens per frame on each axis (16).
    public var tokenGridSize: Int { Self.imageSize / config.downsamplingFactor }

    /// Frames (each 256x256) -> latents (N, z, 16, 16) and tokens (N x 256, row-major).
    public func encode(images: [RGBImage]) throws -> (latents: Tensor, tokens: [[UInt32]]) {
        guard let encoder else { throw CodecError.partNotLoaded(.encoder) }
        for (i, image) in images.enumerated() where image.width != Self.imageSize || image.height != Self.imageSize {
            throw CodecError.wrongImageSize(index: i, width: image.width, height: image.height, expected: Self.imageSize)
        }
        let positions = tokenGridSize * tokenGridSize
        var latents = [Float]()
        latents.reserveCapacity(images.count * config.zChannels * positions)
        var tokens: [[UInt32]] = []
        for image in images {
            let latent = encoder(Self.pixelsIn(image))
            latents += latent.data
            tokens.append(latent.data.withUnsafeBufferPointer {
                LFQ.tokens(latent: $0, bits: config.zChannels, positions: positions)
            })
        }
        return (Tensor(shape: [images.count, config.zChannels, tokenGridSize, tokenGridSize], data: latents), tokens)
    }

    /// Tokens (N x 256) -> images (N, 3, 256, 256) in about [-1, 1], not clamped.
    public func decode(tokens: [[UInt32]]) throws -> Tensor {
        try check(tokens)
        let size = Self.imageSize
        var out = [Float]()
        out.reserveCapacity(tokens.count * 3 * size * size)
        for frame in tokens { out += try decodeFrame(frame).data }
        return Tensor(shape: [tokens.count, config.imageChannels, size, size], data: out)
    }

    /// Tokens (N x 256) -> 8-bit frames.
    public func decodeImages(tokens: [[UInt32]]) throws -> [RGBImage] {
        try check(tokens)
        return try tokens.map { Self.pixelsOut(try decodeFrame($0)) }
    }

    func decodeFrame(_ frame: [UInt32]) throws -> Tensor {
        guard let decoder else { throw CodecError.partNotLoaded(.decoder) }
        let code = Tensor(shape: [config.zChannels, tokenGridSize, tokenGridSize],
                          data: LFQ.code(tokens: frame, bits: config.zChannels))
        return decoder(code)
    }

    func check(_ tokens: [[UInt32]]) throws {
        let grid = tokenGridSize
        let limit = UInt32(1) << UInt32(config.zChannels)
        for (f, frame) in tokens.enumerated() {
            guard frame.count == grid * grid else {
                throw CodecError.wrongTokenCount(frame: f, count: frame.count, expected: grid * grid)
            }
            if let p = frame.firstIndex(where: { $0 >= limit }) {
                throw CodecError.tokenOutOfRange(value: frame[p], frame: f, row: p / grid, column: p % grid, limit: limit)
            }
        }
    }

    /// rgb24 -> (3, H, W) with x = u8 / 127.5 - 1.
    static func pixelsIn(_ image: RGBImage) -> Tensor {
        let plane = image.width * image.height
        var data = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<plane {
                for c in 0..<3 { data[c * plane + i] = Float(px[3 * i + c]) / 127.5 - 1 }
            }
        }
        return Tensor(shape: [3, image.height, image.width], data: data)
    }

    /// (3, H, W) -> rgb24 with u8 = clamp((y + 1) * 127.5, 0, 255), truncated toward zero.
    static func pixelsOut(_ y: Tensor) -> RGBImage {
        let (h, w) = (y.shape[1], y.shape[2])
        let plane = h * w
        var pixels = [UInt8](repeating: 0, count: 3 * plane)
        y.data.withUnsafeBufferPointer { v in
            for i in 0..<plane {
                for c in 0..<3 {
                    let scaled = (v[c * plane + i] + 1) * 127.5
                    // Written so that NaN lands on 0 rather than trapping.
                    pixels[3 * i + c] = scaled > 0 ? UInt8(min(scaled, 255)) : 0
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }
}
