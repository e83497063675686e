import Foundation
import XCTest
import TestSupport
@testable import TokenData

/// Frame `i` of a test stream: token at position p is a distinctive value below 2^18.
func datasetTestFrame(_ i: Int, tokens: Int = 256) -> [UInt32] {
    (0..<tokens).map { p in UInt32((i * 7919 + p * 131 + (p % 3) * 100_000) % 262_144) }
}

/// Asserts `body` throws a `DatasetError` whose path ends with `file` and whose text contains `words`.
func assertDatasetError(_ file: String, _ words: String, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error about \(file)", line: line)
    } catch let error as DatasetError {
        XCTAssertTrue(error.path.hasSuffix(file), "error names \(error.path), expected \(file)", line: line)
        XCTAssertTrue(error.description.contains(words), "\"\(error)\" lacks \"\(words)\"", line: line)
        XCTAssertFalse(error.description.contains("\n"), line: line)
    } catch {
        XCTFail("unexpected error \(error)", line: line)
    }
}
