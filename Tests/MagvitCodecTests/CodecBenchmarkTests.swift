import Foundation
import XCTest
import TestSupport
import MagvitCodec

/// Full-size measurement, opt-in: set MAGVIT_BIG_CKPT to a 1X-size checkpoint (e.g. one made
/// with `torch_magvit.py make-ckpt`). Prints load/decode/encode seconds and peak RSS; with
/// MAGVIT_BIG_REFERENCE set to the output of tools/magvit_reference.py it also checks the
/// results against PyTorch. Run it in a release build:
///
///     MAGVIT_BIG_CKPT=/work/big.ckpt swift test -c release --filter CodecBenchmarkTests
final class CodecBenchmarkTests: XCTestCase {
    func testFullSizeCheckpointDecodesAndEncodesOneFrame() throws {
        guard let path = ProcessInfo.processInfo.environment["MAGVIT_BIG_CKPT"] else {
            throw XCTSkip("set MAGVIT_BIG_CKPT to a 1X-size checkpoint to run the full-size measurement")
        }
        let tokens = [Array(try CodecFixture.tokens()[0])]
        let frame = [try CodecFixture.frames()[0]]

        var start = Date()
        let decoderOnly = try Codec(path: path, parts: [.decoder])
        let loadDecoder = Date().timeIntervalSince(start)
        print("config: \(decoderOnly.config)")
        _ = try decoderOnly.decode(tokens: tokens)  // warm-up: first touches of every buffer
        start = Date()
        let decoded = try decoderOnly.decode(tokens: tokens)
        let decodeSeconds = Date().timeIntervalSince(start)
        print(String(format: "decoder: load %.2f s, decode %.2f s/frame, peak RSS after load + decode %.0f MB",
                     loadDecoder, decodeSeconds, peakRSSMegabytes()))

        start = Date()
        let encoderOnly = try Codec(path: path, parts: [.encoder])
        let loadEncoder = Date().timeIntervalSince(start)
        _ = try encoderOnly.encode(images: frame)
        start = Date()
        let (latents, _) = try encoderOnly.encode(images: frame)
        let encodeSeconds = Date().timeIntervalSince(start)
        print(String(format: "encoder: load %.2f s, encode %.2f s/frame, peak RSS so far %.0f MB",
                     loadEncoder, encodeSeconds, peakRSSMegabytes()))

        if let reference = ProcessInfo.processInfo.environment["MAGVIT_BIG_REFERENCE"] {
            let dir = URL(fileURLWithPath: reference)
            let decodeErr = maxAbsDifference(decoded.data, try readFloats(dir.appendingPathComponent("decoded_f32.bin")))
            let encodeErr = maxAbsDifference(latents.data, try readFloats(dir.appendingPathComponent("latents_f32.bin")))
            print("full size vs PyTorch: decode max abs error \(decodeErr), encode max abs error \(encodeErr)")
            XCTAssertLessThan(decodeErr, 2e-3)
            XCTAssertLessThan(encodeErr, 1e-3)
        }
    }

    func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }

    func readFloats(_ url: URL) throws -> [Float] {
        try Data(contentsOf: url).withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}
