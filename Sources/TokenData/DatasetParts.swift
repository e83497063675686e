import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Core

/// One task's share of a split job (`tokenize --shard i/N`): a directory that is an ordinary
/// dataset (v1.1, or v2.0 shards) plus `tokentool-part.json`, the manifest that says which
/// inputs it holds and how they were tokenized. The directory appears whole (manifest
/// included, `complete` written last) or not at all, so a task killed half-way leaves nothing
/// that `merge` or a resumed run would take for finished work.
public struct PartManifest: Codable, Equatable, Sendable {
    public static let fileName = "tokentool-part.json"
    public static let formatName = "tokentool-part"

    public enum DatasetFormat: String, Codable, Sendable {
        case v1_1 = "1x-v1.1"
        case v2_0 = "1x-v2.0"
    }

    /// One input file of this part: its place in the job's input list and the frames it gave.
    public struct Input: Codable, Equatable, Sendable {
        public var index: Int
        public var path: String
        public var frames: Int
        public init(index: Int, path: String, frames: Int) {
            self.index = index
            self.path = path
            self.frames = frames
        }
    }

    public struct Checkpoint: Codable, Equatable, Sendable {
        public var path: String
        public var sha256: String
        public var bytes: Int
        public init(path: String, sha256: String, bytes: Int) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
        }

        /// Hashes the file (about 4 s per GB on one core) through `FileFingerprint`,
        /// which remembers the digest, so the tokenize run that follows does not hash it again.
        public static func describing(file path: String) throws -> Checkpoint {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let bytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            return Checkpoint(path: path, sha256: try FileFingerprint.sha256(ofFile: path), bytes: bytes)
        }
    }

    public var format = PartManifest.formatName
    public var datasetFormat: DatasetFormat
    public var toolVersion: String
    public var shard: ShardSpec
    /// The whole job's input list: how many, and the SHA-256 of the paths joined by newlines,
    /// so parts of different jobs are never merged.
    public var jobInputCount: Int
    public var jobInputsSHA256: String
    public var inputs: [Input]
    /// Everything that changes the tokens (tokenizer kind, fps, size, crop, frame limit, ...).
    public var settings: [String: JSONValue]
    public var checkpoint: Checkpoint
    public var frames: Int
    public var segments: Int
    /// Written last; a manifest without it is not a finished part.
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case format, datasetFormat = "dataset_format", toolVersion = "tool_version", shard
        case jobInputCount = "job_input_count", jobInputsSHA256 = "job_inputs_sha256", inputs, settings, checkpoint
        case frames, segments, complete
    }

    public init(datasetFormat: DatasetFormat, toolVersion: String, shard: ShardSpec, jobInputs: [String], inputs: [Input],
                settings: [String: JSONValue], checkpoint: Checkpoint, frames: Int, segments: Int) {
        self.datasetFormat = datasetFormat
        self.toolVersion = toolVersion
        self.shard = shard
        jobInputCount = jobInputs.count
        jobInputsSHA256 = Self.fingerprint(jobInputs)
        self.inputs = inputs
        self.settings = JSONValue.asWrittenAndRead(settings)
        self.checkpoint = checkpoint
        self.frames = frames
        self.segments = segments
        complete = true
    }

    public static func fingerprint(_ jobInputs: [String]) -> String {
        SHA256.hex(of: Array(jobInputs.joined(separator: "\n").utf8))
    }

    /// Keys in a fixed order, so a manifest's bytes depend only on its contents.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads and checks the manifest of the part directory `directory`.
    public static func read(in directory: URL) throws -> PartManifest {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PartError(directory.path, .notAPart("no such directory"))
        }
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PartError(directory.path, .notAPart("no \(fileName): not a finished part of a split job"))
        }
        let manifest: PartManifest
        do {
            manifest = try JSONDecoder().decode(PartManifest.self, from: Data(contentsOf: url))
        } catch {
            throw PartError(url.path, .malformedManifest(Self.describe(decodingError: error)))
        }
        guard manifest.format == formatName else {
            throw PartError(url.path, .malformedManifest("format is \"\(manifest.format)\", expected \"\(formatName)\""))
        }
        guard manifest.complete else { throw PartError(url.path, .incomplete) }
        let indices = manifest.inputs.map(\.index)
        guard indices == Array(indices.sorted()), Set(indices).count == indices.count,
              indices.allSatisfy({ $0 >= 0 && $0 < manifest.jobInputCount }) else {
            throw PartError(url.path, .malformedManifest("input indices \(indices) are not increasing within 0..<\(manifest.jobInputCount)"))
        }
        return manifest
    }

    private static func describe(decodingError error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing key \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "not a JSON part manifest"
        }
    }
}

