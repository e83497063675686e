import FFmpegShim
import Foundation
import Core

/// What `VideoReader` delivers.
public struct VideoReadOptions: Sendable, Equatable {
    /// Output frame rate, chosen from the source as `ffmpeg -vf fps=F` chooses; nil keeps every
    /// decoded frame with its own timestamp (`--fps source`).
    public var fps: Double?
    /// Output frames are `size` x `size`.
    public var size: Int
    public var crop: CropMode
    /// Stop after this many output frames.
    public var maxFrames: Int?
    /// Turn frames upright by the stream's display matrix, as ffmpeg and players do.
    public var autorotate: Bool
    /// `fps`'s timestamp rounding (ffmpeg's default: near).
    public var fpsRounding: FrameRateRounding

    public init(fps: Double? = nil, size: Int = 256, crop: CropMode = .center, maxFrames: Int? = nil,
                autorotate: Bool = true, fpsRounding: FrameRateRounding = .near) {
        self.fps = fps
        self.size = size
        self.crop = crop
        self.maxFrames = maxFrames
        self.autorotate = autorotate
        self.fpsRounding = fpsRounding
    }
}

/// Reads any video or image the installed FFmpeg can read as square rgb24 frames, one at a
/// time, so a long video is never held in memory. Every frame goes through one libavfilter
/// graph (see `IntakeFilters`): upright, frame choice, display-square crop, scale, rgb24.
///
/// The file is opened (and its stream checked) by `init`; frames are decoded by
/// `forEachFrame`, which may be called again for a fresh pass from the start.
public final class VideoReader {
    public let url: URL
    public let options: VideoReadOptions
    /// Stored size, before rotation.
    public let sourceWidth: Int
    public let sourceHeight: Int
    /// The stream's average frame rate, when the container states one.
    public let sourceFrameRate: Double?
    /// Seconds, when the container states it.
    public let duration: Double?
    /// The filters that turn the stream upright (empty when it is stored upright or with
    /// `autorotate` off), e.g. `transpose=clock` for a phone held upright.
    public let rotationFilters: [String]
    /// Replaces the filters after the rotation (tests use it as `ffmpeg -vf` would be used).
    let customFilters: String?
    private let sourcePixelFormat: Int32
    private let sourceSampleAspectRatio: AVRational
    private var openSession: DecodingSession?

    public convenience init(url: URL, options: VideoReadOptions = VideoReadOptions()) throws {
        try self.init(url: url, options: options, customFilters: nil)
    }

    init(url: URL, options: VideoReadOptions, customFilters: String?) throws {
        if let fps = options.fps, !(fps > 0 && fps.isFinite) {
            throw MediaError.invalidFrames(path: url.path, reason: "output frame rate must be positive, got \(fps)")
        }
        guard options.size > 0 else {
            throw MediaError.invalidFrames(path: url.path, reason: "output size must be positive, got \(options.size)")
        }
        let session = try DecodingSession(url: url)
        self.url = url
        self.options = options
        self.customFilters = customFilters
        self.sourceWidth = Int(session.decoder.pointee.width)
        self.sourceHeight = Int(session.decoder.pointee.height)
        self.sourceFrameRate = session.nominalFrameRate
        self.duration = session.durationSeconds
        self.rotationFilters = options.autorotate ? IntakeFilters.autorotation(displayMatrix: session.displayMatrix) : []
        self.sourcePixelFormat = session.decoder.pointee.pix_fmt.rawValue
        self.sourceSampleAspectRatio = session.statedSampleAspectRatio
        self.openSession = session
    }

    /// The libavfilter graph every frame goes through, as `ffmpeg -vf` would take it (for the
    /// stream's stated size and pixel format; a frame that differs gets its own).
    public var filterDescription: String {
        description(for: IntakeFilters.Input(width: sourceWidth, height: sourceHeight, pixelFormat: sourcePixelFormat,
                                             sampleAspectRatio: sourceSampleAspectRatio))
    }

    private func description(for input: IntakeFilters.Input) -> String {
        if let customFilters { return (rotationFilters + [customFilters]).joined(separator: ",") }
        return IntakeFilters.description(options: options, rotation: rotationFilters, input: input)
    }

    /// Output frames expected, from the stated duration (for progress and ETA); nil if unknown.
    public var estimatedFrameCount: Int? {
        var estimate: Int?
        if let fps = options.fps, let duration {
            estimate = max(1, Int((duration * fps).rounded()))
        } else if let counted = openSession?.statedFrameCount ?? nil {
            estimate = counted
        } else if let duration, let rate = sourceFrameRate {
            estimate = Int((duration * rate).rounded())
        }
        guard let estimate else { return options.maxFrames }
        return options.maxFrames.map { min($0, estimate) } ?? estimate
    }

