import Foundation

/// What a generate step writes so a sample can be visualized: a v1.1 dataset directory whose
/// `video.bin` holds `[prompt | predicted | ground truth]`, i.e. `2*window - prompt` frames,
/// and whose metadata adds `num_prompt_frames` and `window_size`.
public struct GeneratedSample: Equatable, Sendable {
    public static let promptFramesKey = "num_prompt_frames"
    public static let windowSizeKey = "window_size"

    public var prompt: [[UInt32]]
    public var predicted: [[UInt32]]
    public var groundTruth: [[UInt32]]

    public var windowSize: Int { prompt.count + predicted.count }

    /// `predicted` and `groundTruth` must have the same count (the frames after the prompt).
    public init(prompt: [[UInt32]], predicted: [[UInt32]], groundTruth: [[UInt32]]) throws {
        guard !prompt.isEmpty else { throw DatasetError(file: "generated sample", .rejectedInput("needs at least one prompt frame")) }
        guard predicted.count == groundTruth.count, !predicted.isEmpty else {
            throw DatasetError(file: "generated sample", .rejectedInput("\(predicted.count) predicted frames but \(groundTruth.count) ground-truth "
                + "frames; expected the same non-zero number"))
        }
        self.prompt = prompt
        self.predicted = predicted
        self.groundTruth = groundTruth
    }

    /// Writes the sample as one segment; an existing directory at `target` is replaced atomically.
    public func write(to target: URL, hz: Int, tokenizerCheckpoint: String) throws {
        try write(to: target, hz: Double(hz), tokenizerCheckpoint: tokenizerCheckpoint)
    }

    public func write(to target: URL, hz: Double, tokenizerCheckpoint: String) throws {
        let extra: [String: JSONValue] = [
            Self.promptFramesKey: .int(prompt.count),
            Self.windowSizeKey: .int(windowSize),
        ]
        let writer = try TokenDatasetWriter.create(at: target, hz: hz, tokenizerCheckpoint: tokenizerCheckpoint,
                                                   extraMetadata: extra, replaceExisting: true)
        for frame in prompt + predicted + groundTruth { try writer.add(frame: frame) }
        try writer.commit()
    }

    /// Reads a sample directory and splits it back into its three parts.
    public static func read(from directory: URL) throws -> GeneratedSample {
        let dataset = try TokenDataset(directory: directory)
        let metadataPath = directory.appendingPathComponent(TokenDataset.metadataFile).path
        func key(_ name: String) throws -> Int {
            guard let raw = dataset.metadata.values[name] else { throw DatasetError(file: metadataPath, .missingKey(name)) }
            guard let value = raw.intValue, value > 0 else {
                throw DatasetError(file: metadataPath, .invalidKey(name, "must be a positive integer, found \(raw)"))
            }
            return value
        }
        let promptCount = try key(promptFramesKey)
        let window = try key(windowSizeKey)
        guard promptCount < window else {
            throw DatasetError(file: metadataPath, .malformed("num_prompt_frames \(promptCount) must be below window_size \(window)"))
        }
        let expected = 2 * window - promptCount
        guard dataset.frameCount == expected else {
            throw DatasetError(file: metadataPath, .malformed("num_images is \(dataset.frameCount); a sample of window \(window) with "
                + "\(promptCount) prompt frames has \(expected)"))
        }
        let frames = (0..<expected).map(dataset.frame)
        return try GeneratedSample(prompt: Array(frames[..<promptCount]),
                                   predicted: Array(frames[promptCount..<window]),
                                   groundTruth: Array(frames[window...]))
    }
}
