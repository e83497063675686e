import XCTest
import TestSupport
@testable import MagvitCodec
@testable import Core
@testable import Checkpoints
@testable import Layers
@testable import Media

final class CodecLoadingTests: XCTestCase {
    func testEMAWeightsAreTheCheckpointsModelEMATensors() throws {
        let store = try Checkpoint.open(path: CodecFixture.checkpointPath)
        let ema = try Codec(store: store, weights: .ema, parts: [.decoder])
        let decoder = try XCTUnwrap(ema.decoder)
        let convOut = try store.floatTensor("model_ema.decoderconv_outweight")
        XCTAssertEqual(decoder.convOut.weight, prepared(convOut.data, for: decoder.convOut))
        XCTAssertEqual(decoder.normOut.gamma, try store.floatTensor("model_ema.decodernorm_outweight").data)
        let conv1 = decoder.up[3].blocks[0].conv1
        XCTAssertEqual(conv1.weight, prepared(try store.floatTensor("model_ema.decoderup3block0conv1weight").data, for: conv1))
        XCTAssertNotEqual(decoder.normOut.gamma, try store.floatTensor("decoder.norm_out.weight").data)
    }

    func testEMAKeyDropsEveryDot() {
        XCTAssertEqual(Codec.emaKey("decoder.conv_in.weight"), "model_ema.decoderconv_inweight")
        XCTAssertEqual(Codec.emaKey("encoder.down.0.block.1.norm1.bias"), "model_ema.encoderdown0block1norm1bias")
    }

    /// A PyTorch (out, in, k, k) weight in the form `layer` keeps it: OHWI, or its Winograd transform.
    func prepared(_ oihw: [Float], for layer: Conv2d) -> [Float] {
        let ohwi = Kernels.ohwiFromOIHW(oihw, outChannels: layer.outChannels, inChannels: layer.inChannels, kernel: layer.kernel)
        return layer.winograd.map {
            Kernels.winogradFilter(ohwi: ohwi, outChannels: layer.outChannels, inChannels: layer.inChannels, tile: $0)
        } ?? ohwi
    }

    func testConvolutionsKeepF4x4WeightsOnBigImagesF2x2OnSmallOnesAndPlainWeightsOtherwise() throws {
        let decoder = try XCTUnwrap(CodecFixture.plainCodec.get().decoder)
        let encoder = try XCTUnwrap(CodecFixture.plainCodec.get().encoder)
        // The fixture decodes 16x16 codes to 256x256: the first level runs at 16x16, the last at 256x256.
        XCTAssertEqual(decoder.convIn.winograd, .f2x2)
        XCTAssertEqual(decoder.midBlocks[0].conv1.winograd, .f2x2)
        XCTAssertEqual(decoder.up[0].blocks[0].conv2.winograd, .f4x4)
        XCTAssertEqual(decoder.convOut.winograd, .f4x4)
        XCTAssertNil(encoder.convIn.winograd, "RGB input")
        XCTAssertNil(encoder.down[0].downsample?.winograd, "stride 2")
        // 3 output channels, packed in one panel of 6 rows (the other three zero).
        XCTAssertEqual(decoder.convOut.weight.count, WinogradTile.f4x4.components * 6 * decoder.convOut.inChannels)
    }

    func testEMADecodeDiffersClearlyFromPlainDecode() throws {
        let tokens = try CodecFixture.tokens()
        let plain = try CodecFixture.plainCodec.get().decode(tokens: tokens)
        let ema = try Codec(path: CodecFixture.checkpointPath, weights: .ema, parts: [.decoder]).decode(tokens: tokens)
        let diff = maxAbsDifference(plain.data, ema.data)
        print("EMA vs plain decode: max abs difference \(diff)")
        XCTAssertGreaterThan(diff, 0.05)
    }

    func testDecoderOnlyCodecRefusesToEncode() throws {
        let codec = try Codec(path: CodecFixture.checkpointPath, parts: [.decoder])
        XCTAssertNil(codec.encoder)
        XCTAssertThrowsError(try codec.encode(images: CodecFixture.frames())) { error in
            XCTAssertEqual(error as? CodecError, .partNotLoaded(.encoder))
        }
    }

