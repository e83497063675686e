import Foundation
import XCTest
@testable import Media
import Core

final class ComparisonRendererTests: XCTestCase {
    private let renderer = ComparisonRenderer()

    private func frames(_ range: Range<Int>, tint: UInt8 = 0) -> [RGBImage] {
        range.map { i in
            var frame = SyntheticVideo.frame(i, width: 256, height: 256)
            if tint > 0 { for p in stride(from: 0, to: frame.pixels.count, by: 3) { frame.pixels[p] = max(frame.pixels[p], tint) } }
            return frame
        }
    }

    /// Set MEDIA_SAMPLE_DIR to keep the rendered pictures for a look.
    private func keep(_ write: (URL) throws -> Void, as name: String) throws {
        guard let folder = ProcessInfo.processInfo.environment["MEDIA_SAMPLE_DIR"] else { return }
        try write(URL(fileURLWithPath: folder).appendingPathComponent(name))
    }

    private func darkPixels(_ image: RGBImage, x: Range<Int>, y: Range<Int>) -> Int {
        var count = 0
        for row in y { for column in x where image.pixel(x: column, y: row) == .black { count += 1 } }
        return count
    }

    func testCaptionBandHasCentredDarkTextOnWhite() {
        let band = RGBImage.captionBand("Ground truth", width: 256)
        XCTAssertEqual(band.height, 36)
        let dark = darkPixels(band, x: 0..<256, y: 0..<36)
        XCTAssertGreaterThan(dark, 200)
        // Centred: ink on both halves, none in the outer 10 px or the top/bottom 5 px.
        XCTAssertGreaterThan(darkPixels(band, x: 0..<128, y: 0..<36), dark / 4)
        XCTAssertGreaterThan(darkPixels(band, x: 128..<256, y: 0..<36), dark / 4)
        XCTAssertEqual(darkPixels(band, x: 0..<10, y: 0..<36) + darkPixels(band, x: 246..<256, y: 0..<36), 0)
        XCTAssertEqual(darkPixels(band, x: 0..<256, y: 0..<5) + darkPixels(band, x: 0..<256, y: 31..<36), 0)
        XCTAssertEqual(band.pixel(x: 2, y: 2), .white)
    }

    func testEveryPrintableCharacterHasItsOwnGlyph() {
        let glyphs = (32...126).map { Array(BitmapFont.rows(for: Character(UnicodeScalar(UInt8($0))))) }
        XCTAssertEqual(Set(glyphs.map { $0.map(String.init).joined(separator: ",") }).count, 95)
        XCTAssertEqual(BitmapFont.rows(for: "é"), BitmapFont.rows(for: "?"))
    }

