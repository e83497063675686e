import FFmpegShim
import Foundation

/// What `VideoReader` delivers.
public struct VideoReadOptions: Sendable, Equatable {
    /// Output frame rate; nil keeps every decoded frame with its own timestamp.
    public var fps: Double?
    /// Output frames are `size` x `size`.
    public var size: Int
    public var crop: CropMode
    /// Stop after this many output frames.
    public var maxFrames: Int?

    public init(fps: Double? = nil, size: Int = 256, crop: CropMode = .center, maxFrames: Int? = nil) {
        self.fps = fps
        self.size = size
        self.crop = crop
        self.maxFrames = maxFrames
    }
}

/// Reads any video the installed FFmpeg can read as square rgb24 frames, one at a time, so
/// a long video is never held in memory.
///
/// The file is opened (and its stream checked) by `init`; frames are decoded by
/// `forEachFrame`, which may be called again for a fresh pass from the start.
public final class VideoReader {
    public let url: URL
    public let options: VideoReadOptions
    public let sourceWidth: Int
    public let sourceHeight: Int
    /// The stream's average frame rate, when the container states one.
    public let sourceFrameRate: Double?
    /// Seconds, when the container states it.
    public let duration: Double?
    private var openSession: DecodingSession?

    public init(url: URL, options: VideoReadOptions = VideoReadOptions()) throws {
        if let fps = options.fps, !(fps > 0 && fps.isFinite) {
            throw MediaError.invalidFrames(path: url.path, reason: "output frame rate must be positive, got \(fps)")
        }
        guard options.size > 0 else {
            throw MediaError.invalidFrames(path: url.path, reason: "output size must be positive, got \(options.size)")
        }
        let session = try DecodingSession(url: url)
        self.url = url
        self.options = options
        self.sourceWidth = Int(session.decoder.pointee.width)
        self.sourceHeight = Int(session.decoder.pointee.height)
        self.sourceFrameRate = session.nominalFrameRate
        self.duration = session.durationSeconds
        self.openSession = session
    }

    /// Output frames expected, from the stated duration (for progress and ETA); nil if unknown.
    public var estimatedFrameCount: Int? {
        var estimate: Int?
        if let fps = options.fps, let duration {
            estimate = Int((duration * fps - 1e-6).rounded(.up))
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
        let scaler = FrameScaler(size: options.size, crop: options.crop)
        // A repeated frame is converted once. The cache holds the frame itself, not its
        // address: a freed frame's address can come back for a new one.
        var lastConverted: (source: Frame, image: RGBImage)?
        func convert(_ frame: Frame) throws -> RGBImage {
            if let lastConverted, lastConverted.source === frame { return lastConverted.image }
            guard let image = scaler.image(from: frame) else {
                let format = av_get_pix_fmt_name(AVPixelFormat(rawValue: frame.pointer.pointee.format)).map { String(cString: $0) } ?? "unknown"
                throw MediaError.unreadable(path: url.path, reason: "cannot convert a \(format) frame to RGB")
            }
            lastConverted = (frame, image)
            return image
        }

        var delivered = 0
        if let fps = options.fps {
            var resampler = FrameRateResampler<Frame>(fps: fps, limit: options.maxFrames)
            func emit(_ frame: Frame, _ index: Int, _ time: Double) throws {
                try body(convert(frame), index, time)
            }
            let lastDuration = try session.decodeFrames { frame, time in
                try resampler.push(frame, at: time, emit: emit)
                return !resampler.isDone
            }
            try resampler.finish(lastFrameDuration: lastDuration ?? 1 / fps, emit: emit)
            delivered = resampler.emitted
        } else {
            let limit = options.maxFrames ?? .max
            guard limit > 0 else { return 0 }
            try session.decodeFrames { frame, time in
                try body(convert(frame), delivered, time)
                delivered += 1
                return delivered < limit
            }
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

    /// Decodes frames in presentation order and hands each over with its time in seconds
    /// until `handle` returns false or the stream ends. Corrupt packets are skipped, as the
    /// ffmpeg tool does. Returns how long the last frame stays on screen, when known.
    @discardableResult
    func decodeFrames(_ handle: (Frame, Double) throws -> Bool) throws -> Double? {
        let packet = Packet()
        var previousTime: Double?
        var lastInterval: Double?
        var keepGoing = true

        func drain() throws {
            while keepGoing {
                let frame = Frame()
                let code = avcodec_receive_frame(decoder, frame.pointer)
                guard code >= 0 else { return }  // EAGAIN, EOF, or a broken frame: nothing to show
                decodedFrames += 1
                let pts = frame.pointer.pointee.best_effort_timestamp
                var time: Double
                if pts != FFmpeg.noPTS {
                    time = FFmpeg.seconds(pts, timeBase)
                } else {
                    // No timestamps at all: space frames at the stated (or a guessed) rate.
                    let step = lastInterval ?? nominalFrameRate.map { 1 / $0 } ?? 1.0 / 25
                    time = (previousTime.map { $0 + step }) ?? 0
                }
                if let previousTime {
                    time = max(time, previousTime)
                    if time > previousTime { lastInterval = time - previousTime }
                }
                previousTime = time
                keepGoing = try handle(frame, time)
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
        return lastInterval ?? nominalFrameRate.map { 1 / $0 }
    }
}