/// A part directory that cannot be used, or parts that do not belong together: the one-line
/// description starts with the part at fault and, for disagreements, names the other one.
public struct PartError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        case notAPart(String)
        case malformedManifest(String)
        /// `complete` is false: the task did not finish.
        case incomplete
        /// The dataset files do not match what the manifest promises.
        case inconsistent(String)
        /// `field` differs from the same field of part `other`.
        case mismatch(field: String, value: String, other: String, otherValue: String)
        case duplicateShard(index: Int, other: String)
        case missingShards([Int], count: Int)
        case notContiguous(String)
        case cannotWrite(String)
    }

    public var file: String
    public var problem: Problem

    public init(_ file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problemText)" }

    private var problemText: String {
        switch problem {
        case .notAPart(let why): return "not a part directory (\(why))"
        case .malformedManifest(let why): return "malformed part manifest: \(why)"
        case .incomplete: return "part manifest is not marked complete; the task did not finish (re-run it)"
        case .inconsistent(let why): return "part does not match its manifest: \(why)"
        case .mismatch(let field, let value, let other, let otherValue):
            return "\(field) \(value) differs from \(otherValue) in \(other); parts of one job must agree"
        case .duplicateShard(let index, let other): return "shard index \(index) is also held by \(other)"
        case .missingShards(let indices, let count):
            let list = indices.count > 10 ? indices.prefix(10).map(String.init).joined(separator: ", ") + ", ..."
                                          : indices.map(String.init).joined(separator: ", ")
            return "\(indices.count) of \(count) parts missing (shard \(list)); merge needs every part of the job"
        case .notContiguous(let why): return why
        case .cannotWrite(let why): return "cannot write (\(why))"
        }
    }
}

/// Finishing, checking and merging parts.
public enum DatasetParts {
    /// Puts a fully written part in place: writes `manifest` (complete) into `staging`, then
    /// renames `staging` to `target`, replacing an older part there.
    public static func seal(_ staging: URL, manifest: PartManifest, at target: URL) throws {
        var manifest = manifest
        manifest.complete = true
        let url = staging.appendingPathComponent(PartManifest.fileName)
        do { try manifest.jsonData().write(to: url) } catch {
            throw PartError(url.path, .cannotWrite(error.localizedDescription))
        }
        try DirectorySwap.install(staging, at: target)
        PendingOutputs.unregister(staging)
    }

