import Foundation
import XCTest
import Core
import Media
import TokenData
import TestSupport
@testable import Pipelines

/// A tokenizer of `framesPerClip`-frame clips whose grid is the first pixel's red value of each frame.
private final class FakeTokenizer: VideoTokenizer {
    let framesPerClip: Int
    var calls: [Int] = []  // clips per encode call
    init(framesPerClip: Int) { self.framesPerClip = framesPerClip }
    var frameSize: Int { 8 }
    var clipGrid: TokenGridShape { TokenGridShape(frames: framesPerClip, height: 1, width: 1) }
    var vocabulary: Vocabulary { .flat(size: 256) }
    func encode(clips: [[RGBImage]]) throws -> [[UInt32]] {
        calls.append(clips.count)
        for clip in clips { XCTAssertEqual(clip.count, framesPerClip) }
        return clips.map { $0.map { UInt32($0.pixels[0]) } }
    }
    func decode(clips: [[UInt32]]) throws -> [RGBImage] { [] }
}

private final class RecordingWriter: TokenGridWriter {
    var log: [String] = []
    func beginSegment() throws { log.append("begin") }
    func add(clip tokens: [UInt32]) throws { log.append("clip \(tokens)") }
    func endSegment(frames: Int) throws { log.append("end \(frames)") }
}

final class TokenizePipelineTests: XCTestCase {
    /// PNGs at the pipeline's size (so they pass untouched), numbered by their first pixel.
    private func images(_ count: Int) throws -> [String] {
        let folder = try makeScratchDirectory(self)
        return try (0..<count).map { i in
            let url = folder.appendingPathComponent("frame_\(i).png")
            try PNGCodec.write(RGBImage(width: 8, height: 8, pixels: [UInt8](repeating: UInt8(10 + i), count: 8 * 8 * 3)), to: url)
            return url.path
        }
    }

    private func run(_ segments: [InputGrouping.Segment], clip: Int, batch: Int) throws -> (RecordingWriter, FakeTokenizer, [String]) {
        let tokenizer = FakeTokenizer(framesPerClip: clip)
        let writer = RecordingWriter()
        var events: [String] = []
        try TokenizePipeline(tokenizer: tokenizer, options: VideoReadOptions(fps: nil, size: 8), batch: batch).run(segments, into: writer) { event in
            if case .encoded(let frames, let clips, let segmentFrames) = event { events.append("\(frames) \(clips) \(segmentFrames)") }
        }
        return (writer, tokenizer, events)
    }

    func testShortLastClipRepeatsItsLastFrameAndTheWriterHearsTheRealCount() throws {
        let files = try images(5)
        let (writer, tokenizer, events) = try run([.images(files)], clip: 3, batch: 1)
        XCTAssertEqual(writer.log, ["begin", "clip [10, 11, 12]", "clip [13, 14, 14]", "end 5"])
        XCTAssertEqual(tokenizer.calls, [1, 1])
        XCTAssertEqual(events, ["3 1 3", "2 1 5"])
    }

    func testClipsGoThroughTogetherUpToTheBatchAndEverySegmentEndsItsOwn() throws {
        let files = try images(5)
        let (writer, tokenizer, events) = try run([.images(Array(files[..<3])), .images(Array(files[3...]))], clip: 1, batch: 2)
        XCTAssertEqual(writer.log, ["begin", "clip [10]", "clip [11]", "clip [12]", "end 3", "begin", "clip [13]", "clip [14]", "end 2"])
        XCTAssertEqual(tokenizer.calls, [2, 1, 2])
        XCTAssertEqual(events, ["2 2 2", "1 1 3", "2 2 2"])
    }

    func testAMissingInputIsReportedByName() throws {
        XCTAssertThrowsError(try run([.images(["/nonexistent/frame.png"])], clip: 1, batch: 1)) { error in
            XCTAssertEqual(error as? MediaError, .fileNotFound(path: "/nonexistent/frame.png"))
        }
    }
}
