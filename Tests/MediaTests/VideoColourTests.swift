import FFmpegShim
import Foundation
import XCTest
@testable import Core
@testable import Media

/// The intake's colour conversion honours each stream's YUV matrix, range and bit depth. Inputs
/// are lossless FFV1 files made with FFmpeg's API from a known RGB chart, tagged as they are coded.
final class VideoColourTests: XCTestCase {
    /// Saturated and grey 16x16 patches (uniform, so 4:2:0 subsampling loses nothing inside them).
    private func chart() -> RGBImage {
        let colours: [[UInt8]] = [[230, 30, 30], [30, 200, 40], [40, 60, 220], [240, 230, 40],
                                  [30, 220, 220], [210, 40, 200], [250, 250, 250], [12, 12, 12],
                                  [128, 128, 128], [200, 120, 60], [60, 120, 200], [90, 200, 130],
                                  [255, 0, 0], [0, 255, 0], [0, 0, 255], [180, 180, 90]]
        var image = RGBImage(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 {
                let c = colours[(y / 16) * 4 + x / 16]
                image.pixels.replaceSubrange(((y * 64 + x) * 3)..<((y * 64 + x) * 3 + 3), with: c)
            }
        }
        return image
    }

    /// Writes `image` as 4 frames of FFV1 in Matroska, converted with `matrix` (SWS_CS_*) and `fullRange`.
    private func writeTagged(_ image: RGBImage, to url: URL, format: AVPixelFormat, matrix: Int32, fullRange: Bool,
                             colorspace: AVColorSpace) throws {
        let codec = try XCTUnwrap(avcodec_find_encoder(AV_CODEC_ID_FFV1))
        let muxer = try EncodingMuxer(output: AtomicOutput(destination: url), muxer: "matroska", codec: codec) { encoder in
            encoder.pointee.width = 64
            encoder.pointee.height = 64
            encoder.pointee.pix_fmt = format
            encoder.pointee.time_base = AVRational(num: 1, den: 10)
            encoder.pointee.framerate = AVRational(num: 10, den: 1)
            encoder.pointee.colorspace = colorspace
            encoder.pointee.color_range = fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        }
        let scaler = sws_getContext(64, 64, AV_PIX_FMT_RGB24, 64, 64, format, SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                                    nil, nil, nil)
        defer { sws_freeContext(scaler) }
        _ = sws_setColorspaceDetails(scaler, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(matrix),
                                     fullRange ? 1 : 0, 0, 1 << 16, 1 << 16)
        for k in 0..<4 {
            let rgb = try XCTUnwrap(makeRGBFrame(image))
            let yuv = Frame()
            yuv.pointer.pointee.width = 64
            yuv.pointer.pointee.height = 64
            yuv.pointer.pointee.format = format.rawValue
            XCTAssertGreaterThanOrEqual(av_frame_get_buffer(yuv.pointer, 0), 0)
            XCTAssertGreaterThanOrEqual(sws_scale_frame(scaler, yuv.pointer, rgb.pointer), 0)
            yuv.pointer.pointee.colorspace = colorspace
            yuv.pointer.pointee.color_range = fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
            yuv.pointer.pointee.pts = Int64(k)
            try muxer.encode(yuv)
        }
        try muxer.finish()
    }

    /// Mean error over the patches' interiors (their edges carry the chroma filter's blur).
    private func interiorError(_ a: RGBImage, _ b: RGBImage) -> Double {
        var total = 0, count = 0
        for y in 0..<64 where (3..<13).contains(y % 16) {
            for x in 0..<64 where (3..<13).contains(x % 16) {
                for c in 0..<3 {
                    total += abs(Int(a.pixels[(y * 64 + x) * 3 + c]) - Int(b.pixels[(y * 64 + x) * 3 + c]))
                    count += 1
                }
            }
        }
        return Double(total) / Double(count)
    }

    func testBT601AndBT709InLimitedAndFullRangeAt8And10BitsComeBackAsTheChart() throws {
        let folder = try temporaryFolder()
        let source = chart()
        let cases: [(String, AVPixelFormat, Int32, AVColorSpace, Bool)] = [
            ("bt601-limited-8bit", AV_PIX_FMT_YUV420P, SWS_CS_SMPTE170M, AVCOL_SPC_SMPTE170M, false),
            ("bt601-full-8bit", AV_PIX_FMT_YUV420P, SWS_CS_SMPTE170M, AVCOL_SPC_SMPTE170M, true),
            ("bt709-limited-8bit", AV_PIX_FMT_YUV420P, SWS_CS_ITU709, AVCOL_SPC_BT709, false),
            ("bt709-full-8bit", AV_PIX_FMT_YUV420P, SWS_CS_ITU709, AVCOL_SPC_BT709, true),
            ("bt709-limited-10bit", AV_PIX_FMT_YUV420P10LE, SWS_CS_ITU709, AVCOL_SPC_BT709, false),
            ("bt601-full-10bit", AV_PIX_FMT_YUV420P10LE, SWS_CS_SMPTE170M, AVCOL_SPC_SMPTE170M, true),
        ]
        for (name, format, matrix, colorspace, fullRange) in cases {
            let url = folder.appendingPathComponent("\(name).mkv")
            try writeTagged(source, to: url, format: format, matrix: matrix, fullRange: fullRange, colorspace: colorspace)
            let frames = try VideoReader(url: url, options: VideoReadOptions(size: 64)).readAll()
            XCTAssertEqual(frames.count, 4, name)
            XCTAssertLessThan(interiorError(frames[0], source), 1.5, name)

            // The same file read with the other matrix or range is visibly off: the test can fail.
            let otherMatrix = colorspace == AVCOL_SPC_BT709 ? "bt601" : "bt709"
            let wrongMatrix = try VideoReader(url: url, options: VideoReadOptions(size: 64), customFilters:
                "scale=64:64:in_color_matrix=\(otherMatrix),format=rgb24").readAll()[0]
            XCTAssertGreaterThan(interiorError(wrongMatrix, source), 4, name)
            let wrongRange = try VideoReader(url: url, options: VideoReadOptions(size: 64), customFilters:
                "scale=64:64:in_range=\(fullRange ? "tv" : "pc"),format=rgb24").readAll()[0]
            XCTAssertGreaterThan(interiorError(wrongRange, source), 4, name)
        }
    }
}