    /// Calls `body(frame, index, time)` for each output frame in order; `time` is in seconds
    /// on the file's timeline. Returns the number of frames delivered.
    @discardableResult
    public func forEachFrame(_ body: (_ frame: RGBImage, _ index: Int, _ time: Double) throws -> Void) throws -> Int {
        let session = try openSession ?? DecodingSession(url: url)
        openSession = nil
        let limit = options.maxFrames ?? .max
        guard limit > 0 else { return 0 }
        var graph: FilterGraph?
        var inputEnd: Int64 = 0
        var delivered = 0

        func deliverFiltered() throws {
            guard let graph else { return }
            while delivered < limit, let frame = try graph.pull() {
                let pts = frame.pointer.pointee.pts
                let time = pts == FFmpeg.noPTS ? 0 : FFmpeg.seconds(pts, graph.outputTimeBase)
                try body(try rgbImage(frame), delivered, time)
                delivered += 1
            }
        }

        do {
            try session.decodeFrames { frame, pts, duration in
                let f = frame.pointer.pointee
                if let current = graph, current.width != f.width || current.height != f.height || current.pixelFormat != f.format {
                    // A size or format change mid-stream: finish the old graph, start a new one (as ffmpeg does).
                    try current.close(at: inputEnd)
                    try deliverFiltered()
                    graph = nil
                }
                if graph == nil {
                    let sar = session.sampleAspectRatio(of: frame)
                    let input = IntakeFilters.Input(width: Int(f.width), height: Int(f.height), pixelFormat: f.format, sampleAspectRatio: sar)
                    graph = try FilterGraph(description: description(for: input), width: f.width, height: f.height, pixelFormat: f.format,
                                            timeBase: session.timeBase, sampleAspectRatio: sar)
                }
                frame.pointer.pointee.pts = pts
                try graph!.push(frame)
                inputEnd = max(inputEnd, pts + max(duration, 1))
                try deliverFiltered()
                return delivered < limit
            }
            if delivered < limit, let graph {
                try graph.close(at: inputEnd)
                try deliverFiltered()
            }
        } catch let error as FilterGraphError {
            throw MediaError.unreadable(path: url.path, reason: error.description)
        }
        if session.decodedFrames == 0 {
            throw MediaError.noDecodableFrames(path: url.path)
        }
        return delivered
    }

    /// All output frames in memory; for short clips.
    public func readAll() throws -> [RGBImage] {
        var frames: [RGBImage] = []
        try forEachFrame { frame, _, _ in frames.append(frame) }
        return frames
    }

    private func rgbImage(_ frame: Frame) throws -> RGBImage {
        let f = frame.pointer.pointee
        guard f.format == AV_PIX_FMT_RGB24.rawValue, let base = f.data.0 else {
            throw MediaError.unreadable(path: url.path, reason: "the filter graph did not deliver rgb24 frames")
        }
        let width = Int(f.width), height = Int(f.height), rowBytes = width * 3, stride = Int(f.linesize.0)
        var pixels = [UInt8](repeating: 0, count: height * rowBytes)
        pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                (dst.baseAddress! + y * rowBytes).update(from: base + y * stride, count: rowBytes)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

/// One open demuxer and decoder for the best video stream of a file.
private final class DecodingSession {
    let path: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private(set) var decoder: UnsafeMutablePointer<AVCodecContext>
    let streamIndex: Int32
    let timeBase: AVRational
    let nominalFrameRate: Double?
    let durationSeconds: Double?
    let statedFrameCount: Int?
    private(set) var decodedFrames = 0

    init(url: URL) throws {
        _ = FFmpeg.quietLogging
        path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw MediaError.fileNotFound(path: path) }

        var context: UnsafeMutablePointer<AVFormatContext>?
        var code = avformat_open_input(&context, path, nil, nil)
        guard code >= 0, let context else { throw MediaError.unreadable(path: path, reason: FFmpeg.message(code)) }
        format = context
        var openedDecoder: UnsafeMutablePointer<AVCodecContext>?
        do {
            code = avformat_find_stream_info(context, nil)
            guard code >= 0 else { throw MediaError.unreadable(path: path, reason: FFmpeg.message(code)) }

            var codec: UnsafePointer<AVCodec>?
            let index = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)
            guard index >= 0, let stream = context.pointee.streams[Int(index)] else {
                if context.pointee.nb_streams > 0, (0..<Int(context.pointee.nb_streams)).contains(where: {
                    context.pointee.streams[$0]?.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO
                }) {
                    throw MediaError.unreadable(path: path, reason: "no decoder for its video stream")
                }
                throw MediaError.noVideoStream(path: path)
            }
            guard let codec else { throw MediaError.unreadable(path: path, reason: "no decoder for its video stream") }
            guard let decoder = avcodec_alloc_context3(codec) else {
                throw MediaError.unreadable(path: path, reason: "cannot allocate a decoder")
            }
            openedDecoder = decoder
            code = avcodec_parameters_to_context(decoder, stream.pointee.codecpar)
            guard code >= 0 else { throw MediaError.unreadable(path: path, reason: FFmpeg.message(code)) }
            decoder.pointee.pkt_timebase = stream.pointee.time_base
            decoder.pointee.thread_count = 0
            code = avcodec_open2(decoder, codec, nil)
            guard code >= 0 else { throw MediaError.unreadable(path: path, reason: FFmpeg.message(code)) }

            streamIndex = index
            timeBase = stream.pointee.time_base
            let rate = stream.pointee.avg_frame_rate.num > 0 ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
            nominalFrameRate = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : nil
            if stream.pointee.duration > 0, stream.pointee.duration != FFmpeg.noPTS {
                durationSeconds = FFmpeg.seconds(stream.pointee.duration, stream.pointee.time_base)
            } else if context.pointee.duration > 0, context.pointee.duration != FFmpeg.noPTS {
                durationSeconds = Double(context.pointee.duration) / Double(shim_av_time_base())
            } else {
                durationSeconds = nil
            }
            statedFrameCount = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
            self.decoder = decoder
        } catch {
            var decoder = openedDecoder
            avcodec_free_context(&decoder)
            avformat_close_input(&format)
            throw error
        }
    }

