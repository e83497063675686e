import XCTest
@testable import Checkpoints

/// Every format gives every dtype and layout (transposed, sliced with an offset, shared
/// storage, permuted 4-d, 0-d) element for element as torch does.
final class CheckpointFormatTests: XCTestCase {
    func testZipFormatMatchesTorchForEveryDTypeAndLayout() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("zip_all.pt"))
        XCTAssertEqual(store.formatName, "PyTorch zip")
        try assertStore(store, matches: CheckpointFixtures.expected().torch)
    }

    func testLegacyFormatMatchesTorchForEveryDTypeAndLayout() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("legacy_all.pt"))
        XCTAssertEqual(store.formatName, "PyTorch legacy")
        try assertStore(store, matches: CheckpointFixtures.expected().torch)
    }

    func testProtocol4PickleWithFramesAndStackGlobalsLoads() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("zip_protocol4.pt"))
        try assertStore(store, matches: CheckpointFixtures.expected().torch)
    }

    func testZip64RecordsAndExtraFieldsLocateEveryEntry() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("zip64.pt"))
        try assertStore(store, matches: CheckpointFixtures.expected().torch)
    }

    func testSafetensorsMatchesTorchForEveryDType() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("all_dtypes.safetensors"))
        XCTAssertEqual(store.formatName, "safetensors")
        try assertStore(store, matches: CheckpointFixtures.expected().safetensors)
    }

    func testNonTensorEntriesAreSkippedAndNestedDictsFlattenedWithDots() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("zip_all.pt"))
        for name in ["epoch", "name", "lr", "flags", "nested", "nested.note"] {
            XCTAssertNil(store.info(name), name)
        }
        XCTAssertEqual(try store.floatTensor("nested.inner").data, [9, 8])
        XCTAssertEqual(try store.floatTensor("param").data, [0.5, -0.25])
    }

    func testStridedViewsReadTheRightElements() throws {
        // Independent of expected.json: arange(20).reshape(4, 5).t() and
        // (arange(30) * 0.5).reshape(5, 6)[1:4, 1:5:2].
        let store = try Checkpoint.open(path: CheckpointFixtures.path("zip_all.pt"))
        let transposed = try store.floatTensor("transposed")
        XCTAssertEqual(transposed.shape, [5, 4])
        XCTAssertEqual(transposed.data, (0 ..< 5).flatMap { c in (0 ..< 4).map { r in Float(r * 5 + c) } })
        let sliced = try store.floatTensor("sliced")
        XCTAssertEqual(sliced.shape, [3, 2])
        XCTAssertEqual(sliced.data, [3.5, 4.5, 6.5, 7.5, 9.5, 10.5])
        XCTAssertEqual(try store.floatTensor("shared_b").data, [1, 2, 3, 4, 5, 6])
    }

    func testHalfPrecisionSpecialValuesConvertExactly() {
        XCTAssertEqual(ElementConversion.halfToFloat(0x3C00), 1)
        XCTAssertEqual(ElementConversion.halfToFloat(0x0001), 0x1p-24)  // smallest subnormal
        XCTAssertEqual(ElementConversion.halfToFloat(0x03FF), Float(0x3FF) * 0x1p-24)
        XCTAssertEqual(ElementConversion.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(ElementConversion.halfToFloat(0x8000).bitPattern, (-Float.zero).bitPattern)
        XCTAssertEqual(ElementConversion.halfToFloat(0xFC00), -.infinity)
        XCTAssertTrue(ElementConversion.halfToFloat(0x7E00).isNaN)
    }

    func testInfoDescribesTensorsWithoutReadingThem() throws {
        let store = try Checkpoint.open(path: CheckpointFixtures.path("legacy_all.pt"))
        XCTAssertEqual(store.info("permuted"), TensorInfo(name: "permuted", dtype: .f32, shape: [2, 4, 5, 3]))
        XCTAssertEqual(store.info("bool")?.dtype, .bool)
        XCTAssertNil(store.info("absent"))
    }
}
