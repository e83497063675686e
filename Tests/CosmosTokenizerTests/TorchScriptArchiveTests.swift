import CosmosTokenizer
import Foundation
import XCTest
import Checkpoints

/// Reading NVIDIA-style TorchScript `.jit` archives with the restricted unpickler.
final class TorchScriptArchiveTests: XCTestCase {
    func testReadsTheEncoderArchivesModuleTreeAsStateDictKeys() throws {
        let store = try Checkpoint.open(path: CosmosFixture.path("encoder.jit"))
        XCTAssertTrue(store.isTorchScript)
        XCTAssertEqual(store.formatName, "TorchScript")
        XCTAssertEqual(store.tensorNames.count, 150)
        XCTAssertEqual(store.info("encoder.conv_in.0.conv3d.weight"), TensorInfo(name: "encoder.conv_in.0.conv3d.weight", dtype: .bf16, shape: [24, 192, 1, 3, 3]))
        XCTAssertEqual(store.info("encoder.patcher3d._arange")?.dtype, .i64)
        XCTAssertEqual(try store.floatTensor("quantizer._levels").data, [8, 8, 8, 5, 5, 5])
        XCTAssertEqual(try store.floatTensor("quantizer._basis").data, [1, 8, 64, 512, 2560, 12800])
        // bf16 1/sqrt(2), as NVIDIA stores it.
        XCTAssertEqual(try store.floatTensor("encoder.patcher3d.wavelets").data, [0.70703125, 0.70703125])
    }

    func testReadsTheDecoderArchive() throws {
        let store = try Checkpoint.open(path: CosmosFixture.path("decoder.jit"))
        XCTAssertEqual(store.tensorNames.count, 183)
        XCTAssertEqual(store.info("decoder.conv_out.1.conv3d.weight")?.shape, [192, 192, 3, 1, 1])
    }

    func testRefusesAGlobalOutsideTheAllowlistByName() throws {
        // Same archive with one allowlisted name bent into another of the same length.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: CosmosFixture.path("encoder.jit")))
        let needle = Data("collections\nOrderedDict\n".utf8)
        let range = try XCTUnwrap(bytes.range(of: needle))
        bytes.replaceSubrange(range, with: Data("posixpathxx\nsystemxxxxx\n".utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cosmos-bad-global-\(getpid()).jit")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try Checkpoint.open(path: url.path)) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .disallowedGlobal("posixpathxx.systemxxxxx"))
            XCTAssertTrue("\(error)".hasPrefix(url.path))
        }
    }

    func testAskingADecoderFileForTheEncoderSaysSo() throws {
        XCTAssertThrowsError(try CosmosTokenizer(path: CosmosFixture.path("decoder.jit"), parts: [.encoder])) { error in
            guard case .partNotLoaded(.encoder, _)? = error as? CosmosTokenizerError else {
                return XCTFail("unexpected \(error)")
            }
        }
    }

    func testAnArchiveMissingAWeightIsRefusedNamingIt() throws {
        // Rename one key inside data.pkl (same length): the strict loader reports it missing and unused.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: CosmosFixture.path("decoder.jit")))
        let needle = Data("proj_out".utf8)
        let range = try XCTUnwrap(bytes.range(of: needle))
        bytes.replaceSubrange(range, with: Data("proj_oux".utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cosmos-renamed-\(getpid()).jit")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertThrowsError(try CosmosTokenizer(path: url.path, parts: [.decoder])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(url.path), text)
            XCTAssertTrue(text.contains("missing decoder.mid.attn_1.0.proj_out.conv3d.weight"), text)
            XCTAssertTrue(text.contains("unused decoder.mid.attn_1.0.proj_oux.conv3d.weight"), text)
        }
    }
}
