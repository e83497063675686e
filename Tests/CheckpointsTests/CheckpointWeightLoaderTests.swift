import XCTest
@testable import Core
@testable import Checkpoints

/// The strict loader: every missing, mis-shaped and unused weight in one error.
final class CheckpointWeightLoaderTests: XCTestCase {
    private func store() throws -> TensorStore {
        try Checkpoint.open(path: CheckpointFixtures.path("zip_all.pt"))
    }

    func testMatchingKeysAndShapesLoadTheStoredValuesAndFinishCleanly() throws {
        let store = try store()
        let weights = WeightLoader(store: store)
        XCTAssertEqual(weights.tensor("shared_a", shape: [2, 3]), try store.floatTensor("shared_a"))
        XCTAssertEqual(weights.tensor("shared_b", shape: [6]).data, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(weights.shape("transposed"), [5, 4])
        XCTAssertTrue(weights.contains("nested.inner"))
        XCTAssertNoThrow(try weights.finish(expectingAllUnder: ["shared_"]))
    }

    func testFinishReportsEveryMissingMisshapedAndUnusedKeyInOneError() throws {
        let store = try store()
        let weights = WeightLoader(store: store)
        let misshaped = weights.tensor("f32", shape: [4, 3])
        let missing = weights.tensor("nested.absent", shape: [2, 2])
        _ = weights.tensor("nested.inner", shape: [2])
        XCTAssertEqual(misshaped, Tensor(zeros: [4, 3]))
        XCTAssertEqual(missing, Tensor(zeros: [2, 2]))

        XCTAssertThrowsError(try weights.finish(expectingAllUnder: ["nested.", "shared_"])) { error in
            guard let error = error as? CheckpointError, case .weightMismatch(let lines) = error.problem else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(lines, [
                "f32 has shape [3, 4], expected [4, 3]",
                "missing nested.absent [2, 2]",
                "unused shared_a",
                "unused shared_b",
            ])
            XCTAssertTrue(error.description.hasPrefix(store.path + ": 4 weight problems: "), error.description)
        }
    }

    func testIgnoredKeysMayStayUnused() throws {
        let weights = WeightLoader(store: try store())
        _ = weights.tensor("shared_a", shape: [2, 3])
        XCTAssertNoThrow(try weights.finish(expectingAllUnder: ["shared_"], ignoring: ["shared_b"]))
    }

    func testKeyMappingReadsAnotherCopyAndErrorsShowTheKeyActuallyRead() throws {
        let store = try store()
        let weights = WeightLoader(store: store, keyMapping: { "nested." + $0 })
        XCTAssertEqual(weights.tensor("inner", shape: [2]).data, [9, 8])
        _ = weights.tensor("outer", shape: [1])
        XCTAssertThrowsError(try weights.finish(expectingAllUnder: ["nested."])) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .weightMismatch(["missing nested.outer (for outer) [1]"]))
        }
    }
}