    func testAnimationFramesPairEachInstantWithItsGroundTruth() throws {
        for (promptCount, generatedCount) in [(9, 8), (8, 8)] {
            let prompt = frames(0..<promptCount)
            let generated = frames(promptCount..<(promptCount + generatedCount), tint: 200)
            let truth = frames(0..<(promptCount + generatedCount))
            let animation = try renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: truth)
            XCTAssertEqual(animation.count, promptCount + generatedCount)
            for (t, frame) in animation.enumerated() {
                XCTAssertEqual(frame.width, 516)
                XCTAssertEqual(frame.height, 292)
                let left = t < promptCount ? prompt[t] : generated[t - promptCount]
                XCTAssertEqual(frame.pixel(x: 100, y: 36 + 100), left.pixel(x: 100, y: 100))
                XCTAssertEqual(frame.pixel(x: 260 + 100, y: 36 + 100), truth[t].pixel(x: 100, y: 100))
                XCTAssertGreaterThan(darkPixels(frame, x: 0..<256, y: 0..<36), 100)
                XCTAssertGreaterThan(darkPixels(frame, x: 260..<516, y: 0..<36), 100)
            }
            // The left caption changes from "Prompt" to "Generated" at the first generated frame.
            let band = { (i: Int) in RGBImage(width: 256, height: 36, pixels: animation[i].pixels.prefix(516 * 36 * 3).enumerated().filter { ($0.offset / 3) % 516 < 256 }.map(\.element)) }
            XCTAssertEqual(band(0), band(promptCount - 1))
            XCTAssertNotEqual(band(promptCount - 1), band(promptCount))
            XCTAssertEqual(band(promptCount), RGBImage.captionBand("Generated", width: 256))
        }
    }

    func testFutureOnlyGroundTruthReusesThePrompt() throws {
        let prompt = frames(0..<9), generated = frames(9..<17, tint: 200)
        let whole = try renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: frames(0..<17))
        let future = try renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: frames(9..<17))
        XCTAssertEqual(whole, future)
        XCTAssertThrowsError(try renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: frames(0..<12))) { error in
            guard case .invalidComparison? = error as? MediaError else { return XCTFail("\(error)") }
        }
    }

    func testComicStripHasTheExpectedSizeAndRows() throws {
        for (promptCount, generatedCount) in [(9, 8), (8, 8)] {
            let prompt = frames(0..<promptCount)
            let generated = frames(promptCount..<(promptCount + generatedCount), tint: 200)
            let truth = frames(0..<(promptCount + generatedCount))
            let comic = try renderer.comicStrip(prompt: prompt, generated: generated, groundTruth: truth)
            let n = promptCount + generatedCount
            // 4 px border and gaps, 12 px more between prompt and future, 36 px title, 30 px row labels.
            XCTAssertEqual(comic.width, 4 + n * 256 + (n - 1) * 4 + 12 + 4)
            XCTAssertEqual(comic.height, 4 + 36 + 4 + (30 + 256) + 4 + (30 + 256) + 4)
            let size = renderer.comicSize(promptCount: promptCount, futureCount: generatedCount, frameWidth: 256, frameHeight: 256)
            XCTAssertEqual(size.width, comic.width)
            XCTAssertEqual(size.height, comic.height)
            // First generated frame in the top row, its ground truth below.
            let x = 4 + promptCount * 260 + 12
            let topY = 4 + 36 + 4 + 30, bottomY = topY + 256 + 4 + 30
            XCTAssertEqual(comic.pixel(x: x + 50, y: topY + 50), generated[0].pixel(x: 50, y: 50))
            XCTAssertEqual(comic.pixel(x: x + 50, y: bottomY + 50), truth[promptCount].pixel(x: 50, y: 50))
            XCTAssertEqual(comic.pixel(x: 4 + 50, y: topY + 50), prompt[0].pixel(x: 50, y: 50))
            XCTAssertGreaterThan(darkPixels(comic, x: 0..<comic.width, y: 4..<40), 200, "title")
            XCTAssertGreaterThan(darkPixels(comic, x: x..<comic.width, y: (topY - 30)..<topY), 100, "row label")
            try keep({ try PNGCodec.write(comic, to: $0) }, as: "comic_\(promptCount)+\(generatedCount).png")
            try keep({ try writeVideo(frames: renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: truth), to: $0, fps: 2) },
                     as: "animation_\(promptCount)+\(generatedCount).gif")
            try keep({ try writeVideo(frames: renderer.animationFrames(prompt: prompt, generated: generated, groundTruth: truth), to: $0, fps: 30000.0 / 1001) },
                     as: "animation_\(promptCount)+\(generatedCount).mp4")
        }
    }

    func testWriteChoosesComicForPNGAndAnimationForGIF() throws {
        let folder = try temporaryFolder()
        let prompt = frames(0..<2), generated = frames(2..<3, tint: 200), truth = frames(2..<3)
        try renderer.write(prompt: prompt, generated: generated, groundTruth: truth, to: folder.appendingPathComponent("c.png"))
        let comic = try PNGCodec.read(from: folder.appendingPathComponent("c.png"))
        let size = renderer.comicSize(promptCount: 2, futureCount: 1, frameWidth: 256, frameHeight: 256)
        XCTAssertEqual([comic.width, comic.height], [size.width, size.height])
        try renderer.write(prompt: prompt, generated: generated, groundTruth: truth, to: folder.appendingPathComponent("c.gif"))
        let reader = try VideoReader(url: folder.appendingPathComponent("c.gif"), options: VideoReadOptions(size: 32, crop: .none))
        XCTAssertEqual([reader.sourceWidth, reader.sourceHeight], [516, 292])
        XCTAssertEqual(try reader.readAll().count, 3)
    }

    func testAreaResizeAveragesAndNearestRepeats() {
        var checker = RGBImage(width: 4, height: 4, color: .black)
        for y in 0..<4 { for x in 0..<4 where (x + y) % 2 == 0 { checker.fill(x: x, y: y, width: 1, height: 1, color: .white) } }
        let half = checker.resized(width: 2, height: 2, filter: .area)
        XCTAssertEqual(half.pixels, [UInt8](repeating: 128, count: 12))
        let double = checker.resized(width: 8, height: 8, filter: .nearest)
        XCTAssertEqual(double.pixel(x: 0, y: 0), .white)
        XCTAssertEqual(double.pixel(x: 1, y: 1), .white)
        XCTAssertEqual(double.pixel(x: 2, y: 0), .black)
        let third = RGBImage(width: 3, height: 1, pixels: [0, 0, 0, 90, 90, 90, 180, 180, 180]).resized(width: 2, height: 1, filter: .area)
        XCTAssertEqual(third.pixels, [30, 30, 30, 150, 150, 150])
    }
}
