import FFmpegShim
import Foundation
import Core

/// Writes rgb24 frames to an MP4 file: H.264 (libx264, CRF 18, preset "faster", yuv420p)
/// when this FFmpeg has it, otherwise MPEG-4 Part 2 at qscale 3. The moov atom goes first
/// (+faststart) so players can start before the download ends.
///
/// yuv420p needs even sizes: an odd width or height is padded by repeating the last column
/// or row, so the file is up to one pixel wider/taller than the frames.
public final class MP4Writer: VideoFileWriter {
    public let url: URL
    public let width: Int
    public let height: Int
    public let fps: Double
    /// "libx264" or "mpeg4".
    public let encoderName: String
    private let muxer: EncodingMuxer
    private let scaler: OpaquePointer
    private var nextPTS: Int64 = 0

    public convenience init(url: URL, width: Int, height: Int, fps: Double) throws {
        try self.init(url: url, width: width, height: height, fps: fps, displayRotation: nil, sampleAspectRatio: nil)
    }

    /// Also tags the stream with a display rotation (the display turns the stored
    /// picture this many degrees clockwise; a phone held upright records 90) and a sample aspect ratio, so tests can make rotated and anamorphic files.
    init(url: URL, width: Int, height: Int, fps: Double, displayRotation: Double?, sampleAspectRatio: AVRational?) throws {
        try checkWriterParameters(url: url, width: width, height: height, fps: fps)
        let output = try AtomicOutput(destination: url)
        let codedWidth = (width + 1) / 2 * 2, codedHeight = (height + 1) / 2 * 2
        let rate = rationalFrameRate(fps)
        let h264 = avcodec_find_encoder_by_name("libx264")
        guard let codec = h264 ?? avcodec_find_encoder(AV_CODEC_ID_MPEG4) else {
            throw MediaError.encoderUnavailable(path: url.path, reason: "this FFmpeg has neither an H.264 (libx264) nor an MPEG-4 encoder")
        }
        let pixelShape = sampleAspectRatio ?? AVRational(num: 1, den: 1)
        muxer = try EncodingMuxer(output: output, muxer: "mp4", codec: codec, headerOptions: ["movflags": "+faststart"],
                                  configureStream: { stream in
            stream.pointee.sample_aspect_ratio = pixelShape
            if let displayRotation, let matrix = shim_stream_new_display_matrix(stream) {
                av_display_rotation_set(matrix, displayRotation)
            }
        }) { encoder in
            encoder.pointee.width = Int32(codedWidth)
            encoder.pointee.height = Int32(codedHeight)
            encoder.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            encoder.pointee.time_base = AVRational(num: rate.den, den: rate.num)
            encoder.pointee.framerate = rate
            encoder.pointee.sample_aspect_ratio = pixelShape
            // Tag what swscale produces below (BT.601, limited range) so decoders invert it.
            encoder.pointee.colorspace = AVCOL_SPC_SMPTE170M
            encoder.pointee.color_range = AVCOL_RANGE_MPEG
            if h264 != nil {
                av_opt_set(encoder.pointee.priv_data, "crf", "18", 0)
                av_opt_set(encoder.pointee.priv_data, "preset", "faster", 0)
            } else {
                encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
                encoder.pointee.global_quality = 3 * FF_QP2LAMBDA
            }
        }
        guard let scaler = sws_getContext(Int32(codedWidth), Int32(codedHeight), AV_PIX_FMT_RGB24,
                                          Int32(codedWidth), Int32(codedHeight), AV_PIX_FMT_YUV420P,
                                          SWS_BICUBIC | SWS_ACCURATE_RND, nil, nil, nil) else {
            muxer.abandon()
            throw MediaError.encoderUnavailable(path: url.path, reason: "no rgb24 to yuv420p conversion")
        }
        self.scaler = scaler
        self.url = url
        self.width = width
        self.height = height
        self.fps = fps
        self.encoderName = String(cString: codec.pointee.name)
    }

    deinit {
        sws_freeContext(scaler)
        muxer.abandon()
    }

    public func append(_ image: RGBImage) throws {
        guard image.width == width, image.height == height else {
            muxer.abandon()
            throw MediaError.invalidFrames(path: url.path, reason: "frame \(nextPTS) is \(image.width)x\(image.height), expected \(width)x\(height)")
        }
        let padded = image.paddedToEvenSize()
        let yuv = Frame()
        yuv.pointer.pointee.width = Int32(padded.width)
        yuv.pointer.pointee.height = Int32(padded.height)
        yuv.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        guard let rgb = makeRGBFrame(padded), av_frame_get_buffer(yuv.pointer, 0) >= 0,
              sws_scale_frame(scaler, yuv.pointer, rgb.pointer) >= 0 else {
            muxer.abandon()
            throw MediaError.cannotWrite(path: url.path, reason: "cannot convert frame \(nextPTS) to yuv420p")
        }
        yuv.pointer.pointee.pts = nextPTS
        nextPTS += 1
        try muxer.encode(yuv)
    }

    public func finish() throws {
        guard nextPTS > 0 else {
            muxer.abandon()
            throw MediaError.invalidFrames(path: url.path, reason: "no frames to write")
        }
        try muxer.finish()
    }
}

extension RGBImage {
    /// Repeats the last column/row so both sides are even (what yuv420p needs).
    func paddedToEvenSize() -> RGBImage {
        guard width % 2 == 1 || height % 2 == 1 else { return self }
        let w = (width + 1) / 2 * 2, h = (height + 1) / 2 * 2
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = min(y, height - 1)
            for x in 0..<w {
                let sx = min(x, width - 1)
                let s = (sy * width + sx) * 3, d = (y * w + x) * 3
                pixels[d] = self.pixels[s]; pixels[d + 1] = self.pixels[s + 1]; pixels[d + 2] = self.pixels[s + 2]
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }
}
