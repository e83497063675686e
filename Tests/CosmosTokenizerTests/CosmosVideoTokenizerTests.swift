import Foundation
import XCTest
import Core
import Checkpoints
import TokenData
import TestSupport
@testable import CosmosTokenizer

/// Cosmos DV8x8x8 behind the `VideoTokenizer` protocol, and telling its files from others once.
final class CosmosVideoTokenizerTests: XCTestCase {
    func testIsA17FrameTokenizerOf3x32x32GridsOverTheFlatCodebook() throws {
        let tokenizer: VideoTokenizer = CosmosParityTests.tokenizer
        XCTAssertEqual(tokenizer.frameSize, 256)
        XCTAssertEqual(tokenizer.framesPerClip, 17)
        XCTAssertEqual(tokenizer.clipGrid, TokenGridShape(frames: 3, height: 32, width: 32))
        XCTAssertEqual(tokenizer.vocabulary, .cosmosDV)
    }

    func testEncodesAsTheTokenizerDoes() throws {
        let frames = try CosmosFixture.frames("frames")
        let tokens = try (CosmosParityTests.tokenizer as VideoTokenizer).encode(clips: [frames])
        XCTAssertEqual(tokens.count, 1)
        XCTAssertEqual(tokens[0].map { Int32(bitPattern: $0) }, try CosmosFixture.int32s("tokens_i32.bin"))
    }

    func testDetectsFoldersAndFilesByTheirContents() throws {
        guard case .cosmosFolder = TokenizerCheckpoint.detect(path: CosmosFixture.directory.path) else { return XCTFail("folder") }
        let file = TokenizerCheckpoint.detect(path: CosmosFixture.path("encoder.jit"))
        guard case .cosmosFile(let store) = file else { return XCTFail("file") }
        XCTAssertEqual(store.path, CosmosFixture.path("encoder.jit"))
        XCTAssertTrue(try file.loadCosmos(parts: [.encoder]).hasEncoder)
        let other = TokenizerCheckpoint.detect(path: CosmosFixture.path("meta.json"))
        XCTAssertFalse(other.isCosmos)
        XCTAssertFalse(TokenizerCheckpoint.detect(path: "/nonexistent/encoder.jit").isCosmos)
    }
}
