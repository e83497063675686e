import Foundation
import MagvitCodec

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

/// Largest absolute difference, for parity messages.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    var largest: Float = 0
    for i in a.indices { largest = max(largest, abs(a[i] - b[i])) }
    return largest
}

/// Deterministic pseudo-random floats in [-1, 1) for kernel tests.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % (1 << 24)) / Float(1 << 23) - 1
    }
}
