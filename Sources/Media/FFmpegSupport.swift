import FFmpegShim

/// Small owners for FFmpeg objects, so every allocation is freed exactly once.
enum FFmpeg {
    /// FFmpeg logs to stderr at info level by default; the toolkit reports every problem through
    /// `MediaError`, so FFmpeg stays silent unless `FFmpegLog.setVerbose(true)`.
    static let quietLogging: Void = av_log_set_level(FFmpegLog.verbose ? AV_LOG_INFO : AV_LOG_QUIET)

    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        shim_av_error_string(code, &buffer, buffer.count)
        return String(cString: buffer)
    }

    static let eagain = shim_averror_eagain()
    static let eof = shim_averror_eof()
    static let noPTS = shim_av_nopts_value()

    static func seconds(_ value: Int64, _ timeBase: AVRational) -> Double {
        Double(value) * Double(timeBase.num) / Double(timeBase.den)
    }
}

/// FFmpeg's own log lines (decoder warnings, filter messages) on stderr, or not (the default).
public enum FFmpegLog {
    nonisolated(unsafe) static var verbose = false

    public static func setVerbose(_ on: Bool) {
        verbose = on
        av_log_set_level(on ? AV_LOG_INFO : AV_LOG_QUIET)
    }
}

/// An AVFrame owned by Swift.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// A new frame that shares this one's buffers.
    func reference() -> Frame? {
        let copy = Frame()
        return av_frame_ref(copy.pointer, pointer) == 0 ? copy : nil
    }
}

/// An AVPacket owned by Swift.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }
}

/// A frame rate as FFmpeg wants it: 25 becomes 25/1, and the NTSC rates (29.97, 23.976,
/// 59.94, written either way) become n*1000/1001 exactly.
func rationalFrameRate(_ fps: Double) -> AVRational {
    let ntscBase = (fps * 1.001).rounded()
    if abs(fps - fps.rounded()) > 1e-6, ntscBase >= 1, abs(fps - ntscBase / 1.001) < 0.005 {
        return AVRational(num: Int32(ntscBase) * 1000, den: 1001)
    }
    return av_d2q(fps, 1_000_000)
}
