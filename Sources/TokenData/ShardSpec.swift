import Foundation

/// Which part of a job one task does: `index` of `count` (`--shard 3/100`), zero-based like
/// Slurm array ids (`--array=0-99`) and Kubernetes completion indices.
public struct ShardSpec: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ShardSpecError.countBelowOne(count) }
        guard index >= 0 && index < count else {
            throw ShardSpecError.indexOutside(index: index, count: count)
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/N`.
    public init(parsing text: String) throws {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]) else {
            throw ShardSpecError.notAFraction(text)
        }
        try self.init(index: index, count: count)
    }

    /// The task's shard from its scheduler's environment: Slurm's `SLURM_ARRAY_TASK_ID`, else a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`. The count is `count` when given, else
    /// `SLURM_ARRAY_TASK_COUNT`. Give it explicitly in scripts: Slurm sets the task count from the
    /// array actually submitted, so re-running only the failed ids (`--array=3,7`) would say 2.
    public static func fromEnvironment(_ environment: [String: String], count: Int?) throws -> ShardSpec {
        let source: (name: String, value: String)
        if let id = environment["SLURM_ARRAY_TASK_ID"] {
            source = ("SLURM_ARRAY_TASK_ID", id)
        } else if let index = environment["JOB_COMPLETION_INDEX"] {
            source = ("JOB_COMPLETION_INDEX", index)
        } else {
            throw ShardSpecError.noSchedulerVariable
        }
        guard let index = Int(source.value) else {
            throw ShardSpecError.notAnInteger(variable: source.name, value: source.value)
        }
        let total: Int
        if let count {
            total = count
        } else if let text = environment["SLURM_ARRAY_TASK_COUNT"], let value = Int(text) {
            total = value
        } else {
            throw ShardSpecError.unknownCount(variable: source.name)
        }
        do { return try ShardSpec(index: index, count: total) } catch let error as ShardSpecError {
            throw ShardSpecError.fromEnvironment(variable: source.name, index: index, error)
        }
    }

    public var description: String { "\(index)/\(count)" }

    /// This shard's slice of `0..<itemCount` when every item costs the same (evaluation windows):
    /// contiguous, sizes differing by at most one.
    public func range(of itemCount: Int) -> Range<Int> {
        (itemCount * index / count) ..< (itemCount * (index + 1) / count)
    }

    /// The same in whole blocks of `block` items (the last may be short), so that a part's
    /// batches are exactly the batches an unsplit run forms: a model may round differently
    /// when the windows batched with a window change.
    public func range(of itemCount: Int, inBlocksOf block: Int) -> Range<Int> {
        precondition(block >= 1)
        let blocks = range(of: (itemCount + block - 1) / block)
        return min(itemCount, blocks.lowerBound * block) ..< min(itemCount, blocks.upperBound * block)
    }

    /// Splits items with the given costs (frames) into `count` contiguous runs of about equal
    /// total cost, keeping their order: an item goes to the part its cost's midpoint falls in.
    /// Integer arithmetic, so every task of a job computes the same split.
    public static func balancedRanges(costs: [Int], count: Int) -> [Range<Int>] {
        precondition(count >= 1 && costs.allSatisfy { $0 >= 0 })
        let total = costs.reduce(0, +)
        var owner: [Int] = []
        var before = 0
        for (i, cost) in costs.enumerated() {
            // Items that cost nothing still go somewhere: spread by position.
            let part = total > 0 ? (2 * before + cost) * count / (2 * total) : i * count / max(1, costs.count)
            owner.append(min(count - 1, part))
            before += cost
        }
        return (0..<count).map { part in
            let start = owner.firstIndex { $0 >= part } ?? costs.count
            let end = owner.firstIndex { $0 > part } ?? costs.count
            return start ..< max(start, end)
        }
    }
}

/// A bad `--shard` or scheduler environment (command-line input, so no file to name).
public indirect enum ShardSpecError: Error, CustomStringConvertible, Equatable {
    case countBelowOne(Int)
    case indexOutside(index: Int, count: Int)
    /// `--shard` text that is not `i/N`.
    case notAFraction(String)
    case noSchedulerVariable
    case notAnInteger(variable: String, value: String)
    case unknownCount(variable: String)
    /// The scheduler's values make no valid shard.
    case fromEnvironment(variable: String, index: Int, ShardSpecError)

    public var description: String {
        switch self {
        case .countBelowOne(let count):
            return "shard count must be >= 1, got \(count)"
        case .indexOutside(let index, let count):
            return "shard index \(index) is outside 0..<\(count) (indices are zero-based: 0/\(count) ... \(count - 1)/\(count))"
        case .notAFraction(let text):
            return "--shard \(text): expected i/N, e.g. 0/3 for the first of three parts"
        case .noSchedulerVariable:
            return "--shard-from-env: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set"
        case .notAnInteger(let variable, let value):
            return "--shard-from-env: \(variable) is \"\(value)\", not an integer"
        case .unknownCount(let variable):
            return "--shard-from-env: give --shard-count N (\(variable) is set but the number of tasks is not known)"
        case .fromEnvironment(let variable, let index, let problem):
            return "--shard-from-env: \(variable)=\(index): \(problem.description)"
        }
    }
}
