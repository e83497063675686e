import Foundation
import Core
import Checkpoints
import Layers

/// What can go wrong using the Cosmos tokenizer, beyond reading its files (`CheckpointError`).
/// One line, starting with what it is about.
public enum CosmosTokenizerError: Error, CustomStringConvertible, Equatable {
    case partNotLoaded(CosmosTokenizer.Part, path: String)
    case clipTooShort(frames: Int, needed: Int)
    case wrongFrameSize(index: Int, width: Int, height: Int, expected: String)
    case tokenOutOfRange(value: Int32, clip: Int, latentFrame: Int, row: Int, column: Int)
    case wrongTokenCount(count: Int, expected: Int)

    public var description: String {
        switch self {
        case .partNotLoaded(let part, let path):
            return "\(path): no Cosmos \(part) here (give \(part).jit, autoencoder.jit, or a folder holding one)"
        case .clipTooShort(let frames, let needed):
            return "clip of \(frames) frames: the Cosmos DV8x8x8 encoder needs 1 + 8k frames (at least \(needed))"
        case .wrongFrameSize(let index, let width, let height, let expected):
            return "frame \(index) is \(width)x\(height); expected \(expected)"
        case .tokenOutOfRange(let value, let clip, let t, let row, let column):
            return "clip \(clip), latent frame \(t), row \(row), column \(column): code \(value) is outside 0 ..< \(FSQ.codebookSize)"
        case .wrongTokenCount(let count, let expected):
            return "\(count) codes given; a clip needs a multiple of \(expected)"
        }
    }
}

/// NVIDIA's Cosmos DV8x8x8 video tokenizer: 17 RGB frames (1 + 8k in general) <-> 3 (1 + k)
/// latent frames of FSQ codes at 1/8 of the size (32 x 32 for 256 x 256).
///
/// Reads NVIDIA's TorchScript files (`encoder.jit`, `decoder.jit`, or `autoencoder.jit`,
/// bf16 weights upcast to float32) or any checkpoint with the same keys; computes in float32.
public final class CosmosTokenizer {
    public enum Part: String, Sendable, Hashable, CustomStringConvertible {
        case encoder, decoder
        public var description: String { rawValue }
    }

    public static let framesPerClip = 17
    public static let latentFramesPerClip = 3

    public let config: CosmosConfig
    /// The files the weights came from.
    public let paths: [String]
    let encoder: CosmosEncoder?
    let decoder: CosmosDecoder?

    /// The non-persistent buffers NVIDIA's archives carry in their state dict (the Haar
    /// factors, FSQ tables and index ranges). The model computes them exactly instead, so
    /// they are set aside, as NVIDIA's own loading does (`strict=False`).
    public static let nonPersistentBuffers: Set<String> = [
        "encoder.patcher3d.wavelets", "encoder.patcher3d._arange", "encoder.patcher3d.patch_size_buffer",
        "quantizer._levels", "quantizer._basis", "quantizer.implicit_codebook",
        "inv_quant.quantizer._levels", "inv_quant.quantizer._basis", "inv_quant.quantizer.implicit_codebook",
        "decoder.unpatcher3d.wavelets", "decoder.unpatcher3d._arange",
    ]

