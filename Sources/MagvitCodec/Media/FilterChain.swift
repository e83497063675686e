import FFmpegShim
import Foundation

/// How a frame becomes a square before scaling.
public enum CropMode: String, Sendable, CaseIterable {
    /// The largest centred square of the displayed picture (the 1X frames are made this way).
    case center
    /// The whole frame, squeezed to a square.
    case none
}

/// How the `fps` filter rounds input timestamps onto the output clock; ffmpeg's names
/// (`fps=F:round=near` is its default).
public enum FrameRateRounding: String, Sendable, CaseIterable {
    case near, up, down, zero, inf
}

/// The intake rule as one libavfilter description: what `ffmpeg -i in -vf ...` would be given.
///
///     [autorotation] , fps=F:round=R , to rgb24 , crop to the display square , scale=S:S
///
/// - Autorotation inserts the filters the ffmpeg tool inserts for the stream's display matrix.
/// - `fps` comes before crop and scale: it only looks at timestamps, so the frames chosen are
///   the same as `-vf crop,scale,fps`, and dropped frames are never scaled.
/// - The crop is taken in display pixels: with a sample aspect ratio (anamorphic video) the
///   square is `min(iw, ih/sar)` stored columns by `min(ih, iw*sar)` rows, which the scale then
///   makes square pixels. Stored-pixel crops squeeze such video.
/// - Colour conversion to rgb24 comes before the crop, at the stored size, honouring the frame's
///   YUV matrix and range (scale's `in_color_matrix`/`in_range` default to the frame's own); the
///   final scale uses area averaging when shrinking and bicubic when enlarging.
enum IntakeFilters {
    static func description(options: VideoReadOptions, rotation: [String], sourceWidth: Int, sourceHeight: Int) -> String {
        var filters = rotation
        if let fps = options.fps {
            let rate = rationalFrameRate(fps)
            filters.append("fps=fps=\(rate.num)/\(rate.den):round=\(options.fpsRounding.rawValue)")
        }
        // To rgb24 at the stored size first: a crop in 4:2:0 would either move to an even column
        // or cut the chroma half a pixel off the luma.
        let quality = "accurate_rnd+full_chroma_int"
        filters.append("scale=flags=bicubic+\(quality),format=rgb24")
        if options.crop == .center {
            filters.append("crop=w='round(min(iw,ih/sar))':h='round(min(ih,iw*sar))':exact=1")
        }
        let shrinking = min(sourceWidth, sourceHeight) >= options.size
        let method = shrinking ? "area" : "bicubic"
        filters.append("scale=\(options.size):\(options.size):flags=\(method)+\(quality)")
        filters.append("setsar=1")
        return filters.joined(separator: ",")
    }

    /// The filters the ffmpeg tool inserts to show a stream upright (its `-autorotate`, on by
    /// default), from the 3x3 display matrix in the stream's side data.
    static func autorotation(displayMatrix matrix: [Int32]?) -> [String] {
        guard let matrix, matrix.count == 9 else { return [] }
        var theta = -matrix.withUnsafeBufferPointer { av_display_rotation_get($0.baseAddress!) }.rounded()
        if theta.isNaN { return [] }
        theta -= 360 * (theta / 360 + 0.9 / 360).rounded(.down)
        if abs(theta - 90) < 1 { return [matrix[3] > 0 ? "transpose=cclock_flip" : "transpose=clock"] }
        if abs(theta - 180) < 1 {
            var filters: [String] = []
            if matrix[0] < 0 { filters.append("hflip") }
            if matrix[4] < 0 { filters.append("vflip") }
            return filters
        }
        if abs(theta - 270) < 1 { return [matrix[3] < 0 ? "transpose=clock_flip" : "transpose=cclock"] }
        if abs(theta) > 1 { return [String(format: "rotate=%f*PI/180", theta)] }
        return matrix[4] < 0 ? ["vflip"] : []
    }
}

/// One libavfilter graph `buffer -> description -> buffersink` for frames of one size and
/// pixel format. Frames go in with `push`, filtered frames come out of `pull`.
final class FilterGraph {
    private var graph: UnsafeMutablePointer<AVFilterGraph>?
    private let source: UnsafeMutablePointer<AVFilterContext>
    private let sink: UnsafeMutablePointer<AVFilterContext>
    let width: Int32
    let height: Int32
    let pixelFormat: Int32

