import Foundation
import XCTest
@testable import MagvitCodec

/// A scratch directory removed when the test ends.
func makeScratchDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tokentool-dataset-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Frame `i` of a test stream: token at position p is a distinctive value below 2^18.
func datasetTestFrame(_ i: Int, tokens: Int = 256) -> [UInt32] {
    (0..<tokens).map { p in UInt32((i * 7919 + p * 131 + (p % 3) * 100_000) % 262_144) }
}

func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
    var data = Data()
    for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    return data
}

func floatBytes(_ values: [Float]) -> Data { littleEndianBytes(values.map(\.bitPattern)) }

/// Every file under `directory` by relative path, with its bytes.
func snapshot(_ directory: URL) throws -> [String: Data] {
    var result: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory.path)
    while let path = enumerator?.nextObject() as? String {
        let url = directory.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            result[path] = try Data(contentsOf: url)
        }
    }
    return result
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