    /// The files to read for `path`: a `.jit`/checkpoint file, or a folder with `encoder.jit`
    /// and/or `decoder.jit`, or `autoencoder.jit`.
    public static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let folder = URL(fileURLWithPath: path)
        let names = ["encoder.jit", "decoder.jit"].filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
        if !names.isEmpty { return names.map { folder.appendingPathComponent($0).path } }
        return [folder.appendingPathComponent("autoencoder.jit").path]
    }

    /// Whether a tensor store holds a Cosmos tokenizer half (tells it from a MAGVIT2 file).
    public static func isCosmos(_ store: TensorStore) -> Bool {
        store.info("encoder.conv_in.0.conv3d.weight") != nil || store.info("decoder.conv_out.0.conv3d.weight") != nil
            || store.info("quant_conv.conv3d.weight") != nil || store.info("post_quant_conv.conv3d.weight") != nil
    }

    /// Loads the parts asked for from `path` (file or folder; see `files(at:)`).
    /// `imageSize`: the frame size to prepare convolution algorithms for (any size runs).
    public convenience init(path: String, parts: Set<Part> = [.encoder, .decoder], imageSize: Int? = 256) throws {
        let stores = try Self.files(at: path).map { file -> TensorStore in
            guard FileManager.default.fileExists(atPath: file) else { throw CheckpointError(file: file, .missingFile) }
            return try Checkpoint.open(path: file)
        }
        try self.init(stores: stores, parts: parts, imageSize: imageSize)
    }

    public init(stores: [TensorStore], parts: Set<Part> = [.encoder, .decoder], imageSize: Int? = 256) throws {
        func store(for part: Part) throws -> TensorStore {
            let key = part == .encoder ? "encoder.conv_in.0.conv3d.weight" : "decoder.conv_out.0.conv3d.weight"
            if let store = stores.first(where: { $0.info(key) != nil }) { return store }
            let where_ = stores.map(\.path).joined(separator: ", ")
            if let store = stores.first, !Self.isCosmos(store) {
                throw CheckpointError(file: where_, .malformed("not a Cosmos DV tokenizer: no \(key) (is it a MAGVIT2 checkpoint?)"))
            }
            throw CosmosTokenizerError.partNotLoaded(part, path: where_)
        }
        var config: CosmosConfig?
        var encoder: CosmosEncoder?
        var decoder: CosmosDecoder?
        var paths: [String] = []
        for part in [Part.encoder, .decoder] where parts.contains(part) {
            let store = try store(for: part)
            let partConfig = try CosmosConfig(inferringFrom: store)
            let loader = WeightLoader(store: store)
            let scope = ParameterScope(loader)
            switch part {
            case .encoder: encoder = CosmosEncoder(scope, config: partConfig, imageSize: imageSize)
            case .decoder: decoder = CosmosDecoder(scope, config: partConfig, imageSize: imageSize)
            }
            let prefixes = part == .encoder ? ["encoder.", "quant_conv.", "quantizer."] : ["decoder.", "post_quant_conv.", "inv_quant."]
            try loader.finish(expectingAllUnder: prefixes, ignoring: Self.nonPersistentBuffers)
            if config == nil || part == .encoder { config = partConfig }
            if !paths.contains(store.path) { paths.append(store.path) }
        }
        guard let config else { throw CosmosTokenizerError.partNotLoaded(.encoder, path: stores.first?.path ?? "?") }
        self.config = config
        self.paths = paths
        self.encoder = encoder
        self.decoder = decoder
    }

    init(config: CosmosConfig, parts: Set<Part>, scope: ParameterScope, imageSize: Int?, paths: [String]) {
        self.config = config
        self.paths = paths
        encoder = parts.contains(.encoder) ? CosmosEncoder(scope, config: config, imageSize: imageSize) : nil
        decoder = parts.contains(.decoder) ? CosmosDecoder(scope, config: config, imageSize: imageSize) : nil
    }

    public var hasEncoder: Bool { encoder != nil }
    public var hasDecoder: Bool { decoder != nil }

    // MARK: Encoding

    /// One clip of 1 + 8k frames (all the same size, a multiple of 8) -> the pre-quantization
    /// latent (1 + k, 6, H/8, W/8) and its FSQ tokens ((1 + k) x H/8 x W/8, row-major).
    public func encode(clip frames: [RGBImage]) throws -> (latent: Tensor, tokens: [Int32]) {
        guard let encoder else { throw CosmosTokenizerError.partNotLoaded(.encoder, path: paths.joined(separator: ", ")) }
        guard frames.count >= 1, (frames.count - 1) % CosmosConfig.temporalCompression == 0 else {
            throw CosmosTokenizerError.clipTooShort(frames: frames.count, needed: frames.count < 17 ? 17 : frames.count + 8 - (frames.count - 1) % 8)
        }
        let (w, h) = (frames[0].width, frames[0].height)
        for (i, frame) in frames.enumerated() where frame.width != w || frame.height != h || w % 8 != 0 || h % 8 != 0 {
            throw CosmosTokenizerError.wrongFrameSize(index: i, width: frame.width, height: frame.height,
                                                      expected: "\(w)x\(h), both multiples of 8")
        }
        let latent = encoder(Self.pixelsIn(frames))
        let tokens = latent.data.withUnsafeBufferPointer {
            FSQ.tokens(latent: $0.baseAddress!, frames: latent.frames, positions: latent.plane)
        }
        return (latent, tokens)
    }

    // MARK: Decoding

    /// Tokens of one clip ((1 + k) x h x w, row-major) -> the raw decoder output
    /// (1 + 8k, 3, 8h, 8w), not clamped.
    public func decodeRaw(tokens: [Int32], latentFrames: Int = latentFramesPerClip, height: Int = 32, width: Int = 32) throws -> Tensor {
        guard let decoder else { throw CosmosTokenizerError.partNotLoaded(.decoder, path: paths.joined(separator: ", ")) }
        let positions = height * width
        guard tokens.count == latentFrames * positions else {
            throw CosmosTokenizerError.wrongTokenCount(count: tokens.count, expected: latentFrames * positions)
        }
        try Self.checkRange(tokens, clip: 0, height: height, width: width)
        let codes = FSQ.codes(tokens: tokens, frames: latentFrames, positions: positions)
        return decoder(Tensor(shape: [latentFrames, FSQ.dimensions, height, width], data: codes))
    }

    /// Tokens of one clip -> 8-bit frames (17 for 3 latent frames).
    public func decode(tokens: [Int32], latentFrames: Int = latentFramesPerClip, height: Int = 32, width: Int = 32) throws -> [RGBImage] {
        Self.pixelsOut(try decodeRaw(tokens: tokens, latentFrames: latentFrames, height: height, width: width))
    }

    /// Throws for the first code outside 0 ..< 64000.
    public static func checkRange(_ tokens: [Int32], clip: Int, height: Int = 32, width: Int = 32) throws {
        if let i = tokens.firstIndex(where: { $0 < 0 || Int($0) >= FSQ.codebookSize }) {
            let plane = height * width
            throw CosmosTokenizerError.tokenOutOfRange(value: tokens[i], clip: clip, latentFrame: i / plane,
                                                       row: i % plane / width, column: i % width)
        }
    }

    // MARK: Pixels

    /// rgb24 frames -> (T, 3, H, W) with x = 2 (u / 255) - 1 evaluated in double, then rounded
    /// to float (NVIDIA's numpy2tensor).
    public static func pixelsIn(_ frames: [RGBImage]) -> Tensor {
        let (w, h) = (frames[0].width, frames[0].height)
        let plane = w * h
        let table = (0..<256).map { Float(2 * (Double($0) / 255) - 1) }
        var data = [Float](repeating: 0, count: frames.count * 3 * plane)
        for (t, frame) in frames.enumerated() {
            frame.pixels.withUnsafeBufferPointer { px in
                for i in 0..<plane {
                    for c in 0..<3 { data[(t * 3 + c) * plane + i] = table[Int(px[3 * i + c])] }
                }
            }
        }
        return Tensor(shape: [frames.count, 3, h, w], data: data)
    }

    /// (T, 3, H, W) -> rgb24 with u8 = trunc(clamp((x + 1) / 2, 0, 1) * 255 + 0.5), in float
    /// (NVIDIA's tensor2numpy).
    public static func pixelsOut(_ clip: Tensor) -> [RGBImage] {
        let (h, w) = (clip.shape[2], clip.shape[3])
        let plane = h * w
        return (0..<clip.shape[0]).map { t in
            var pixels = [UInt8](repeating: 0, count: 3 * plane)
            clip.data.withUnsafeBufferPointer { v in
                for c in 0..<3 {
                    let channel = v.baseAddress! + (t * 3 + c) * plane
                    for i in 0..<plane {
                        let unit = min(max((channel[i] + 1) / 2, 0), 1)
                        // NaN fails both comparisons in min/max's favour of the bound: map it to 0.
                        pixels[3 * i + c] = unit.isNaN ? 0 : UInt8(unit * 255 + 0.5)
                    }
                }
            }
            return RGBImage(width: w, height: h, pixels: pixels)
        }
    }
}
