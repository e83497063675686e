import Foundation
import XCTest
@testable import Media

final class InputGroupingTests: XCTestCase {
    private func touch(_ folder: URL, _ names: [String]) throws {
        for name in names { try Data("x".utf8).write(to: folder.appendingPathComponent(name)) }
    }

    func testConsecutiveImagesFolderAndPatternEachFormOneSegment() throws {
        let folder = try temporaryFolder()
        let frames = folder.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try touch(frames, ["img_10.jpg", "img_2.jpg", "img_1.jpg", ".hidden.jpg", "notes.txt"])
        try touch(folder, ["a.jpg", "b.png", "clip.mp4", "c.webp", "shot_000.png", "shot_001.png", "shot_002.png", "shot_x.png"])
        let path = { (name: String) in folder.appendingPathComponent(name).path }

        let segments = try InputGrouping.segments([path("a.jpg"), path("b.png"), path("clip.mp4"), path("c.webp"), frames.path,
                                                   path("shot_%03d.png")])
        XCTAssertEqual(segments, [
            .images([path("a.jpg"), path("b.png")]),
            .video(path("clip.mp4")),
            .images([path("c.webp")]),
            .images(["img_1.jpg", "img_2.jpg", "img_10.jpg"].map { frames.appendingPathComponent($0).path }),
            .images(["shot_000.png", "shot_001.png", "shot_002.png"].map(path)),
        ])

        let perFile = try InputGrouping.segments([path("a.jpg"), path("b.png"), path("shot_%03d.png")], segmentPerFile: true)
        XCTAssertEqual(perFile.count, 5)
        XCTAssertEqual(perFile.first, .images([path("a.jpg")]))
    }

    func testEmptyFolderUnmatchedPatternAndMissingFileNameTheInput() throws {
        let folder = try temporaryFolder()
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for input in [empty.path, folder.appendingPathComponent("img_%04d.jpg").path, folder.appendingPathComponent("gone.mp4").path] {
            XCTAssertThrowsError(try InputGrouping.segments([input])) { error in
                XCTAssertTrue("\(error)".hasPrefix(input + ":"), "\(error)")
            }
        }
    }
}
