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
///     [autorotation] , fps=F:round=R , crop=W:H:X:Y (the display square) , scale=S:S , format=rgb24
///
/// - Autorotation inserts the filters the ffmpeg tool inserts for the stream's display matrix.
/// - `fps` comes before crop and scale: it only looks at timestamps, so the frames chosen are
///   the same as `-vf crop,scale,fps`, and dropped frames are never scaled.
/// - The crop is the largest centred square of the displayed picture: with a sample aspect
///   ratio (anamorphic video) it is `min(w, h/sar)` stored columns by `min(h, w*sar)` rows,
///   which the scale then makes square pixels. A crop in stored pixels would squeeze such video.
/// - One scale does the rest, as `ffmpeg -vf crop,scale` does: area averaging when shrinking
///   (bicubic when enlarging) and the conversion to rgb24, honouring the frame's YUV matrix and
///   range (scale's `in_color_matrix`/`in_range` default to the frame's own).
/// - When the crop's corner or size falls between chroma samples (odd offsets in 4:2:0, often
///   with anamorphic video), the frame is first upsampled to 4:4:4 so the crop stays exact;
///   `crop` alone would move it to the chroma grid, up to a pixel off centre.
enum IntakeFilters {
    /// The frame as it enters the graph.
    struct Input {
        var width: Int
        var height: Int
        var pixelFormat: Int32
        var sampleAspectRatio: AVRational
    }

    static func description(options: VideoReadOptions, rotation: [String], input: Input) -> String {
        var filters = rotation
        if let fps = options.fps {
            let rate = rationalFrameRate(fps)
            filters.append("fps=fps=\(rate.num)/\(rate.den):round=\(options.fpsRounding.rawValue)")
        }
        // The picture as displayed after rotation: transpose swaps the sides and the pixel shape.
        let transposed = rotation.contains { $0.hasPrefix("transpose") }
        var width = input.width, height = input.height
        var sar = input.sampleAspectRatio.num > 0 && input.sampleAspectRatio.den > 0
            ? Double(input.sampleAspectRatio.num) / Double(input.sampleAspectRatio.den) : 1
        var chroma = (x: 0, y: 0), depth = 8
        if let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: input.pixelFormat)),
           descriptor.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 {
            chroma = (Int(descriptor.pointee.log2_chroma_w), Int(descriptor.pointee.log2_chroma_h))
            depth = Int(descriptor.pointee.comp.0.depth)
        }
        if transposed {
            swap(&width, &height)
            sar = 1 / sar
            chroma = (chroma.y, chroma.x)
        }
        var side = (width: width, height: height)
        if options.crop == .center {
            let w = max(1, min(width, Int((Double(height) / sar).rounded())))
            let h = max(1, min(height, Int((Double(width) * sar).rounded())))
            let x = (width - w) / 2, y = (height - h) / 2
            if w != width || h != height {
                let aligned = [x, w].allSatisfy { $0 % (1 << chroma.x) == 0 } && [y, h].allSatisfy { $0 % (1 << chroma.y) == 0 }
                if !aligned {
                    filters.append("scale=flags=bicubic+accurate_rnd+full_chroma_int,format=\(depth > 8 ? "yuv444p16le" : "yuv444p")")
                }
                filters.append("crop=\(w):\(h):\(x):\(y)" + (aligned ? "" : ":exact=1"))
            }
            side = (w, h)
        }
        let shrinking = min(side.width, side.height) >= options.size
        let method = shrinking ? "area" : "bicubic"
        filters.append("scale=\(options.size):\(options.size):flags=\(method)+accurate_rnd+full_chroma_int")
        filters.append("setsar=1")
        filters.append("format=rgb24")
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
        guard let graph = avfilter_graph_alloc() else { throw FilterGraphError.cannotAllocate }
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
            throw FilterGraphError.cannotBuild(graph: description, reason: FFmpeg.message(code))
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
        guard code >= 0 else { throw FilterGraphError.refusedFrame(reason: FFmpeg.message(code)) }
    }

    /// Ends the input at `pts` (in the input time base): the end of the last frame, as the
    /// ffmpeg tool does, so `fps` knows how long the last frame lasts.
    func close(at pts: Int64) throws {
        let code = av_buffersrc_close(source, pts, 0)
        guard code >= 0 else { throw FilterGraphError.cannotEndInput(reason: FFmpeg.message(code)) }
    }

    /// The next filtered frame, or nil when the graph needs more input or is drained.
    func pull() throws -> Frame? {
        let frame = Frame()
        let code = av_buffersink_get_frame(sink, frame.pointer)
        if code == FFmpeg.eagain || code == FFmpeg.eof { return nil }
        guard code >= 0 else { throw FilterGraphError.filteringFailed(reason: FFmpeg.message(code)) }
        return frame
    }

    /// Links `description` between `source` (its input "in") and `sink` (its output "out") and
    /// configures the graph; also used by `GIFWriter`.
    static func parse(_ description: String, graph: UnsafeMutablePointer<AVFilterGraph>,
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

/// What libavfilter refused; `VideoReader` adds the file it was reading (`MediaError.unreadable`).
enum FilterGraphError: Error, CustomStringConvertible {
    case cannotAllocate
    case cannotBuild(graph: String, reason: String)
    case refusedFrame(reason: String)
    case cannotEndInput(reason: String)
    case filteringFailed(reason: String)

    var description: String {
        switch self {
        case .cannotAllocate: return "cannot allocate a filter graph"
        case .cannotBuild(let graph, let reason): return "cannot build the filter graph \"\(graph)\" (\(reason))"
        case .refusedFrame(let reason): return "the filter graph refused a frame (\(reason))"
        case .cannotEndInput(let reason): return "cannot end the filter graph's input (\(reason))"
        case .filteringFailed(let reason): return "filtering failed (\(reason))"
        }
    }
}
