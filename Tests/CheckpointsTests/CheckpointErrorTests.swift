import XCTest

/// Bad input gives one clear error naming the file and the problem, never a crash.
final class CheckpointErrorTests: XCTestCase {
    func testMissingFileIsReported() {
        let path = CheckpointFixtures.path("no-such-file.pt")
        assertCheckpointError(path, { $0 == .missingFile }, mentions: ["no such file"])
    }

    func testDirectoryIsNotReadAsACheckpoint() {
        let path = CheckpointFixtures.path("")
        assertCheckpointError(path, { if case .unreadable = $0 { return true }; return false }, mentions: ["not a regular file"])
    }

    func testRandomBytesAreNotACheckpoint() {
        assertCheckpointError(CheckpointFixtures.path("random.bin"),
                              { if case .notACheckpoint = $0 { return true }; return false },
                              mentions: ["not a checkpoint", "13 37"])
    }

    func testEmptyFileIsNotACheckpoint() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).pt").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        assertCheckpointError(path, { if case .notACheckpoint = $0 { return true }; return false }, mentions: ["empty file"])
    }

    func testTruncatedZipArchiveIsReported() {
        assertCheckpointError(CheckpointFixtures.path("truncated_zip.pt"),
                              { if case .truncated = $0 { return true }; return false },
                              mentions: ["truncated", "end-of-central-directory"])
    }

    func testLegacyFileCutInsideAPickleIsReported() {
        assertCheckpointError(CheckpointFixtures.path("truncated_legacy_pickle.pt"),
                              { if case .truncated = $0 { return true }; return false },
                              mentions: ["truncated", "ends before its STOP opcode"])
    }

    func testLegacyFileCutInsideItsStoragesIsReported() {
        assertCheckpointError(CheckpointFixtures.path("truncated_legacy_storage.pt"),
                              { if case .truncated = $0 { return true }; return false },
                              mentions: ["truncated", "legacy storage"])
    }

    func testTruncatedSafetensorsDataIsReported() {
        assertCheckpointError(CheckpointFixtures.path("truncated.safetensors"),
                              { if case .truncated = $0 { return true }; return false },
                              mentions: ["truncated", "data byte"])
    }

    func testCompressedZipEntryIsRejected() {
        assertCheckpointError(CheckpointFixtures.path("compressed.pt"),
                              { if case .compressedEntry(let name, 8) = $0 { return name.hasPrefix("zip_all/") }; return false },
                              mentions: ["ZIP entry 'zip_all/", "compressed (method 8)", "stored"])
    }

    func testBigEndianByteOrderIsRejected() {
        assertCheckpointError(CheckpointFixtures.path("big_endian.pt"),
                              { if case .malformed = $0 { return true }; return false },
                              mentions: ["byte order is 'big'", "only little-endian"])
    }

    func testDisallowedGlobalIsRefusedByName() {
        assertCheckpointError(CheckpointFixtures.path("disallowed_global.pt"),
                              { $0 == .disallowedGlobal("posix.system") },
                              mentions: ["disallowed global 'posix.system'"])
    }

    func testDisallowedStackGlobalIsRefusedByName() {
        assertCheckpointError(CheckpointFixtures.path("disallowed_stack_global.pt"),
                              { $0 == .disallowedGlobal("builtins.eval") },
                              mentions: ["disallowed global 'builtins.eval'"])
    }

    func testUnsupportedOpcodeIsNamed() {
        // Protocol 0: MARK, DICT, then PUT ('p'), which this reader does not implement.
        assertCheckpointError(CheckpointFixtures.path("protocol0.pt"),
                              { $0 == .unsupportedOpcode(opcode: 0x70, offset: 2) },
                              mentions: ["unsupported pickle opcode 0x70 ('p') at byte 2"])
    }

    func testSafetensorsHeaderThatIsNotJSONIsReported() {
        assertCheckpointError(CheckpointFixtures.path("bad_header.safetensors"),
                              { if case .badSafeTensorsHeader = $0 { return true }; return false },
                              mentions: ["bad safetensors header", "JSON"])
    }

    func testSafetensorsOffsetsThatDisagreeWithTheShapeAreReported() {
        assertCheckpointError(CheckpointFixtures.path("bad_offsets.safetensors"),
                              { if case .badSafeTensorsHeader = $0 { return true }; return false },
                              mentions: ["'a' spans 8 bytes", "needs 12"])
    }

    func testUnknownTensorNameIsReported() {
        assertCheckpointError(CheckpointFixtures.path("zip_all.pt"), tensor: "encoder.nothing",
                              { $0 == .tensorNotFound("encoder.nothing") },
                              mentions: ["no tensor named 'encoder.nothing'"])
    }
}