    func testDecoderOnlyLoadingNeverReadsEncoderWeights() throws {
        let store = EditedTensorStore(try Checkpoint.open(path: CodecFixture.checkpointPath))
        // Break every encoder weight but the ones the configuration is inferred from.
        for name in store.base.tensorNames where name.hasPrefix("encoder.") && !name.hasSuffix("conv1.weight")
            && name != "encoder.conv_in.weight" && name != "encoder.conv_out.weight" {
            store.removed.insert(name)
        }
        XCTAssertNoThrow(try Codec(store: store, parts: [.decoder]))
        XCTAssertThrowsError(try Codec(store: store, parts: [.encoder]))
    }

    func testDamagedCheckpointGivesOneErrorListingEveryProblem() throws {
        let store = EditedTensorStore(try Checkpoint.open(path: CodecFixture.checkpointPath))
        store.removed = ["decoder.up.2.block.0.norm1.bias", "decoder.conv_out.bias"]
        store.replaced["decoder.mid_block.0.conv2.weight"] = Tensor(zeros: [128, 128, 1, 1])
        store.replaced["decoder.up.9.block.0.conv1.weight"] = Tensor(zeros: [1])
        XCTAssertThrowsError(try Codec(store: store, parts: [.decoder])) { error in
            let text = "\(error)"
            print("damaged checkpoint: \(text)")
            for key in ["decoder.up.2.block.0.norm1.bias", "decoder.conv_out.bias",
                        "decoder.mid_block.0.conv2.weight", "decoder.up.9.block.0.conv1.weight"] {
                XCTAssertTrue(text.contains(key), "error does not name \(key)")
            }
            XCTAssertTrue(text.contains("[128, 128, 3, 3]"), "error does not give the expected shape")
        }
    }

    func testBaseChannelsThatGroupNormCannotSplitAreRejectedByName() throws {
        let store = EditedTensorStore(try Checkpoint.open(path: CodecFixture.checkpointPath))
        store.replaced["encoder.conv_in.weight"] = Tensor(zeros: [40, 3, 3, 3])
        XCTAssertThrowsError(try Codec(store: store, parts: [.decoder])) { error in
            XCTAssertEqual(error as? CodecError, .channelsNotDivisibleIntoGroups(key: "encoder.conv_in.weight", channels: 40, groups: 32))
            XCTAssertTrue("\(error)".contains("encoder.conv_in.weight"))
        }
    }

    func testImagesOfTheWrongSizeAreRejectedByIndex() throws {
        let codec = try CodecFixture.plainCodec.get()
        let images = try CodecFixture.frames() + [RGBImage(width: 128, height: 256)]
        XCTAssertThrowsError(try codec.encode(images: images)) { error in
            XCTAssertEqual(error as? CodecError, .wrongImageSize(index: 2, width: 128, height: 256, expected: 256))
            XCTAssertEqual("\(error)", "image 2 is 128x256; the codec needs 256x256")
        }
    }

    func testTokensOutOfRangeAreRejectedWithTheirPosition() throws {
        let codec = try CodecFixture.plainCodec.get()
        var tokens = try CodecFixture.tokens()
        tokens[1][37] = 1 << 18
        XCTAssertThrowsError(try codec.decode(tokens: tokens)) { error in
            XCTAssertEqual(error as? CodecError, .tokenOutOfRange(value: 262_144, frame: 1, row: 2, column: 5, limit: 262_144))
            XCTAssertTrue("\(error)".contains("262144"))
        }
        tokens[1][37] = 0
        tokens[0].removeLast()
        XCTAssertThrowsError(try codec.decodeImages(tokens: tokens)) { error in
            XCTAssertEqual(error as? CodecError, .wrongTokenCount(frame: 0, count: 255, expected: 256))
        }
    }

    func testRankZeroTensorWhereAConvWeightIsExpectedIsAClearError() throws {
        // 93 bytes: `encoder.conv_in.weight` stored as a scalar. Its shape used to be indexed
        // past its end (a heap pointer printed as a channel count, or a 1.6e17-byte allocation).
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/regressions/checkpoint/rank0-conv-weight.safetensors").path
        let store = try Checkpoint.open(path: path)
        XCTAssertThrowsError(try CodecConfig(inferringFrom: store)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path + ": implausible codec configuration"), text)
            XCTAssertTrue(text.contains("'encoder.conv_in.weight' has shape []"), text)
        }
    }
}
