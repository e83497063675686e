import Foundation
import Core
import TokenData
import Media

/// Where a tokenize run puts its token grids, segment by segment.
public protocol TokenGridWriter: AnyObject {
    /// The grids added from now on belong to a new segment.
    func beginSegment() throws
    /// One clip's tokens, in order.
    func add(clip tokens: [UInt32]) throws
    /// The segment ends, after `frames` real frames (its last clip may have been padded).
    func endSegment(frames: Int) throws
}

/// A 1X v1.1 dataset takes every MAGVIT2 grid as a frame.
extension TokenDatasetWriter: TokenGridWriter {
    public func add(clip tokens: [UInt32]) throws { try add(frame: tokens) }
    public func endSegment(frames: Int) throws {}
}

/// A 1X v2.0 dataset takes each segment as one shard of Cosmos clips.
public final class ShardPerSegmentWriter: TokenGridWriter {
    public let writer: TokenDatasetV2Writer
    private var clips: [[Int32]] = []

    public init(_ writer: TokenDatasetV2Writer) { self.writer = writer }

    public func beginSegment() throws { clips.removeAll() }
    public func add(clip tokens: [UInt32]) throws { clips.append(tokens.map { Int32(bitPattern: $0) }) }
    public func endSegment(frames: Int) throws {
        try writer.addShard(clips: clips, frameCount: frames)
        clips.removeAll()
    }
}

/// Videos and images -> token grids: the loop of `tokentool tokenize` (both datasets) and the
/// demo. Frames stream from the decoder into clips of the tokenizer's length, clips go through
/// the tokenizer `batch` frames at a time, and each grid goes to the writer as it comes; a
/// segment's short last clip repeats its last frame (the writer is told the real count).
public struct TokenizePipeline {
    /// What the pipeline reports as it goes.
    public enum Event {
        /// A video was opened (before its first frame is read): its filter graph and the
        /// frames its container promises.
        case videoOpened(path: String, filterDescription: String, estimatedFrames: Int?)
        /// `frames` real frames (in `clips` clips) were tokenized and written; `segmentFrames`
        /// frames of the current segment have been read so far.
        case encoded(frames: Int, clips: Int, segmentFrames: Int)
    }

    public let tokenizer: VideoTokenizer
    public let options: VideoReadOptions
    /// Frames sent through the tokenizer together (rounded up to whole clips).
    public let batch: Int

    public init(tokenizer: VideoTokenizer, options: VideoReadOptions, batch: Int) {
        self.tokenizer = tokenizer
        self.options = options
        self.batch = batch
    }

    /// Tokenizes every segment into `writer` (it is neither created nor committed here).
    public func run(_ segments: [InputGrouping.Segment], into writer: TokenGridWriter,
                    progress: (Event) throws -> Void = { _ in }) throws {
        let clipLength = tokenizer.framesPerClip
        for segment in segments {
            try writer.beginSegment()
            var ready: [[RGBImage]] = []
            var clip: [RGBImage] = []
            var readyFrames = 0
            var segmentFrames = 0
            func encodeReady() throws {
                guard !ready.isEmpty else { return }
                for grid in try tokenizer.encode(clips: ready) { try writer.add(clip: grid) }
                try progress(.encoded(frames: readyFrames, clips: ready.count, segmentFrames: segmentFrames))
                ready.removeAll(keepingCapacity: true)
                readyFrames = 0
            }
            func add(_ frame: RGBImage) throws {
                clip.append(frame)
                segmentFrames += 1
                readyFrames += 1
                guard clip.count == clipLength else { return }
                ready.append(clip)
                clip.removeAll(keepingCapacity: true)
                if ready.count * clipLength >= batch { try encodeReady() }
            }
            switch segment {
            case .images(let files):
                for file in files { try add(try FrameSource.frames(of: file, options: options)[0]) }
            case .video(let path):
                let reader = try VideoReader(url: URL(fileURLWithPath: path), options: options)
                try progress(.videoOpened(path: path, filterDescription: reader.filterDescription,
                                          estimatedFrames: reader.estimatedFrameCount))
                let read = try reader.forEachFrame { frame, _, _ in try add(frame) }
                if read == 0 { throw MediaError.noDecodableFrames(path: path) }
            }
            if !clip.isEmpty {
                while clip.count < clipLength { clip.append(clip[clip.count - 1]) }
                ready.append(clip)
                clip.removeAll()
            }
            try encodeReady()
            try writer.endSegment(frames: segmentFrames)
        }
    }

    /// The rate a dataset of these segments has: `options.fps`, or with every source frame
    /// kept the first video's own rate (nil when no video states one).
    public static func datasetRate(_ segments: [InputGrouping.Segment], options: VideoReadOptions) throws -> Double? {
        if let fps = options.fps { return fps }
        for case .video(let path) in segments {
            if let rate = try VideoReader(url: URL(fileURLWithPath: path), options: options).sourceFrameRate { return rate }
        }
        return nil
    }
}
