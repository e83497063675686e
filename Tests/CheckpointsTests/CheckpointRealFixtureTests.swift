import XCTest
@testable import Checkpoints

/// The checked-in checkpoints written by real training code and torchvision/lpips.
final class CheckpointRealFixtureTests: XCTestCase {
    private var magvitPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MagvitCodecTests/Fixtures/magvit2-b32-r1/magvit2_test.ckpt").path
    }

    private static let predictorFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PredictorTests/Fixtures")

    func testMagvitCheckpointListsEveryKeyFamilyOfItsStateDict() throws {
        let store = try Checkpoint.open(path: magvitPath)
        XCTAssertEqual(store.formatName, "PyTorch zip")
        XCTAssertEqual(store.tensorNames.count, 219)
        let families = Dictionary(grouping: store.tensorNames) { String($0.prefix { $0 != "." }) }.mapValues(\.count)
        XCTAssertEqual(families, ["encoder": 51, "decoder": 52, "model_ema": 109, "loss": 7])
        // Non-tensor entries beside the state dict (epoch, global_step) are not tensors.
        XCTAssertNil(store.info("epoch"))
    }

    func testMagvitConvInWeightHasTorchShapeAndValues() throws {
        let store = try Checkpoint.open(path: magvitPath)
        XCTAssertEqual(store.info("encoder.conv_in.weight"), TensorInfo(name: "encoder.conv_in.weight", dtype: .f32, shape: [32, 3, 3, 3]))
        let w = try store.floatTensor("encoder.conv_in.weight")
        XCTAssertEqual(w.shape, [32, 3, 3, 3])
        // Values printed by torch.load for this file.
        XCTAssertEqual(Array(w.data.prefix(4)), [-0.13330063223838806, -0.00511077931150794, 0.19336748123168945, -0.12186448276042938])
        XCTAssertEqual(Double(w.data.reduce(0, +)), -3.2767176628112793, accuracy: 1e-4)
    }

    func testMagvitIntegerScalarsConvertToFloat() throws {
        let store = try Checkpoint.open(path: magvitPath)
        XCTAssertEqual(store.info("model_ema.num_updates")?.dtype, .i32)
        XCTAssertEqual(store.info("model_ema.num_updates")?.shape, [])
        XCTAssertEqual(store.info("loss.discriminator.1.num_batches_tracked")?.dtype, .i64)
        XCTAssertEqual(try store.floatTensor("model_ema.num_updates").count, 1)
    }

    func testMagvitEMAKeysAreReachableThroughTheLoaderMapping() throws {
        let store = try Checkpoint.open(path: magvitPath)
        // MAGVIT's EMA naming (the rule itself lives with the model: `Codec.emaKey`).
        let ema = WeightLoader(store: store, keyMapping: { "model_ema." + $0.filter { $0 != "." } })
        let w = ema.tensor("encoder.conv_in.weight", shape: [32, 3, 3, 3])
        XCTAssertEqual(Array(w.data.prefix(2)), [-0.1231289654970169, -0.005450357683002949])
        XCTAssertTrue(ema.recordedProblems.isEmpty)
    }

    func testLegacyLpipsFileGivesLinearLayerWeights() throws {
        let path = Self.predictorFixtures.appendingPathComponent("lpips-alex/lpips-v0.1-alex.pth").path
        let store = try Checkpoint.open(path: path)
        XCTAssertEqual(store.formatName, "PyTorch legacy")
        XCTAssertEqual(store.tensorNames, (0 ..< 5).map { "lin\($0).model.1.weight" })
        XCTAssertEqual(store.info("lin0.model.1.weight")?.shape, [1, 64, 1, 1])
        XCTAssertEqual(store.info("lin4.model.1.weight")?.shape, [1, 256, 1, 1])
        let w = try store.floatTensor("lin0.model.1.weight")
        XCTAssertEqual(w.count, 64)
        // Values printed by torch.load(map_location="cpu"); the file says "cuda:0".
        XCTAssertEqual(Array(w.data.prefix(3)), [3.7879954106756486e-06, 0.14750124514102936, 4.038487531943247e-06])
        XCTAssertEqual(Double(w.data.reduce(0, +)), 2.34953236579895, accuracy: 1e-5)
    }

    func testTorchvisionAlexNetZipFileGivesFeatureWeights() throws {
        let path = Self.predictorFixtures.appendingPathComponent("lpips-alex/alexnet_test.pth").path
        let store = try Checkpoint.open(path: path)
        XCTAssertEqual(store.tensorNames.count, 12)
        XCTAssertEqual(store.info("features.0.weight")?.shape, [64, 3, 11, 11])
        XCTAssertEqual(store.info("features.10.bias")?.shape, [256])
        let w = try store.floatTensor("features.0.weight")
        XCTAssertEqual(Array(w.data.prefix(3)), [0.027044305577874184, -0.02316635102033615, -0.010175089351832867])
    }

    func testGenieSafetensorsFileGivesItsTensors() throws {
        let path = Self.predictorFixtures.appendingPathComponent("genie-l2-d64/model.safetensors").path
        let store = try Checkpoint.open(path: path)
        XCTAssertEqual(store.formatName, "safetensors")
        XCTAssertEqual(store.tensorNames.count, 34)
        XCTAssertEqual(store.info("decoder.layers.0.mlp.fc1.bias")?.shape, [256])
        let b = try store.floatTensor("decoder.layers.0.mlp.fc1.bias")
        XCTAssertEqual(Array(b.data.prefix(3)), [0.018727829679846764, -0.01698554866015911, -0.08069019764661789])
    }
}
