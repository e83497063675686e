import Foundation
import TokenData

/// One window's teacher-forced scores, kept per frame so that sums over many windows can be
/// redone in window order: floating-point addition is not associative, and a split evaluation
/// must print exactly the numbers of an unsplit one.
public struct WindowScore: Codable, Equatable, Sendable {
    /// CE in nats, summed over positions, of the predicted frames t = 1 ..< window, in order.
    public var ce: [Double]
    public var tokensPerFrame: Int
    /// Predicted tokens equal to the truth, over the whole window.
    public var correct: Int

    enum CodingKeys: String, CodingKey { case ce, tokensPerFrame = "tokens_per_frame", correct }

    public init(ce: [Double], tokensPerFrame: Int, correct: Int) {
        self.ce = ce
        self.tokensPerFrame = tokensPerFrame
        self.correct = correct
    }
}

extension EvaluationReport {
    /// The report over `windows` (in window order): every sum is taken frame by frame in that
    /// order, the order an unsplit run scores them in. `seconds` is the generation time.
    public init(predictor: String, settings: EvaluationSettings, windows: [WindowScore], seconds: Double, lpips: Double? = nil) throws {
        var ceSum = 0.0, correct = 0, tokens = 0, frames = 0
        var ceSumAt: [Double] = [], tokensAt: [Int] = []
        for window in windows {
            for (i, ce) in window.ce.enumerated() {
                if ceSumAt.count <= i { ceSumAt.append(0); tokensAt.append(0) }
                ceSumAt[i] += ce
                tokensAt[i] += window.tokensPerFrame
                ceSum += ce
                tokens += window.tokensPerFrame
            }
            correct += window.correct
            frames += window.ce.count
        }
        guard tokens > 0 else { throw EvaluationError.nothingToScore }
        self.init(
            predictor: predictor,
            ce: ceSum / Double(tokens),
            accuracy: Double(correct) / Double(tokens),
            lpips: lpips,
            secondsPerFrame: seconds / Double(frames),
            examples: windows.count,
            predictedFrames: frames,
            perTimestepCE: zip(ceSumAt, tokensAt).map { $0 / Double(max(1, $1)) },
            settings: settings)
    }
}

/// What one task of a split evaluation (`evaluate --shard i/N --json part.json`) writes: its
/// windows' scores, and enough about the job to refuse merging parts of different jobs.
public struct EvaluationPart: Codable, Equatable, Sendable {
    public static let formatName = "tokentool-evaluate-part"

    public var format = EvaluationPart.formatName
    public var toolVersion: String
    public var shard: ShardSpec
    /// What every part of one job shares: data, model, windows, window count (see `sameJob`).
    public var job: [String: JSONValue]
    public var predictor: String
    public var settings: EvaluationSettings
    /// Index of this part's first window in the whole job, and the job's window count.
    public var firstWindow: Int
    public var totalWindows: Int
    public var windows: [WindowScore]
    /// Generation seconds of this part (timing, so not reproducible; merged by summing).
    public var seconds: Double
    /// LPIPS of each predicted frame in order, when computed.
    public var lpips: [Double]?
    public var complete = true

    enum CodingKeys: String, CodingKey {
        case format, toolVersion = "tool_version", shard, job, predictor, settings
        case firstWindow = "first_window", totalWindows = "total_windows", windows, seconds, lpips, complete
    }

