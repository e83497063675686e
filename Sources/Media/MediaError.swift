/// Why reading or writing an image or video failed; every case names the file.
public enum MediaError: Error, Equatable, CustomStringConvertible {
    case fileNotFound(path: String)
    /// The file exists but FFmpeg or libpng cannot make sense of it.
    case unreadable(path: String, reason: String)
    case noVideoStream(path: String)
    case noDecodableFrames(path: String)
    case unsupportedOutputFormat(path: String, fileExtension: String)
    case cannotWrite(path: String, reason: String)
    /// The caller handed over frames that cannot be written or rendered as asked.
    case invalidFrames(path: String, reason: String)
    case encoderUnavailable(path: String, reason: String)
    /// Frames handed to `ComparisonRenderer` that do not fit together.
    case invalidComparison(reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "\(path): no such file"
        case .unreadable(let path, let reason):
            return "\(path): cannot read media (\(reason))"
        case .noVideoStream(let path):
            return "\(path): contains no video stream"
        case .noDecodableFrames(let path):
            return "\(path): no video frame could be decoded"
        case .unsupportedOutputFormat(let path, let ext):
            let shown = ext.isEmpty ? "no extension" : "'.\(ext)'"
            return "\(path): unsupported output format \(shown) (use .mp4, .gif or .png)"
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write (\(reason))"
        case .invalidFrames(let path, let reason):
            return "\(path): \(reason)"
        case .encoderUnavailable(let path, let reason):
            return "\(path): \(reason)"
        case .invalidComparison(let reason):
            return "cannot render the comparison: \(reason)"
        }
    }
}
