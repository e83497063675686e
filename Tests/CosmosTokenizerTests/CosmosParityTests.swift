import CosmosTokenizer
import XCTest
import TestSupport
import Core
import Media

/// The Swift tokenizer against PyTorch's float32 goldens of `cosmos-dv-c24` (bf16 weights
/// upcast, compute in float32): tokens equal, latents and decoded floats within 1e-3.
final class CosmosParityTests: XCTestCase {
    static let tokenizer: CosmosTokenizer = try! CosmosTokenizer(path: CosmosFixture.directory.path)

    func testInfersTheFixtureArchitectureFromItsShapes() {
        let config = Self.tokenizer.config
        XCTAssertEqual(config.channels, 24)
        XCTAssertEqual(config.levelChannels, [48, 96, 96])
        XCTAssertEqual(config.resBlocks, 2)
        XCTAssertEqual(config.zChannels, 16)
    }

    func testEncodesTheFixtureClipToItsLatentsAndCodes() throws {
        let frames = try CosmosFixture.frames("frames")
        let (latent, tokens) = try Self.tokenizer.encode(clip: frames)
        XCTAssertEqual(latent.shape, [3, 6, 32, 32])
        // Golden latent is (1, 6, 3, 32, 32); ours is frame-major (3, 6, 32, 32).
        let golden = try CosmosFixture.floats("latent_f32.bin")
        var reordered = [Float](repeating: 0, count: golden.count)
        for c in 0..<6 { for t in 0..<3 { for p in 0..<1024 { reordered[(t * 6 + c) * 1024 + p] = golden[(c * 3 + t) * 1024 + p] } } }
        let error = maxAbsDifference(latent.data, reordered)
        print("cosmos-dv-c24 latent max abs error \(error)")
        XCTAssertLessThan(error, 1e-3)
        let expected = try CosmosFixture.int32s("tokens_i32.bin")
        let mismatches = zip(tokens, expected).filter { $0 != $1 }.count
        XCTAssertEqual(mismatches, 0, "\(mismatches) of \(expected.count) codes differ")
    }

    func testEncodesTheSecondChunkOnItsOwnAsInTheTwoChunkBatch() throws {
        let expected = try CosmosFixture.int32s("tokens_2chunks_i32.bin")
        let first = try Self.tokenizer.encode(clip: try CosmosFixture.frames("frames")).tokens
        let second = try Self.tokenizer.encode(clip: try CosmosFixture.frames("chunk2_frames")).tokens
        XCTAssertEqual(first + second == expected, true, "codes differ at \(zip(first + second, expected).filter { $0 != $1 }.count) positions")
    }

    func testDecodesTheFixtureCodesToItsFramesWithinTolerance() throws {
        let tokens = try CosmosFixture.int32s("tokens_i32.bin")
        let clip = try Self.tokenizer.decodeRaw(tokens: tokens)
        XCTAssertEqual(clip.shape, [17, 3, 256, 256])
        let golden = try CosmosFixture.floats("decoded_f32_frames_0_8_16.bin")
        let frame = 3 * 256 * 256
        var ours: [Float] = []
        for t in [0, 8, 16] { ours += clip.data[(t * frame)..<((t + 1) * frame)] }
        let error = maxAbsDifference(ours, golden)
        print("cosmos-dv-c24 decoded max abs error \(error)")
        XCTAssertLessThan(error, 1e-3)

        // Bytes: frames 4 and 12 against the stored golden bytes, frames 0, 8, 16 against the
        // golden floats put through the same conversion.
        let images = CosmosTokenizer.pixelsOut(clip)
        var pairs: [(UInt8, UInt8)] = []
        for (index, t) in [4, 12].enumerated() {
            let expected = try PNGCodec.read(from: CosmosFixture.directory.appendingPathComponent(String(format: "decoded_u8/frame_%02d.png", t)))
            _ = index
            pairs += zip(images[t].pixels, expected.pixels).map { ($0, $1) }
        }
        let goldenImages = CosmosTokenizer.pixelsOut(Tensor(shape: [3, 3, 256, 256], data: golden))
        for (i, t) in [0, 8, 16].enumerated() { pairs += zip(images[t].pixels, goldenImages[i].pixels).map { ($0, $1) } }
        let within = pairs.filter { abs(Int($0.0) - Int($0.1)) <= 1 }.count
        let exact = pairs.filter { $0.0 == $0.1 }.count
        print("cosmos-dv-c24 decoded bytes: \(exact) of \(pairs.count) exact, \(within) within 1 level")
        XCTAssertGreaterThanOrEqual(Double(within) / Double(pairs.count), 0.999)
    }

    func testRejectsCodesOutsideTheCodebook() throws {
        var tokens = try CosmosFixture.int32s("tokens_i32.bin")
        tokens[1024 + 33] = 64_000
        XCTAssertThrowsError(try Self.tokenizer.decodeRaw(tokens: tokens)) { error in
            XCTAssertEqual(error as? CosmosTokenizerError,
                           .tokenOutOfRange(value: 64_000, clip: 0, latentFrame: 1, row: 1, column: 1))
        }
    }

    func testRejectsAClipShorterThanSeventeenFrames() throws {
        let frames = Array(try CosmosFixture.frames("frames").prefix(12))
        XCTAssertThrowsError(try Self.tokenizer.encode(clip: frames)) { error in
            XCTAssertEqual(error as? CosmosTokenizerError, .clipTooShort(frames: 12, needed: 17))
        }
    }
}