    deinit {
        var decoder: UnsafeMutablePointer<AVCodecContext>? = self.decoder
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    /// The display matrix in the stream's side data (9 numbers, 16.16 fixed point), if any.
    var displayMatrix: [Int32]? {
        guard let format, let stream = format.pointee.streams[Int(streamIndex)] else { return nil }
        guard let matrix = shim_stream_display_matrix(stream) else { return nil }
        return Array(UnsafeBufferPointer(start: matrix, count: 9))
    }

    /// The pixel shape the container or codec states, before any frame is decoded.
    var statedSampleAspectRatio: AVRational {
        guard let format, let stream = format.pointee.streams[Int(streamIndex)] else { return AVRational(num: 1, den: 1) }
        return av_guess_sample_aspect_ratio(format, stream, nil)
    }

    /// The pixel shape: the container's when it states one, else the codec's (as ffmpeg guesses it).
    func sampleAspectRatio(of frame: Frame) -> AVRational {
        guard let format, let stream = format.pointee.streams[Int(streamIndex)] else { return AVRational(num: 1, den: 1) }
        return av_guess_sample_aspect_ratio(format, stream, frame.pointer)
    }

    /// Decodes frames in presentation order and hands each over with its timestamp and
    /// duration in the stream's time base until `handle` returns false or the stream ends.
    /// Corrupt packets are skipped, as the ffmpeg tool does.
    func decodeFrames(_ handle: (_ frame: Frame, _ pts: Int64, _ duration: Int64) throws -> Bool) throws {
        let packet = Packet()
        var previous: Int64?
        var lastInterval: Int64?
        // One frame at the stated (or a guessed) rate, in time-base units.
        let nominalStep: Int64 = {
            let rate = nominalFrameRate ?? 25
            return max(1, Int64((Double(timeBase.den) / (Double(timeBase.num) * rate)).rounded()))
        }()
        var keepGoing = true

        func drain() throws {
            while keepGoing {
                let frame = Frame()
                let code = avcodec_receive_frame(decoder, frame.pointer)
                guard code >= 0 else { return }  // EAGAIN, EOF, or a broken frame: nothing to show
                decodedFrames += 1
                var pts = frame.pointer.pointee.best_effort_timestamp
                if pts == FFmpeg.noPTS {
                    // No timestamps at all: space frames at the stated (or a guessed) rate.
                    pts = previous.map { $0 + (lastInterval ?? nominalStep) } ?? 0
                }
                if let previous {
                    pts = max(pts, previous)
                    if pts > previous { lastInterval = pts - previous }
                }
                previous = pts
                let stated = shim_frame_duration(frame.pointer)
                let duration = stated > 0 ? stated : (lastInterval ?? nominalStep)
                keepGoing = try handle(frame, pts, duration)
            }
        }

        while keepGoing {
            let read = av_read_frame(format, packet.pointer)
            if read < 0 { break }  // EOF, or a damaged tail: decode what we have
            defer { av_packet_unref(packet.pointer) }
            guard packet.pointer.pointee.stream_index == streamIndex else { continue }
            while true {
                let sent = avcodec_send_packet(decoder, packet.pointer)
                try drain()
                if sent != FFmpeg.eagain || !keepGoing { break }
            }
        }
        if keepGoing {
            avcodec_send_packet(decoder, nil)
            try drain()
        }
    }
}
