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

    func testSanitizedKeysReadTheStoredTensorsNameTheModelsKeysAndDropTheRest() throws {
        let store = try store()
        // The model knows "a", "b" and "c"; "shared_b" is junk its sanitize step dropped.
        let weights = WeightLoader(store: store, sanitizedKeys: ["a": "shared_a", "b": "f32", "c": "nested.inner"])
        XCTAssertEqual(weights.tensor("a", shape: [2, 3]), try store.floatTensor("shared_a"))
        _ = weights.tensor("b", shape: [4, 3])
        _ = weights.tensor("shared_b", shape: [6])
        XCTAssertThrowsError(try weights.finish(expectingAllUnder: [""])) { error in
            XCTAssertEqual((error as? CheckpointError)?.problem, .weightMismatch([
                "b has shape [3, 4], expected [4, 3]", "missing shared_b [6]", "unused nested.inner"]))
        }
    }

    func testBF16MatricesAreViewsOfTheMappedFileAndOtherDTypesAreReported() throws {
        let store = try store()
        let weights = WeightLoader(store: store)
        let matrix = weights.bf16Matrix("bf16", rows: 2, columns: 2)
        XCTAssertEqual([matrix.rows, matrix.columns], [2, 2])
        var row = [Float](repeating: 0, count: 2)
        let stored = try store.floatTensor("bf16").data
        for r in 0..<2 {
            row.withUnsafeMutableBufferPointer { matrix.row(r, into: $0.baseAddress!) }
            XCTAssertEqual(row, Array(stored[(2 * r)..<(2 * r + 2)]))
        }
        XCTAssertTrue(weights.recordedProblems.isEmpty, "\(weights.recordedProblems)")
        _ = weights.bf16Matrix("f32", rows: 3, columns: 4)
        weights.bf16Requirement = "the file is bf16"
        _ = weights.bf16Matrix("i32", rows: 2, columns: 2)
        _ = weights.bf16Matrix("bf16", rows: 4, columns: 1)
        _ = weights.bf16Matrix("absent", rows: 1, columns: 1)
        XCTAssertEqual(weights.recordedProblems, [
            "f32 is f32; weights are kept bf16 in place",
            "i32 is i32; weights are kept bf16 in place (the file is bf16)",
            "bf16 has shape [2, 2], expected [4, 1]",
            "missing absent [1, 1]",
        ])
    }
}
