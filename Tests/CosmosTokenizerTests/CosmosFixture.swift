import Foundation
import TestSupport
import Media
import Core

/// The `cosmos-dv-c24` golden vectors (see tools/cosmos-fixture.md): a 24-channel DV8x8x8 with
/// random bf16 weights as TorchScript, bikes.mp4 frames 0-33, and what PyTorch (float32)
/// computed from them. Frames are stored as lossless PNGs to keep the repository small.
enum CosmosFixture {
    static let directory = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/cosmos-dv-c24")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
    }

    static func int32s(_ name: String) throws -> [Int32] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) } }
    }

    /// 17 frames from a folder of frame_00.png ... frame_16.png.
    static func frames(_ folder: String) throws -> [RGBImage] {
        try (0..<17).map { try PNGCodec.read(from: directory.appendingPathComponent(String(format: "%@/frame_%02d.png", folder, $0))) }
    }
}

