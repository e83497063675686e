import Foundation
import XCTest
@testable import Media
import Core

/// Each failure gives its own error naming the file, and leaves no file behind.
final class MediaErrorTests: XCTestCase {
    private func readError(_ url: URL) -> MediaError? {
        do {
            _ = try VideoReader(url: url).readAll()
            return nil
        } catch {
            XCTAssertTrue("\(error)".contains(url.lastPathComponent), "\(error)")
            return error as? MediaError
        }
    }

    func testMissingFile() throws {
        let url = try temporaryFolder().appendingPathComponent("absent.mp4")
        XCTAssertEqual(readError(url), .fileNotFound(path: url.path))
    }

    func testTextFileIsUnreadable() throws {
        let url = try temporaryFolder().appendingPathComponent("notes.txt")
        try Data("just some words, not a video\n".utf8).write(to: url)
        guard case .unreadable? = readError(url) else { return XCTFail("expected unreadable") }
    }

    func testAudioOnlyFileHasNoVideoStream() throws {
        let url = try temporaryFolder().appendingPathComponent("tone.wav")
        try wav(samples: 8000).write(to: url)
        XCTAssertEqual(readError(url), .noVideoStream(path: url.path))
    }

    func testGarbageWithVideoExtensionIsUnreadable() throws {
        let url = try temporaryFolder().appendingPathComponent("garbage.mp4")
        try Data(noiseImage(width: 64, height: 64, seed: 99).pixels).write(to: url)
        guard let error = readError(url) else { return XCTFail("garbage decoded") }
        guard case .unreadable(let path, _) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(path, url.path)
    }

    func testTruncatedMP4WithoutHeaderIsUnreadable() throws {
        let folder = try temporaryFolder()
        let good = folder.appendingPathComponent("good.mp4")
        try SyntheticVideo.write(to: good, width: 64, height: 64, fps: 10, count: 5)
        // +faststart puts moov first; keeping only the first bytes of the ftyp box breaks it.
        let broken = folder.appendingPathComponent("broken.mp4")
        try Data(contentsOf: good).prefix(20).write(to: broken)
        guard case .unreadable? = readError(broken) else { return XCTFail("expected unreadable") }
    }

    func testUnsupportedExtensionWritesNothing() throws {
        let folder = try temporaryFolder()
        let url = folder.appendingPathComponent("clip.avi")
        XCTAssertThrowsError(try writeVideo(frames: [RGBImage(width: 8, height: 8)], to: url, fps: 2)) { error in
            XCTAssertEqual(error as? MediaError, .unsupportedOutputFormat(path: url.path, fileExtension: "avi"))
            XCTAssertTrue("\(error)".contains("clip.avi"))
        }
        XCTAssertEqual(try folderContents(folder), [])
    }

    func testUnwritablePathsWriteNothing() throws {
        let folder = try temporaryFolder()
        let blocker = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        for target in ["missing-dir/out.mp4", "missing-dir/out.gif", "a-file/out.mp4", "a-file/out.png"] {
            let url = folder.appendingPathComponent(target)
            XCTAssertThrowsError(try writeVideo(frames: [RGBImage(width: 8, height: 8)], to: url, fps: 2), target) { error in
                guard let error = error as? FileError, case .cannotWrite = error.problem else { return XCTFail("\(target): \(error)") }
                XCTAssertEqual(error.file, url.path)
            }
        }
        XCTAssertEqual(try folderContents(folder), ["a-file"])
    }

    func testFailureMidWriteRemovesThePartialFile() throws {
        let folder = try temporaryFolder()
        for name in ["clip.mp4", "clip.gif"] {
            let url = folder.appendingPathComponent(name)
            let frames = [RGBImage(width: 16, height: 16), RGBImage(width: 16, height: 16), RGBImage(width: 8, height: 8)]
            XCTAssertThrowsError(try writeVideo(frames: frames, to: url, fps: 2)) { error in
                guard case .invalidFrames? = error as? MediaError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertEqual(try folderContents(folder), [])
    }

    func testWriterDroppedWithoutFinishLeavesNothing() throws {
        let folder = try temporaryFolder()
        do {
            let writer = try MP4Writer(url: folder.appendingPathComponent("clip.mp4"), width: 16, height: 16, fps: 5)
            try writer.append(RGBImage(width: 16, height: 16))
        }
        XCTAssertEqual(try folderContents(folder), [])
    }

    /// A mono 16-bit PCM WAV file: audio, no video.
    private func wav(samples: Int) -> Data {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(8000)); append(UInt32(16000)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(samples * 2))
        for i in 0..<samples { append(Int16(truncatingIfNeeded: (i * 997) % 20000 - 10000)) }
        return data
    }
}