    public init(toolVersion: String, shard: ShardSpec, job: [String: JSONValue], predictor: String, settings: EvaluationSettings,
                firstWindow: Int, totalWindows: Int, windows: [WindowScore], seconds: Double, lpips: [Double]?) {
        self.toolVersion = toolVersion
        self.shard = shard
        self.job = JSONValue.asWrittenAndRead(job)
        self.predictor = predictor
        self.settings = settings
        self.firstWindow = firstWindow
        self.totalWindows = totalWindows
        self.windows = windows
        self.seconds = seconds
        self.lpips = lpips
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func read(from url: URL) throws -> EvaluationPart {
        guard FileManager.default.fileExists(atPath: url.path) else { throw PartError(url.path, .notAPart("no such file")) }
        let part: EvaluationPart
        do { part = try JSONDecoder().decode(EvaluationPart.self, from: Data(contentsOf: url)) } catch {
            throw PartError(url.path, .malformedManifest("not an evaluation part written by evaluate --shard"))
        }
        guard part.format == formatName else {
            throw PartError(url.path, .malformedManifest("format is \"\(part.format)\", expected \"\(formatName)\""))
        }
        guard part.complete else { throw PartError(url.path, .incomplete) }
        guard part.firstWindow >= 0, part.firstWindow + part.windows.count <= part.totalWindows else {
            throw PartError(url.path, .malformedManifest("windows \(part.firstWindow)..<\(part.firstWindow + part.windows.count) "
                + "are outside the job's \(part.totalWindows)"))
        }
        if let lpips = part.lpips, lpips.count != part.windows.reduce(0, { $0 + $1.ce.count }) {
            throw PartError(url.path, .malformedManifest("\(lpips.count) LPIPS values for \(part.windows.reduce(0) { $0 + $1.ce.count }) predicted frames"))
        }
        return part
    }
}

public enum ScoreShards {
    /// The report one unsplit `evaluate` prints, from every part of a split one (any order).
    /// `names` label the parts in errors (their files).
    public static func combine(_ parts: [EvaluationPart], names: [String]) throws -> EvaluationReport {
        precondition(parts.count == names.count)
        guard let first = parts.first else { throw PartError("merge-scores", .notAPart("no parts given")) }
        func agree(_ field: String, _ value: (EvaluationPart) -> String) throws {
            for (part, name) in zip(parts, names).dropFirst() where value(part) != value(first) {
                throw PartError(name, .mismatch(field: field, value: value(part), other: names[0], otherValue: value(first)))
            }
        }
        try agree("tool version") { $0.toolVersion }
        try agree("job") { JSONValue.object($0.job).description }
        try agree("predictor") { $0.predictor }
        try agree("settings") { "\($0.settings)" }
        try agree("shard count") { String($0.shard.count) }
        try agree("window count") { String($0.totalWindows) }
        try agree("lpips") { $0.lpips == nil ? "not computed" : "computed" }

        var byIndex: [Int: Int] = [:]
        for (i, part) in parts.enumerated() {
            if let other = byIndex[part.shard.index] {
                throw PartError(names[i], .duplicateShard(index: part.shard.index, other: names[other]))
            }
            byIndex[part.shard.index] = i
        }
        let count = first.shard.count
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else { throw PartError(names[0], .missingShards(missing, count: count)) }
        let ordered = (0..<count).map { byIndex[$0]! }
        var next = 0
        for i in ordered {
            guard parts[i].firstWindow == next else {
                throw PartError(names[i], .notContiguous("starts at window \(parts[i].firstWindow) where window \(next) was expected"))
            }
            next += parts[i].windows.count
        }
        guard next == first.totalWindows else {
            throw PartError(names[ordered.last!], .notContiguous("the parts hold \(next) of the job's \(first.totalWindows) windows"))
        }

        // LPIPS, like CE, is summed frame by frame in order, as PerceptualScorer does.
        var lpips: Double?
        if first.lpips != nil {
            var sum = 0.0, n = 0
            for i in ordered { for value in parts[i].lpips! { sum += value; n += 1 } }
            lpips = n > 0 ? sum / Double(n) : nil
        }
        var seconds = 0.0
        for i in ordered { seconds += parts[i].seconds }
        return try EvaluationReport(predictor: first.predictor, settings: first.settings,
                                    windows: ordered.flatMap { parts[$0].windows }, seconds: seconds, lpips: lpips)
    }
}
