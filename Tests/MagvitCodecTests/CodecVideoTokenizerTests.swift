import Foundation
import XCTest
import TokenData
@testable import MagvitCodec
@testable import Core

/// MAGVIT2 behind the `VideoTokenizer` protocol: one-frame clips, 1x16x16 grids, the same
/// tokens and frames as the codec's own calls.
final class CodecVideoTokenizerTests: XCTestCase {
    func testIsAOneFrameTokenizerOf16x16GridsOverTheFactoredVocabulary() throws {
        let tokenizer: VideoTokenizer = try CodecFixture.plainCodec.get()
        XCTAssertEqual(tokenizer.frameSize, 256)
        XCTAssertEqual(tokenizer.framesPerClip, 1)
        XCTAssertEqual(tokenizer.clipGrid, TokenGridShape(frames: 1, height: 16, width: 16))
        XCTAssertEqual(tokenizer.clipGrid.count, 256)
        XCTAssertEqual(tokenizer.vocabulary, .magvit2)
    }

    func testEncodesAndDecodesAsTheCodecDoes() throws {
        let codec = try CodecFixture.plainCodec.get()
        let tokenizer: VideoTokenizer = codec
        let frames = try CodecFixture.frames()
        let tokens = try tokenizer.encode(clips: frames.map { [$0] })
        XCTAssertEqual(tokens, try codec.encode(images: frames).tokens)
        XCTAssertEqual(try tokenizer.decode(clips: tokens).map(\.pixels), try codec.decodeImages(tokens: tokens).map(\.pixels))
    }

    func testLoadingErrorsNameTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("codec-load-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("none.ckpt").path
        XCTAssertThrowsError(try Codec.load(path: missing)) { error in
            XCTAssertTrue("\(error)".hasPrefix(missing + ": "), "\(error)")
        }
    }
}
