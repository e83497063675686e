import Foundation
import XCTest

/// Issue 10's reproducers through the built binary: each gets a clear error and a non-zero
/// exit (or correct output), and what was there before stays byte for byte.
final class ReliabilityCommandTests: XCTestCase {
    let samples = CLI.repositoryRoot.appendingPathComponent("Samples").path
    var tokens: String { samples + "/clip-tokens" }
    var checkpoint: String { samples + "/magvit2-small.ckpt" }

    private func scratch() throws -> URL {
        let dir = try CLI.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func assertFails(_ result: CLIResult, saying words: String, line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, "exited 0; stdout: \(result.stdout)", line: line)
        XCTAssertTrue(result.stderr.contains(words), "stderr lacks \"\(words)\": \(result.stderr)", line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, line: line)
    }

    func testDecodeThatFailsLeavesAnExistingOutputByteIdentical() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out.rgb")
        try Data("x\n".utf8).write(to: out)
        let r = try CLI.run(["decode", tokens, "-o", out.path, "--ckpt", dir.appendingPathComponent("missing.ckpt").path])
        assertFails(r, saying: "missing.ckpt")
        XCTAssertEqual(try Data(contentsOf: out), Data("x\n".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.rgb"])
    }

    func testDecodeOntoAFolderNamedLikeAFileIsRefusedAndTheFolderKept() throws {
        let dir = try scratch()
        let folder = dir.appendingPathComponent("dir.rgb")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try Data("precious".utf8).write(to: folder.appendingPathComponent("keep.txt"))
        let r = try CLI.run(["decode", tokens, "-o", folder.path, "--ckpt", checkpoint, "--max-frames", "1"])
        assertFails(r, saying: "is a folder; refusing to replace it with a file")
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("keep.txt")), Data("precious".utf8))
    }

    func testDecodeToAFolderOfOtherFilesIsRefused() throws {
        let dir = try scratch()
        let folder = dir.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try Data("precious".utf8).write(to: folder.appendingPathComponent("thesis.tex"))
        let r = try CLI.run(["decode", tokens, "-o", folder.path, "--ckpt", checkpoint, "--max-frames", "1"])
        assertFails(r, saying: "holding other files than frame_*.png")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["thesis.tex"])
    }

    func testTokenizeForceDoesNotReplaceAFolderThatIsNotADataset() throws {
        let dir = try scratch()
        let folder = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        try Data("precious".utf8).write(to: folder.appendingPathComponent("holiday.jpg"))
        let r = try CLI.run(["tokenize", samples + "/clip.mp4", "-o", folder.path, "--force", "--ckpt", checkpoint, "--max-frames", "1"])
        assertFails(r, saying: "not a token dataset")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["holiday.jpg"])
    }

    func testOutputsThatAreInputsOfTheSameCommandAreRefused() throws {
        let dir = try scratch()
        let dataset = dir.appendingPathComponent("ds")
        try FileManager.default.copyItem(atPath: tokens, toPath: dataset.path)
        let metadata = dataset.appendingPathComponent("metadata.json")
        let before = try Data(contentsOf: metadata)

        assertFails(try CLI.run(["inspect", dataset.path, "--json", metadata.path]), saying: "is an input of this command")
        XCTAssertEqual(try Data(contentsOf: metadata), before)

        let video = dataset.appendingPathComponent("video.bin")
        let videoBefore = try Data(contentsOf: video)
        assertFails(try CLI.run(["fit", dataset.path, "-o", video.path]), saying: "is an input of this command")
        XCTAssertEqual(try Data(contentsOf: video), videoBefore)
    }

    func testJSONToDashGoesToStandardOutputNotAFileNamedDash() throws {
        let dir = try scratch()
        let process = try CLI.run(["inspect", tokens, "--json", "-"])
        XCTAssertEqual(process.status, 0, process.stderr)
        XCTAssertTrue(process.stdout.contains("\"tokens_out_of_range\" : 0"), process.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("-").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/-"))
    }

    func testHugeNumbersOnTheCommandLineAreCappedNotCrashes() throws {
        assertFails(try CLI.run(["evaluate", "--data", tokens, "--model", "copy", "--window", "4294967296", "--stride", "4294967296"]),
                    saying: "--window 4294967296 is above the cap of 1024")
        assertFails(try CLI.run(["evaluate", "--data", tokens, "--model", "copy", "--window", "\(1 << 62)"]), saying: "above the cap")
        assertFails(try CLI.run(["lpips", samples + "/clip.mp4", samples + "/clip.mp4", "--fps", "1e300"]),
                    saying: "--fps 1e+300 is above the cap of 1000")
        assertFails(try CLI.run(["tokenize", samples + "/clip.mp4", "-o", "/nonexistent/x", "--fps", "1e300"]), saying: "above the cap")
    }

    func testAGenieConfigWithHugeSizesIsAClearError() throws {
        let genie = CLI.fixture("PredictorTests/Fixtures/genie-l2-d64")
        for (key, value) in [("T", "9223372036854775807"), ("d_model", "1099511627776"), ("num_layers", "1099511627776"),
                             ("S", "1099511627776"), ("mlp_ratio", "1e300")] {
            let dir = try scratch()
            let model = dir.appendingPathComponent("genie")
            try FileManager.default.copyItem(atPath: genie, toPath: model.path)
            let configURL = model.appendingPathComponent("config.json")
            var text = try String(contentsOf: configURL, encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: "\"\(key)\"\\s*:\\s*[0-9.eE+-]+")
            text = pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "\"\(key)\": \(value)")
            try text.write(to: configURL, atomically: true, encoding: .utf8)
            let r = try CLI.run(["evaluate", "--data", tokens, "--model", model.path, "--max-examples", "1", "--stride", "1"])
            assertFails(r, saying: configURL.path + ": bad GENIE config")
        }
    }

    /// Runs tokentool under `ulimit -v` (in KiB), so an input that still tried to allocate
    /// its claimed size would fail the test instead of passing on a big machine.
    private func runBounded(_ arguments: [String], kibibytes: Int = 1_500_000) throws -> CLIResult {
        let quoted = ([CLI.binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(kibibytes); exec " + quoted.joined(separator: " ")]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: "", stderr: String(decoding: stderr, as: UTF8.self))
    }

    func testSmallHostileFilesStayWithinOneAndAHalfGigabytesOfAddressSpace() throws {
        let dir = try scratch()
        let regressions = CLI.fixture("Fuzz/regressions")
        // 1.5 KB of shared dicts (used to grow to 8 GB), 45 KB of nested tuples (stack overflow).
        assertFails(try runBounded(["inspect", regressions + "/zip/shared-dicts.pt"]), saying: "more than 131072 entries")
        assertFails(try runBounded(["inspect", regressions + "/checkpoint/nested-tuples.pt"]), saying: "nested deeper than 256")
        // A 66-byte PNG claiming 30000 x 30000 pixels (used to take 2.7 GB before failing).
        let png = dir.appendingPathComponent("big.png")
        func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
            withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) } + Array(type.utf8) + body + crcBytes(Array(type.utf8) + body)
        }
        let header: [UInt8] = [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0]
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]
        let bytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", idat) + chunk("IEND", [])
        try Data(bytes).write(to: png)
        assertFails(try runBounded(["tokenize", png.path, "-o", dir.appendingPathComponent("ds").path, "--ckpt", checkpoint]),
                    saying: "30000x30000 pixels, above the cap")
        // A GENIE config asking for d_model 2^40 (used to hang past 6 GB).
        let model = dir.appendingPathComponent("genie")
        try FileManager.default.copyItem(atPath: CLI.fixture("PredictorTests/Fixtures/genie-l2-d64"), toPath: model.path)
        let config = model.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"d_model\": 64", with: "\"d_model\": 1099511627776")
        try text.write(to: config, atomically: true, encoding: .utf8)
        assertFails(try runBounded(["evaluate", "--data", tokens, "--model", model.path, "--stride", "1", "--max-examples", "1"]),
                    saying: "d_model 1099511627776 is above the cap")
    }

    private func crcBytes(_ bytes: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return withUnsafeBytes(of: (~crc).bigEndian) { Array($0) }
    }

    func testTwoConcurrentTokenizeAppendsOfTwentyFramesBothLandOrOneIsRefused() throws {
        let dir = try scratch()
        let data = dir.appendingPathComponent("ds").path
        let clip = samples + "/clip.mp4"
        XCTAssertEqual(try CLI.run(["tokenize", clip, "--max-frames", "3", "-o", data, "--ckpt", checkpoint]).status, 0)
        func frames() throws -> Int {
            let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data + "/metadata.json")))
            return (metadata as? [String: Any])?["num_images"] as? Int ?? -1
        }
        func concurrently(_ extra: [String]) throws -> [CLIResult] {
            let results = ResultBox()
            let group = DispatchGroup()
            for _ in 0..<2 {
                group.enter()
                Thread {
                    defer { group.leave() }
                    if let r = try? CLI.run(["tokenize", clip, "--max-frames", "20", "-o", data, "--append", "--ckpt", self.checkpoint] + extra) {
                        results.append(r)
                    }
                }.start()
            }
            group.wait()
            return results.all
        }
        // Waiting for the lock: both land, 40 more frames in two whole segments.
        let waited = try concurrently(["--wait-lock"])
        XCTAssertEqual(waited.map(\.status), [0, 0], waited.map(\.stderr).joined())
        XCTAssertEqual(try frames(), 43)
        // Not waiting: each run either lands or is refused with a clear message, never lost.
        let raced = try concurrently([])
        XCTAssertEqual(raced.count, 2)
        let landed = raced.filter { $0.status == 0 }.count
        for refused in raced where refused.status != 0 {
            XCTAssertTrue(refused.stderr.contains("is being written by another process"), refused.stderr)
        }
        XCTAssertGreaterThanOrEqual(landed, 1)
        XCTAssertEqual(try frames(), 43 + 20 * landed)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [CLIResult] = []
    func append(_ result: CLIResult) { lock.lock(); results.append(result); lock.unlock() }
    var all: [CLIResult] { lock.lock(); defer { lock.unlock() }; return results }
}