    /// A fresh staging directory beside `target`, removed if the process is interrupted.
    public static func stagingDirectory(for target: URL) throws -> URL {
        let staging = DirectorySwap.stagingURL(for: target, purpose: stagingPurpose)
        PendingOutputs.register(staging)
        do {
            try FileManager.default.createDirectory(at: staging.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw PartError(target.path, .cannotWrite(error.localizedDescription))
        }
        return staging
    }

    /// Staging directories an earlier, killed task left beside `target` (SIGKILL gives no
    /// chance to clean up): the part's own and the dataset writer's inside it
    /// (`..<name>.part-*.partial-*`). A re-run removes them before starting.
    public static func removeStaleStaging(for target: URL) {
        let folder = target.deletingLastPathComponent()
        let prefix = ".\(target.lastPathComponent).\(stagingPurpose)-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name.hasPrefix(prefix) || name.hasPrefix("." + prefix) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    static let stagingPurpose = "part"

    /// A finished part: its manifest, checked against its dataset files.
    public struct Part {
        public var directory: URL
        public var manifest: PartManifest
        /// v1.1 parts.
        public var dataset: TokenDataset?
        /// v2.0 parts.
        public var shards: ShardedTokenDatasetV2?
        var name: String { directory.path }
    }

    /// Reads a part and checks that its dataset is whole and holds what the manifest says.
    public static func open(_ directory: URL) throws -> Part {
        let manifest = try PartManifest.read(in: directory)
        let frames: Int, segments: Int
        var part = Part(directory: directory, manifest: manifest)
        switch manifest.datasetFormat {
        case .v1_1:
            let dataset = try TokenDataset(directory: directory)
            guard dataset.actions.isEmpty else {
                throw PartError(directory.path, .inconsistent("it has actions/; tokenized parts never do"))
            }
            frames = dataset.frameCount
            segments = dataset.segments().count
            part.dataset = dataset
        case .v2_0:
            let shards = try ShardedTokenDatasetV2(directory: directory)
            frames = shards.frameCount
            segments = segmentRuns(shards).count
            part.shards = shards
        }
        guard frames == manifest.frames, segments == manifest.segments,
              manifest.inputs.reduce(0, { $0 + $1.frames }) == frames else {
            throw PartError(directory.path, .inconsistent("the dataset has \(frames) frames in \(segments) segments; "
                + "the manifest says \(manifest.frames) frames in \(manifest.segments) segments from inputs of "
                + "\(manifest.inputs.map { String($0.frames) }.joined(separator: "+")) frames"))
        }
        return part
    }

    /// Checks that `parts` are every part of one job and agree on everything that shapes the
    /// tokens; returns them in shard (= input) order.
    public static func checkJob(_ parts: [Part]) throws -> [Part] {
        guard let first = parts.first else { throw PartError("merge", .notAPart("no parts given")) }
        func agree(_ field: String, _ value: (Part) -> String) throws {
            for part in parts.dropFirst() where value(part) != value(first) {
                throw PartError(part.name, .mismatch(field: field, value: value(part), other: first.name, otherValue: value(first)))
            }
        }
        try agree("dataset format") { $0.manifest.datasetFormat.rawValue }
        try agree("tool version") { $0.manifest.toolVersion }
        try agree("job input list (count, sha256)") { "(\($0.manifest.jobInputCount), \($0.manifest.jobInputsSHA256.prefix(12)))" }
        try agree("shard count") { String($0.manifest.shard.count) }
        try agree("checkpoint sha256") { $0.manifest.checkpoint.sha256 }
        try agree("settings") { JSONValue.object($0.manifest.settings).description }
        // The metadata every part writes must be the same but for the counts merge recomputes.
        try agree("metadata.json") { JSONValue.object(jobMetadata($0)).description }
        if first.manifest.datasetFormat == .v2_0 { try agree("layout") { $0.shards?.layout.rawValue ?? "" } }

        var byIndex: [Int: Part] = [:]
        for part in parts {
            if let other = byIndex[part.manifest.shard.index] {
                throw PartError(part.name, .duplicateShard(index: part.manifest.shard.index, other: other.name))
            }
            byIndex[part.manifest.shard.index] = part
        }
        let count = first.manifest.shard.count
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else { throw PartError(first.directory.deletingLastPathComponent().path, .missingShards(missing, count: count)) }
        let ordered = (0..<count).map { byIndex[$0]! }
        var next = 0
        for part in ordered {
            for input in part.manifest.inputs {
                guard input.index == next else {
                    throw PartError(part.name, .notContiguous("holds input \(input.index) (\(input.path)) where input \(next) was expected; "
                        + "the parts do not cover the job's \(first.manifest.jobInputCount) inputs in order"))
                }
                next += 1
            }
        }
        guard next == first.manifest.jobInputCount else {
            throw PartError(ordered.last!.name, .notContiguous("the parts hold \(next) of the job's \(first.manifest.jobInputCount) inputs"))
        }
        return ordered
    }

    /// Merges the parts of one job into the dataset one unsplit run writes: frames in input
    /// order, segment ids renumbered to run on from part to part, counts recomputed. The output
    /// is staged beside `output` and renamed into place.
    public static func merge(parts directories: [URL], into output: URL, replaceExisting: Bool = false) throws -> (frames: Int, segments: Int) {
        let parts = try checkJob(try directories.map(open))
        if !replaceExisting, FileManager.default.fileExists(atPath: output.path) {
            throw DatasetError(file: output.path, .alreadyExists)
        }
        let staging = DirectorySwap.stagingURL(for: output, purpose: "merge")
        PendingOutputs.register(staging)
        defer { PendingOutputs.unregister(staging) }
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            let result: (frames: Int, segments: Int)
            switch parts[0].manifest.datasetFormat {
            case .v1_1: result = try mergeV1(parts, into: staging)
            case .v2_0: result = try mergeV2(parts, into: staging)
            }
            if !replaceExisting, FileManager.default.fileExists(atPath: output.path) {
                throw DatasetError(file: output.path, .alreadyExists)
            }
            try DirectorySwap.install(staging, at: output)
            return result
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    // MARK: - v1.1

    private static func mergeV1(_ parts: [Part], into staging: URL) throws -> (frames: Int, segments: Int) {
        let video = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.videoFile).path)
        let segmentIDs = try BinaryFileOutput(path: staging.appendingPathComponent(TokenDataset.segmentIDsFile).path)
        var renumber = SegmentRenumbering()
        var frames = 0
        for part in parts {
            let dataset = part.dataset!
            try copy(dataset.directory.appendingPathComponent(TokenDataset.videoFile), to: video)
            renumber.startPart()
            try segmentIDs.write(littleEndian: dataset.segmentIDs.map { renumber($0) })
            frames += dataset.frameCount
        }
        try video.close()
        try segmentIDs.close()
        let metadata = parts[0].dataset!.metadata.with(frameCount: frames)
        let url = staging.appendingPathComponent(TokenDataset.metadataFile)
        do { try metadata.jsonData().write(to: url) } catch { throw DatasetError(file: url.path, .io(.cannotWrite, reason: error.localizedDescription)) }
        // A v1.1 dataset is born with its (empty) append lock file, as TokenDatasetWriter makes it.
        let lock = staging.appendingPathComponent(DatasetLock.fileName)
        guard FileManager.default.createFile(atPath: lock.path, contents: nil) else { throw DatasetError(file: lock.path, .io(.cannotCreate)) }
        return (frames, renumber.count)
    }

    // MARK: - v2.0

    private static func mergeV2(_ parts: [Part], into staging: URL) throws -> (frames: Int, segments: Int) {
        let layout = parts[0].shards!.layout
        func url(_ folder: String, _ name: String) throws -> URL {
            let parent = layout == .subfolders ? staging.appendingPathComponent(folder) : staging
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            return parent.appendingPathComponent(name)
        }
        func source(_ part: Part, _ folder: String, _ name: String) -> URL {
            layout == .subfolders ? part.directory.appendingPathComponent(folder).appendingPathComponent(name)
                                  : part.directory.appendingPathComponent(name)
        }
        var renumber = SegmentRenumbering()
        var k = 0, frames = 0
        for part in parts {
            renumber.startPart()
            for shard in part.shards!.shards {
                let video = try BinaryFileOutput(path: try url("videos", "video_\(k).bin").path)
                try copy(source(part, "videos", "video_\(shard.index).bin"), to: video)
                try video.close()
                let segments = try BinaryFileOutput(path: try url("segment_indices", "segment_idx_\(k).bin").path)
                try segments.write(littleEndian: shard.segmentIndices.int32Array().map { renumber($0) })
                try segments.close()
                if shard.states != nil {
                    let states = try BinaryFileOutput(path: try url("robot_states", "states_\(k).bin").path)
                    try copy(source(part, "robot_states", "states_\(shard.index).bin"), to: states)
                    try states.close()
                }
                let metadataURL = source(part, "metadata", "metadata_\(shard.index).json")
                var shardMetadata = try JSONValue.readObject(at: metadataURL)
                shardMetadata["shard_ind"] = .int(k)
                try JSONValue.encodeObject(shardMetadata).write(to: try url("metadata", "metadata_\(k).json"))
                frames += shard.frameCount
                k += 1
            }
        }
        var top = parts[0].shards!.metadata
        top["num_shards"] = .int(k)
        top["num_images"] = .int(frames)
        try JSONValue.encodeObject(top).write(to: staging.appendingPathComponent("metadata.json"))
        return (frames, renumber.count)
    }

    /// The ids of every frame of a v2.0 part, shard after shard, as runs.
    static func segmentRuns(_ shards: ShardedTokenDatasetV2) -> [Int32] {
        var runs: [Int32] = []
        for shard in shards.shards {
            for i in 0..<shard.frameCount {
                let id = shard.segmentIndices.int32LE(at: 4 * i)
                if runs.last != id { runs.append(id) }
            }
        }
        return runs
    }

    /// A part's metadata without the keys merge recomputes.
    private static func jobMetadata(_ part: Part) -> [String: JSONValue] {
        var values = part.dataset?.metadata.values ?? part.shards?.metadata ?? [:]
        for key in ["num_images", "num_shards"] { values[key] = nil }
        return values
    }

    private static func copy(_ source: URL, to output: BinaryFileOutput) throws {
        guard let file = fopen(source.path, "rb") else {
            throw DatasetError(file: source.path, .io(.cannotRead, reason: String(cString: strerror(errno))))
        }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { try output.write(Array(buffer[0..<n])) }
            if n < buffer.count {
                guard ferror(file) == 0 else { throw DatasetError(file: source.path, .io(.readFailed, reason: String(cString: strerror(errno)))) }
                return
            }
        }
    }
}

/// New segment ids for merged parts: each run of equal ids within a part gets the next id, so
/// ids run on across parts (each part numbers its own from 0) with no gaps, as one writer
/// numbers them.
struct SegmentRenumbering {
    private(set) var count = 0
    private var previous: Int32?

    /// Parts never share a segment: every input file lies wholly in one part.
    mutating func startPart() { previous = nil }

    mutating func callAsFunction(_ id: Int32) -> Int32 {
        if id != previous {
            previous = id
            count += 1
        }
        return Int32(count - 1)
    }
}

extension JSONValue {
    /// `object` as a reader of its JSON will see it (30.0 comes back as the integer 30), so a
    /// manifest built in memory compares equal to the same manifest read from disk.
    public static func asWrittenAndRead(_ object: [String: JSONValue]) -> [String: JSONValue] {
        (try? JSONDecoder().decode([String: JSONValue].self, from: encodeObject(object))) ?? object
    }
}

extension BinaryFileOutput {
    func write(littleEndian values: [Int32]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 * values.count)
        for value in values { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        try write(bytes)
    }
}