    /// Thrown errors are FFmpeg's message; the caller adds the file name.
    init(description: String, width: Int32, height: Int32, pixelFormat: Int32, timeBase: AVRational,
         sampleAspectRatio: AVRational) throws {
        _ = FFmpeg.quietLogging
        guard let graph = avfilter_graph_alloc() else { throw FilterGraphError("cannot allocate a filter graph") }
        self.graph = graph
        // Filters run on this thread: the codec's own threads already use the cores.
        graph.pointee.nb_threads = 1
        let sar = sampleAspectRatio.num > 0 && sampleAspectRatio.den > 0 ? sampleAspectRatio : AVRational(num: 1, den: 1)
        let formatName = av_get_pix_fmt_name(AVPixelFormat(rawValue: pixelFormat)).map { String(cString: $0) } ?? "\(pixelFormat)"
        let arguments = "video_size=\(width)x\(height):pix_fmt=\(formatName):time_base=\(timeBase.num)/\(timeBase.den)"
            + ":pixel_aspect=\(sar.num)/\(sar.den)"
        var src: UnsafeMutablePointer<AVFilterContext>?
        var snk: UnsafeMutablePointer<AVFilterContext>?
        var code = avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", arguments, nil, graph)
        if code >= 0 { code = avfilter_graph_create_filter(&snk, avfilter_get_by_name("buffersink"), "out", nil, nil, graph) }
        if code >= 0, let src, let snk { code = FilterGraph.parse(description, graph: graph, source: src, sink: snk) }
        guard code >= 0, let src, let snk else {
            avfilter_graph_free(&self.graph)
            throw FilterGraphError("cannot build the filter graph \"\(description)\" (\(FFmpeg.message(code)))")
        }
        source = src
        sink = snk
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
    }

    deinit { avfilter_graph_free(&graph) }

    var outputTimeBase: AVRational { av_buffersink_get_time_base(sink) }

    func push(_ frame: Frame) throws {
        let code = av_buffersrc_add_frame_flags(source, frame.pointer, 0)
        guard code >= 0 else { throw FilterGraphError("the filter graph refused a frame (\(FFmpeg.message(code)))") }
    }

    /// Ends the input at `pts` (in the input time base): the end of the last frame, as the
    /// ffmpeg tool does, so `fps` knows how long the last frame lasts.
    func close(at pts: Int64) throws {
        let code = av_buffersrc_close(source, pts, 0)
        guard code >= 0 else { throw FilterGraphError("cannot end the filter graph's input (\(FFmpeg.message(code)))") }
    }

    /// The next filtered frame, or nil when the graph needs more input or is drained.
    func pull() throws -> Frame? {
        let frame = Frame()
        let code = av_buffersink_get_frame(sink, frame.pointer)
        if code == FFmpeg.eagain || code == FFmpeg.eof { return nil }
        guard code >= 0 else { throw FilterGraphError("filtering failed (\(FFmpeg.message(code)))") }
        return frame
    }

    private static func parse(_ description: String, graph: UnsafeMutablePointer<AVFilterGraph>,
                              source: UnsafeMutablePointer<AVFilterContext>,
                              sink: UnsafeMutablePointer<AVFilterContext>) -> Int32 {
        // The parser takes over both lists and leaves back whatever it did not link.
        var outputs = avfilter_inout_alloc()
        var inputs = avfilter_inout_alloc()
        guard let output = outputs, let input = inputs else {
            avfilter_inout_free(&outputs)
            avfilter_inout_free(&inputs)
            return -12  // ENOMEM
        }
        output.pointee.name = av_strdup("in")
        output.pointee.filter_ctx = source
        output.pointee.pad_idx = 0
        output.pointee.next = nil
        input.pointee.name = av_strdup("out")
        input.pointee.filter_ctx = sink
        input.pointee.pad_idx = 0
        input.pointee.next = nil
        var code = avfilter_graph_parse_ptr(graph, description, &inputs, &outputs, nil)
        avfilter_inout_free(&outputs)
        avfilter_inout_free(&inputs)
        if code >= 0 { code = avfilter_graph_config(graph, nil) }
        return code
    }
}

struct FilterGraphError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
