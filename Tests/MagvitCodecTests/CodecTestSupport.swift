import Foundation
import XCTest
@testable import MagvitCodec
@testable import Core
@testable import Checkpoints
@testable import Media

/// The `magvit2-b32-r1` fixture: a small codec (base 32, 1 block per level) with golden
/// outputs written by the PyTorch reference.
enum CodecFixture {
    static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("magvit2-b32-r1")
    static var checkpointPath: String { directory.appendingPathComponent("magvit2_test.ckpt").path }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func floats(_ name: String) throws -> [Float] {
        try data(name).withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// tokens_u32.bin as N frames of 256 tokens.
    static func tokens() throws -> [[UInt32]] {
        let flat = try data("tokens_u32.bin").withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
        }
        return stride(from: 0, to: flat.count, by: 256).map { Array(flat[$0..<($0 + 256)]) }
    }

    /// frames_u8.bin (N, 256, 256, 3) as images.
    static func frames() throws -> [RGBImage] {
        let bytes = [UInt8](try data("frames_u8.bin"))
        let frameBytes = 256 * 256 * 3
        return stride(from: 0, to: bytes.count, by: frameBytes).map {
            RGBImage(width: 256, height: 256, pixels: Array(bytes[$0..<($0 + frameBytes)]))
        }
    }

    static func meta() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: data("meta.json")) as! [String: Any]
    }

    /// One plain-weight codec shared by the tests that only read from it.
    static let plainCodec: Result<Codec, Error> = Result { try Codec(path: checkpointPath) }
}

/// A checkpoint held in memory: another store with some tensors removed, replaced or added,
/// to check what loading does with a damaged file.
final class EditedTensorStore: TensorStore {
    let base: TensorStore
    var removed: Set<String> = []
    var replaced: [String: Tensor] = [:]

    init(_ base: TensorStore) { self.base = base }

    var formatName: String { "in-memory edit of \(base.formatName)" }
    var path: String { "edited:" + base.path }
    var tensorNames: [String] {
        Set(base.tensorNames).subtracting(removed).union(replaced.keys).sorted()
    }

    func info(_ name: String) -> TensorInfo? {
        if let t = replaced[name] { return TensorInfo(name: name, dtype: .f32, shape: t.shape) }
        return removed.contains(name) ? nil : base.info(name)
    }

    func floatTensor(_ name: String) throws -> Tensor {
        if let t = replaced[name] { return t }
        return try base.floatTensor(name)
    }
}
