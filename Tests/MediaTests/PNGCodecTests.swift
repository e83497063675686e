import FFmpegShim
import Foundation
import XCTest
@testable import Media
import Core

final class PNGCodecTests: XCTestCase {
    func testRGBImageSurvivesWriteAndReadBitForBit() throws {
        let image = noiseImage(width: 256, height: 256, seed: 7)
        let url = try temporaryFolder().appendingPathComponent("noise.png")
        try PNGCodec.write(image, to: url)
        let back = try PNGCodec.read(from: url)
        XCTAssertEqual(back.width, 256)
        XCTAssertEqual(back.height, 256)
        XCTAssertEqual(back.pixels, image.pixels)
        XCTAssertEqual(try folderContents(url.deletingLastPathComponent()), ["noise.png"])
    }

    func testGrayPNGReadsAsEqualChannels() throws {
        let gray: [UInt8] = (0..<(7 * 5)).map { UInt8($0 * 7) }
        let data = try encodeWithLibpng(width: 7, height: 5, format: 0, bytes: gray)
        let image = try PNGCodec.decode(data)
        XCTAssertEqual(image.width, 7)
        for (i, g) in gray.enumerated() {
            XCTAssertEqual(Array(image.pixels[(i * 3)..<(i * 3 + 3)]), [g, g, g])
        }
    }

    func testPalettePNGReadsItsColours() throws {
        let colormap: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let indices: [UInt8] = [0, 1, 2, 3, 3, 2, 1, 0]
        let data = try encodeWithLibpng(width: 4, height: 2, format: Int32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP),
                                        bytes: indices, colormap: colormap, entries: 4)
        let image = try PNGCodec.decode(data)
        for (i, index) in indices.enumerated() {
            XCTAssertEqual(Array(image.pixels[(i * 3)..<(i * 3 + 3)]), Array(colormap[(Int(index) * 3)..<(Int(index) * 3 + 3)]))
        }
    }

    func testAlphaIsCompositedOntoBlack() throws {
        let rgba: [UInt8] = [200, 100, 50, 255, 200, 100, 50, 0]
        let data = try encodeWithLibpng(width: 2, height: 1, format: Int32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), bytes: rgba)
        let image = try PNGCodec.decode(data)
        XCTAssertEqual(image.pixels, [200, 100, 50, 0, 0, 0])
    }

    func testSixteenBitPNGIsReducedToEightBits() throws {
        // Linear 16-bit samples; full scale and zero must map to 255 and 0 exactly.
        let samples: [UInt16] = [65535, 0, 65535, 0, 0, 0]
        let bytes = samples.withUnsafeBytes { Array($0) }
        let data = try encodeWithLibpng(width: 2, height: 1, format: Int32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_LINEAR), bytes: bytes)
        let image = try PNGCodec.decode(data)
        XCTAssertEqual(image.pixels, [255, 0, 255, 0, 0, 0])
    }

    func testMissingAndGarbageFilesGiveErrorsNamingTheFile() throws {
        let folder = try temporaryFolder()
        let missing = folder.appendingPathComponent("missing.png")
        XCTAssertThrowsError(try PNGCodec.read(from: missing)) { error in
            XCTAssertEqual(error as? MediaError, .fileNotFound(path: missing.path))
            XCTAssertTrue("\(error)".contains("missing.png"))
        }
        let garbage = folder.appendingPathComponent("garbage.png")
        try Data((0..<500).map { UInt8(($0 * 37) & 255) }).write(to: garbage)
        XCTAssertThrowsError(try PNGCodec.read(from: garbage)) { error in
            guard case .unreadable(let path, _)? = error as? MediaError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, garbage.path)
        }
    }

    func testWritingIntoAMissingFolderFailsWithoutLeavingFiles() throws {
        let folder = try temporaryFolder()
        let target = folder.appendingPathComponent("no-such-dir/out.png")
        XCTAssertThrowsError(try PNGCodec.write(noiseImage(width: 4, height: 4, seed: 1), to: target)) { error in
            guard let error = error as? FileError, case .cannotWrite = error.problem else { return XCTFail("\(error)") }
            XCTAssertEqual(error.file, target.path)
        }
        XCTAssertEqual(try folderContents(folder), [])
    }

    /// libpng's own writer makes the non-RGB inputs, so the reader meets real encodings.
    private func encodeWithLibpng(width: Int, height: Int, format: Int32, bytes: [UInt8],
                                  colormap: [UInt8]? = nil, entries: Int = 0) throws -> Data {
        var image = png_image()
        shim_png_image_init(&image)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(format)
        image.colormap_entries = png_uint_32(entries)
        var size: png_alloc_size_t = 1 << 16
        var out = [UInt8](repeating: 0, count: Int(size))
        let map = colormap ?? []
        let ok = out.withUnsafeMutableBytes { o in
            bytes.withUnsafeBytes { b in
                map.withUnsafeBytes { c in
                    png_image_write_to_memory(&image, o.baseAddress, &size, 0, b.baseAddress, 0,
                                              colormap == nil ? nil : c.baseAddress)
                }
            }
        }
        XCTAssertNotEqual(ok, 0, String(cString: shim_png_image_message(&image)))
        return Data(out.prefix(Int(size)))
    }
}
