import XCTest
@testable import Checkpoints

/// The generated fixtures of tools/make_checkpoint_fixtures.py and their expected values.
enum CheckpointFixtures {
    static func path(_ name: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/checkpoints/\(name)").path
    }

    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        /// float32 bit patterns, row-major.
        var bits: [UInt32]
    }

    struct Expected: Decodable {
        var torch: [String: Entry]
        var safetensors: [String: Entry]
    }

    static func expected() throws -> Expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: path("expected.json")))
        return try JSONDecoder().decode(Expected.self, from: data)
    }
}

extension XCTestCase {
    /// Every tensor the store exposes matches the expected dtype, shape and every element bit
    /// for bit, and the store exposes exactly the expected names.
    func assertStore(_ store: TensorStore, matches expected: [String: CheckpointFixtures.Entry],
                     file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(store.tensorNames, expected.keys.sorted(), file: file, line: line)
        for (name, entry) in expected {
            let info = try XCTUnwrap(store.info(name), name, file: file, line: line)
            XCTAssertEqual(info.dtype.rawValue, entry.dtype, name, file: file, line: line)
            XCTAssertEqual(info.shape, entry.shape, name, file: file, line: line)
            let tensor = try store.floatTensor(name)
            XCTAssertEqual(tensor.shape, entry.shape, name, file: file, line: line)
            XCTAssertEqual(tensor.data.map(\.bitPattern), entry.bits, "elements of \(name)", file: file, line: line)
        }
    }

    /// Opening `path` (and, if given, reading `tensor`) fails with a `CheckpointError` whose
    /// problem satisfies `isExpected` and whose description names the file and says `phrases`.
    func assertCheckpointError(
        _ path: String, tensor: String? = nil, _ isExpected: (CheckpointError.Problem) -> Bool,
        mentions phrases: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let store = try Checkpoint.open(path: path)
            guard let tensor else {
                return XCTFail("\(path) opened as \(store.formatName)", file: file, line: line)
            }
            _ = try store.floatTensor(tensor)
            XCTFail("reading \(tensor) from \(path) succeeded", file: file, line: line)
        } catch let error as CheckpointError {
            XCTAssertTrue(isExpected(error.problem), "unexpected problem: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix(path + ": "), "\(error) does not start with the file", file: file, line: line)
            XCTAssertFalse(error.description.contains("\n"), "description is not one line", file: file, line: line)
            for phrase in phrases {
                XCTAssertTrue(error.description.contains(phrase), "\(error) does not mention '\(phrase)'", file: file, line: line)
            }
        } catch {
            XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
        }
    }
}
