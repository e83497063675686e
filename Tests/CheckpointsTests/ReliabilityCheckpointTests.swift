import Foundation
import XCTest
import TestSupport
@testable import Checkpoints

/// Issue 10: small hostile checkpoints that used to crash the process or exhaust memory now
/// give one-line errors naming the file. The inputs are the fuzz harness's regression files.
final class ReliabilityCheckpointTests: XCTestCase {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/regressions")

    private func regression(_ relative: String) -> String {
        Self.regressions.appendingPathComponent(relative).path
    }

    private func assertCheckpointError(_ path: String, _ words: String, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected an error about \(path)", line: line)
        } catch let error as CheckpointError {
            XCTAssertEqual(error.file, path, line: line)
            XCTAssertTrue(error.description.hasPrefix(path + ": "), "\(error)", line: line)
            XCTAssertTrue(error.description.contains(words), "\"\(error)\" lacks \"\(words)\"", line: line)
        } catch {
            XCTFail("unexpected error \(error)", line: line)
        }
    }

    func testDeeplyNestedTuplesAreRefusedInsteadOfOverflowingTheStack() {
        // 45 KB: EMPTY_TUPLE then TUPLE1 45,000 times, inside a torch zip.
        let path = regression("checkpoint/nested-tuples.pt")
        assertCheckpointError(path, "tuples nested deeper than 256 levels") { _ = try Checkpoint.open(path: path) }
    }

    func testDeeplyNestedListsAreBuiltAndFreedWithoutRecursion() throws {
        // 300,000 lists each holding the next: legal, and freed iteratively (no stack overflow).
        let file = try MappedFile(path: regression("pickle/nested-lists-300k.pkl"))
        var depth = 0
        do {
            var value = try PickleMachine.load(file, from: 0, to: file.count).value
            while case .list(let list) = value, let inner = list.items.first {
                depth += 1
                value = inner
            }
        }
        XCTAssertEqual(depth, 300_000)
    }

    func testSharedDictsCannotExpandIntoBillionsOfKeys() {
        // 1.5 KB: each level refers twice to the one below: 2^60 paths once flattened.
        let path = regression("zip/shared-dicts.pt")
        assertCheckpointError(path, "more than 131072 entries") { _ = try Checkpoint.open(path: path) }
    }

    func testPickleMemoIsCapped() throws {
        // Five bytes a memo slot, all pointing at one list: the cap, not the file size, stops it.
        var bytes: [UInt8] = [0x80, 0x02, 0x5D]  // PROTO 2, EMPTY_LIST
        for slot in 0...PickleLimits.maxMemoEntries {
            bytes.append(0x72)  // LONG_BINPUT
            withUnsafeBytes(of: UInt32(slot).littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(0x2E)
        let url = try makeScratchDirectory(self).appendingPathComponent("memo.pkl")
        try Data(bytes).write(to: url)
        let file = try MappedFile(path: url.path)
        assertCheckpointError(url.path, "more than \(PickleLimits.maxMemoEntries) memo entries") {
            _ = try PickleMachine.load(file, from: 0, to: file.count)
        }
    }

    func testTensorShapeWhoseByteCountOverflowsIsRefused() {
        let path = regression("safetensors/huge-shape.safetensors")
        assertCheckpointError(path, "bad safetensors header: entry 'x' has no valid shape") { _ = try Checkpoint.open(path: path) }
    }
}
