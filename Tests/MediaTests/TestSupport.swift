import Foundation
import XCTest
@testable import Media
import Core

extension XCTestCase {
    /// A fresh folder under the system temporary directory, removed when the test ends.
    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("media-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

func folderContents(_ url: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
}

/// Deterministic pseudo-random pixels (the tests' SplitMix64), so failures reproduce.
func noiseImage(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var rng = SplitMix64(seed: seed)
    let pixels = (0 ..< width * height * 3).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 56) }
    return RGBImage(width: width, height: height, pixels: pixels)
}
