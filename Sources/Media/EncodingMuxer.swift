import FFmpegShim
import Foundation
import Core

/// One encoder feeding one muxer that writes to an `AtomicOutput`'s temporary file; the
/// destination appears only when `finish()` succeeds. Shared by the MP4 and GIF writers.
final class EncodingMuxer {
    let output: AtomicOutput
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private let stream: UnsafeMutablePointer<AVStream>
    private let packet = Packet()
    private var isClosed = false

    var encoderTimeBase: AVRational { encoder?.pointee.time_base ?? AVRational(num: 1, den: 1) }
    private var path: String { output.destination.path }

    /// `configure` fills in the codec context (size, pixel format, time base, options)
    /// before it is opened.
    init(output: AtomicOutput, muxer: String, codec: UnsafePointer<AVCodec>,
         headerOptions: [String: String] = [:],
         configureStream: (UnsafeMutablePointer<AVStream>) -> Void = { _ in },
         configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws {
        _ = FFmpeg.quietLogging
        self.output = output
        let path = output.destination.path
        var context: UnsafeMutablePointer<AVFormatContext>?
        var code = avformat_alloc_output_context2(&context, nil, muxer, output.temporary.path)
        guard code >= 0, let context else {
            throw MediaError.encoderUnavailable(path: path, reason: "no \(muxer) muxer in this FFmpeg (\(FFmpeg.message(code)))")
        }
        format = context
        guard let stream = avformat_new_stream(context, nil), let encoder = avcodec_alloc_context3(codec) else {
            avformat_free_context(context)
            throw MediaError.encoderUnavailable(path: path, reason: "cannot allocate the \(muxer) stream")
        }
        self.stream = stream
        self.encoder = encoder
        do {
            configure(encoder)
            if context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
                encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
            }
            code = avcodec_open2(encoder, codec, nil)
            guard code >= 0 else {
                throw MediaError.encoderUnavailable(path: path, reason: "cannot open the \(String(cString: codec.pointee.name)) encoder (\(FFmpeg.message(code)))")
            }
            code = avcodec_parameters_from_context(stream.pointee.codecpar, encoder)
            guard code >= 0 else { throw MediaError.cannotWrite(path: path, reason: FFmpeg.message(code)) }
            stream.pointee.time_base = encoder.pointee.time_base
            stream.pointee.avg_frame_rate = encoder.pointee.framerate
            configureStream(stream)

            code = avio_open(&context.pointee.pb, output.temporary.path, AVIO_FLAG_WRITE)
            guard code >= 0 else { throw MediaError.cannotWrite(path: path, reason: FFmpeg.message(code)) }
            var options: OpaquePointer?
            for (key, value) in headerOptions { av_dict_set(&options, key, value, 0) }
            code = avformat_write_header(context, &options)
            av_dict_free(&options)
            guard code >= 0 else { throw MediaError.cannotWrite(path: path, reason: FFmpeg.message(code)) }
        } catch {
            abandon()
            throw error
        }
    }

    deinit { abandon() }

    /// Encodes one frame (pts in the encoder's time base); nil flushes the encoder.
    func encode(_ frame: Frame?) throws {
        guard !isClosed, let encoder, let format else {
            throw MediaError.cannotWrite(path: path, reason: "the writer is already closed")
        }
        var code = avcodec_send_frame(encoder, frame?.pointer)
        guard code >= 0 else { return try fail("encoding failed: \(FFmpeg.message(code))") }
        while true {
            code = avcodec_receive_packet(encoder, packet.pointer)
            if code == FFmpeg.eagain || code == FFmpeg.eof { return }
            guard code >= 0 else { return try fail("encoding failed: \(FFmpeg.message(code))") }
            av_packet_rescale_ts(packet.pointer, encoder.pointee.time_base, stream.pointee.time_base)
            packet.pointer.pointee.stream_index = stream.pointee.index
            code = av_interleaved_write_frame(format, packet.pointer)
            av_packet_unref(packet.pointer)
            guard code >= 0 else { return try fail("writing failed: \(FFmpeg.message(code))") }
        }
    }

    /// Flushes the encoder, writes the trailer and renames the file into place.
    func finish() throws {
        try encode(nil)
        guard let format else { return }
        let code = av_write_trailer(format)
        guard code >= 0 else { return try fail("writing the trailer failed: \(FFmpeg.message(code))") }
        let closed = avio_closep(&format.pointee.pb)
        guard closed >= 0 else { return try fail("closing failed: \(FFmpeg.message(closed))") }
        release()
        try output.commit()
    }

    /// Frees everything and removes the temporary file; safe to call more than once.
    func abandon() {
        guard !isClosed else { return }
        if let format, format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
        release()
        output.abandon()
    }

    private func release() {
        isClosed = true
        avcodec_free_context(&encoder)
        avformat_free_context(format)
        format = nil
    }

    private func fail(_ reason: String) throws {
        abandon()
        throw MediaError.cannotWrite(path: path, reason: reason)
    }
}

/// An rgb24 AVFrame holding a copy of `image`.
func makeRGBFrame(_ image: RGBImage) -> Frame? {
    let frame = Frame()
    let f = frame.pointer
    f.pointee.width = Int32(image.width)
    f.pointee.height = Int32(image.height)
    f.pointee.format = AV_PIX_FMT_RGB24.rawValue
    guard av_frame_get_buffer(f, 0) >= 0, let base = f.pointee.data.0 else { return nil }
    let stride = Int(f.pointee.linesize.0), rowBytes = image.width * 3
    image.pixels.withUnsafeBufferPointer { src in
        for y in 0..<image.height {
            (base + y * stride).update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
        }
    }
    return frame
}
