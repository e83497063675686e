import Foundation
import XCTest
@testable import Core
@testable import Media

/// Issue 10: the one output writer never replaces what it must not, follows links, writes
/// into FIFOs instead of over them, and PNG headers cannot size a huge allocation.
final class ReliabilityOutputTests: XCTestCase {
    override func tearDown() {
        ProtectedInputs.removeAll()
        super.tearDown()
    }

    private func assertCannotWrite(_ words: String, line: UInt = #line, _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("expected a refusal mentioning \(words)", line: line)
        } catch let error as FileError {
            XCTAssertTrue("\(error)".contains(words), "\"\(error)\" lacks \"\(words)\"", line: line)
        } catch {
            XCTFail("unexpected error \(error)", line: line)
        }
    }

    func testAFolderIsNeverReplacedByAFile() throws {
        let folder = try temporaryFolder()
        let target = folder.appendingPathComponent("out.json")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data("inside".utf8).write(to: target.appendingPathComponent("kept.txt"))
        assertCannotWrite("is a folder; refusing to replace it with a file") {
            try AtomicOutput.write(Data("{}".utf8), to: target.path)
        }
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("kept.txt")), Data("inside".utf8))
        XCTAssertEqual(try folderContents(folder), ["out.json"])
    }

    func testAnInputOfTheCommandIsNeverOverwritten() throws {
        let folder = try temporaryFolder()
        let input = folder.appendingPathComponent("metadata.json")
        try Data("original".utf8).write(to: input)
        ProtectedInputs.register([folder.path])
        // The input itself, a file inside an input folder, and the same file by another name.
        assertCannotWrite("is an input of this command") { try AtomicOutput.write(Data("x".utf8), to: input.path) }
        assertCannotWrite("is an input of this command") {
            try AtomicOutput.write(Data("x".utf8), to: folder.appendingPathComponent("new.json").path)
        }
        XCTAssertEqual(try Data(contentsOf: input), Data("original".utf8))
        XCTAssertEqual(try folderContents(folder), ["metadata.json"])
    }

    func testASymbolicLinkIsFollowedAndKept() throws {
        let folder = try temporaryFolder()
        let real = folder.appendingPathComponent("real.json")
        let link = folder.appendingPathComponent("link.json")
        try Data("old".utf8).write(to: real)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.json")
        try AtomicOutput.write(Data("new".utf8), to: link.path)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "real.json")
        XCTAssertEqual(try Data(contentsOf: real), Data("new".utf8))
        XCTAssertEqual(try folderContents(folder), ["link.json", "real.json"])
    }

    func testAFIFOIsWrittenIntoNotReplaced() throws {
        let folder = try temporaryFolder()
        let fifo = folder.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let received = ReceivedBytes()
        let reader = Thread {
            received.data = FileHandle(forReadingAtPath: fifo.path)?.readDataToEndOfFile() ?? Data()
            received.done.signal()
        }
        reader.start()
        try AtomicOutput.write(Data("through the pipe".utf8), to: fifo.path)
        XCTAssertEqual(received.done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(received.data, Data("through the pipe".utf8))
        var info = stat()
        XCTAssertEqual(lstat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO was replaced by a regular file")
        XCTAssertEqual(try folderContents(folder), ["pipe"])
    }

    func testDashAndStandardStreamNamesAreWrittenThroughTheirDescriptor() throws {
        for name in ["-", "/dev/stdout", "/proc/self/fd/1"] {
            let output = try AtomicOutput(destination: URL(fileURLWithPath: name))
            XCTAssertTrue(output.isDirect, name)
            XCTAssertEqual(output.destination.path, "/dev/stdout", name)
        }
        XCTAssertFalse(try AtomicOutput(destination: try temporaryFolder().appendingPathComponent("-x")).isDirect)
    }

    func testAFailedWriteLeavesTheOldFileByteIdentical() throws {
        let folder = try temporaryFolder()
        let target = folder.appendingPathComponent("out.rgb")
        try Data("x\n".utf8).write(to: target)
        let output = try AtomicOutput(destination: target)
        try Data("half".utf8).write(to: output.temporary)
        output.abandon()
        XCTAssertEqual(try Data(contentsOf: target), Data("x\n".utf8))
        XCTAssertEqual(try folderContents(folder), ["out.rgb"])
    }

    func testAPNGHeaderClaimingAMillionPixelsASideIsRefusedBeforeDecoding() throws {
        // 66 bytes: a valid IHDR for 1,000,000 x 1,000,000 RGB, one tiny IDAT, IEND.
        let png = tinyPNG(width: 1_000_000, height: 1_000_000)
        XCTAssertLessThan(png.count, 100)
        XCTAssertThrowsError(try PNGCodec.decode(png, path: "huge.png")) { error in
            XCTAssertTrue("\(error)".hasPrefix("huge.png"), "\(error)")
            XCTAssertTrue("\(error)".contains("1000000x1000000 pixels, above the cap"), "\(error)")
        }
        XCTAssertThrowsError(try PNGCodec.decode(tinyPNG(width: 30_000, height: 30_000), path: "big.png")) { error in
            XCTAssertTrue("\(error)".contains("30000x30000 pixels, above the cap"), "\(error)")
        }
    }

    /// PNG's CRC-32 (reflected, polynomial 0xEDB88320).
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private func tinyPNG(width: UInt32, height: UInt32) -> Data {
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let typed = Array(type.utf8) + body
            let crc = crc32(typed)
            return bigEndian(UInt32(body.count)) + typed + bigEndian(crc)
        }
        func bigEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", idat) + chunk("IEND", []))
    }
}

private final class ReceivedBytes: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
