import FFmpegShim
import Foundation
import Core

/// Writes rgb24 frames to a looping GIF with one 256-colour palette made for the whole clip
/// and applied with dithering, as ffmpeg's `palettegen`/`paletteuse` do (they are the
/// filters used here, with their defaults). The palette needs every frame, so the frames
/// are buffered inside the filter graph until `finish()`: fine for clips, not for hours.
public final class GIFWriter: VideoFileWriter {
    public let url: URL
    public let width: Int
    public let height: Int
    public let fps: Double
    private let muxer: EncodingMuxer
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    private var appended: Int64 = 0

    public init(url: URL, width: Int, height: Int, fps: Double) throws {
        try checkWriterParameters(url: url, width: width, height: height, fps: fps)
        let output = try AtomicOutput(destination: url)
        let rate = rationalFrameRate(fps)
        let frameTime = AVRational(num: rate.den, den: rate.num)
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_GIF) else {
            throw MediaError.encoderUnavailable(path: url.path, reason: "this FFmpeg has no GIF encoder")
        }

        guard let graph = avfilter_graph_alloc() else {
            throw MediaError.encoderUnavailable(path: url.path, reason: "cannot allocate a filter graph")
        }
        self.graph = graph
        var src: UnsafeMutablePointer<AVFilterContext>?
        var snk: UnsafeMutablePointer<AVFilterContext>?
        let bufferArgs = "video_size=\(width)x\(height):pix_fmt=rgb24:time_base=\(frameTime.num)/\(frameTime.den):pixel_aspect=1/1"
        var code = avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", bufferArgs, nil, graph)
        if code >= 0 {
            code = avfilter_graph_create_filter(&snk, avfilter_get_by_name("buffersink"), "out", nil, nil, graph)
        }
        if code >= 0, let src, let snk {
            // buffer -> split -> palettegen/paletteuse -> buffersink.
            code = FilterGraph.parse("[in]split[a][b];[a]palettegen[p];[b][p]paletteuse[out]", graph: graph, source: src, sink: snk)
        }
        guard code >= 0, let src, let snk else {
            var doomed: UnsafeMutablePointer<AVFilterGraph>? = graph
            avfilter_graph_free(&doomed)
            throw MediaError.encoderUnavailable(path: url.path, reason: "cannot build the palettegen/paletteuse filters (\(FFmpeg.message(code)))")
        }
        source = src
        sink = snk

        do {
            muxer = try EncodingMuxer(output: output, muxer: "gif", codec: codec, headerOptions: ["loop": "0"]) { encoder in
                encoder.pointee.width = Int32(width)
                encoder.pointee.height = Int32(height)
                encoder.pointee.pix_fmt = AV_PIX_FMT_PAL8
                encoder.pointee.time_base = frameTime
                encoder.pointee.framerate = rate
            }
        } catch {
            var doomed: UnsafeMutablePointer<AVFilterGraph>? = graph
            avfilter_graph_free(&doomed)
            throw error
        }
        self.url = url
        self.width = width
        self.height = height
        self.fps = fps
    }

    deinit {
        avfilter_graph_free(&graph)
        muxer.abandon()
    }

    public func append(_ image: RGBImage) throws {
        guard image.width == width, image.height == height else {
            muxer.abandon()
            throw MediaError.invalidFrames(path: url.path, reason: "frame \(appended) is \(image.width)x\(image.height), expected \(width)x\(height)")
        }
        guard let frame = makeRGBFrame(image) else {
            muxer.abandon()
            throw MediaError.cannotWrite(path: url.path, reason: "out of memory for frame \(appended)")
        }
        frame.pointer.pointee.pts = appended
        appended += 1
        let code = av_buffersrc_add_frame(source, frame.pointer)
        guard code >= 0 else {
            muxer.abandon()
            throw MediaError.cannotWrite(path: url.path, reason: "filter graph refused frame: \(FFmpeg.message(code))")
        }
        try encodeFilteredFrames()
    }

    public func finish() throws {
        guard appended > 0 else {
            muxer.abandon()
            throw MediaError.invalidFrames(path: url.path, reason: "no frames to write")
        }
        let code = av_buffersrc_add_frame(source, nil)  // end of stream: palettegen emits now
        guard code >= 0 else {
            muxer.abandon()
            throw MediaError.cannotWrite(path: url.path, reason: "filter graph: \(FFmpeg.message(code))")
        }
        try encodeFilteredFrames()
        try muxer.finish()
    }

    /// Moves every pal8 frame the graph has ready into the encoder.
    private func encodeFilteredFrames() throws {
        let sinkTimeBase = av_buffersink_get_time_base(sink)
        while true {
            let frame = Frame()
            let code = av_buffersink_get_frame(sink, frame.pointer)
            if code == FFmpeg.eagain || code == FFmpeg.eof { return }
            guard code >= 0 else {
                muxer.abandon()
                throw MediaError.cannotWrite(path: url.path, reason: "filter graph: \(FFmpeg.message(code))")
            }
            frame.pointer.pointee.pts = av_rescale_q(frame.pointer.pointee.pts, sinkTimeBase, muxer.encoderTimeBase)
            try muxer.encode(frame)
        }
    }
}
