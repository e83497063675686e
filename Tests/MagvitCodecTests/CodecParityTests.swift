import XCTest
import TestSupport
@testable import MagvitCodec

/// The codec against the PyTorch reference's golden outputs on the small fixture.
final class CodecParityTests: XCTestCase {
    func codec() throws -> Codec { try CodecFixture.plainCodec.get() }

    func testInferredConfigMatchesFixtureMeta() throws {
        let meta = try CodecFixture.meta()
        let config = try codec().config
        XCTAssertEqual(config.baseChannels, meta["base_channels"] as? Int)
        XCTAssertEqual(config.blocksPerLevel, meta["num_res_blocks"] as? Int)
        XCTAssertEqual(config.channelMultipliers, meta["ch_mult"] as? [Int])
        XCTAssertEqual(config.zChannels, meta["z_channels"] as? Int)
        XCTAssertEqual(config, CodecConfig(baseChannels: 32, channelMultipliers: [1, 1, 2, 2, 4], blocksPerLevel: 1, zChannels: 18))
    }

    func testDecodingFixtureTokensReproducesReferenceFloats() throws {
        let tokens = try CodecFixture.tokens()
        let decoded = try codec().decode(tokens: tokens)
        XCTAssertEqual(decoded.shape, [tokens.count, 3, 256, 256])
        let err = maxAbsDifference(decoded.data, try CodecFixture.floats("decoded_f32.bin"))
        print("decode: max abs error vs decoded_f32.bin = \(err)")
        XCTAssertLessThan(err, 2e-3)
    }

    func testDecodedImagesMatchReferenceBytesWithinOneLevel() throws {
        let images = try codec().decodeImages(tokens: CodecFixture.tokens())
        let mine = images.flatMap(\.pixels)
        let reference = [UInt8](try CodecFixture.data("decoded_u8.bin"))
        XCTAssertEqual(mine.count, reference.count)
        let within = zip(mine, reference).filter { abs(Int($0) - Int($1)) <= 1 }.count
        let exact = zip(mine, reference).filter { $0 == $1 }.count
        let fraction = Double(within) / Double(reference.count)
        print("decode u8: \(exact) of \(reference.count) bytes exact, fraction within 1 level = \(fraction)")
        XCTAssertGreaterThanOrEqual(fraction, 0.999)
    }

    func testEncodingFixtureFramesReproducesReferenceLatents() throws {
        let (latents, _) = try codec().encode(images: CodecFixture.frames())
        XCTAssertEqual(latents.shape, [2, 18, 16, 16])
        let err = maxAbsDifference(latents.data, try CodecFixture.floats("latents_f32.bin"))
        print("encode: max abs error vs latents_f32.bin = \(err)")
        XCTAssertLessThan(err, 1e-3)
    }

    func testEncodedTokensMatchReferenceTokens() throws {
        let (_, tokens) = try codec().encode(images: CodecFixture.frames())
        let reference = try CodecFixture.tokens()
        XCTAssertEqual(tokens.map(\.count), reference.map(\.count))
        let equal = zip(tokens.joined(), reference.joined()).filter { $0 == $1 }.count
        let fraction = Double(equal) / Double(reference.joined().count)
        print("encode: fraction of tokens equal to tokens_u32.bin = \(fraction)")
        XCTAssertGreaterThanOrEqual(fraction, 0.995)
    }

    func testTokenBitCIsSetExactlyWhenLatentChannelCIsPositive() throws {
        let (latents, tokens) = try codec().encode(images: CodecFixture.frames())
        for (f, frame) in tokens.enumerated() {
            for p in 0..<256 {
                for c in 0..<18 {
                    let positive = latents.data[(f * 18 + c) * 256 + p] > 0
                    XCTAssertEqual(frame[p] & (1 << UInt32(c)) != 0, positive)
                }
            }
        }
    }
}
