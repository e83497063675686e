import ArgumentParser
import Foundation
import TokenData

/// `--shard i/N`, `--shard-from-env` and `--shard-count`: which part of a split job this call
/// does (one task of a Slurm array or a Kubernetes Indexed Job).
struct ShardOptions: ParsableArguments {
    /// Written into part manifests; parts made by different versions are not merged.
    static let toolVersion = "tokentool \(TokenToolVersion.current)"

    @Option(help: ArgumentHelp("Do part i of N of the job (zero-based, e.g. 3/100).", valueName: "i/N"))
    var shard: String?

    @Flag(name: .customLong("shard-from-env"), help: ArgumentHelp(
        "Take the part index from the scheduler: SLURM_ARRAY_TASK_ID (Slurm array) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job).",
        discussion: "The count comes from --shard-count, else SLURM_ARRAY_TASK_COUNT."))
    var fromEnvironment = false

    @Option(name: .customLong("shard-count"), help: "Number of parts N with --shard-from-env (needed on Kubernetes; safer on Slurm, where re-running a few array ids changes SLURM_ARRAY_TASK_COUNT).")
    var count: Int?

    func validate() throws {
        if shard != nil && fromEnvironment { throw ValidationError("--shard and --shard-from-env exclude each other") }
        if count != nil && !fromEnvironment { throw ValidationError("--shard-count goes with --shard-from-env (--shard takes i/N)") }
        if let shard { _ = try spec(from: shard) }
    }

    var isRequested: Bool { shard != nil || fromEnvironment }

    /// The part this call does; nil for an unsplit run.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardSpec? {
        if let shard { return try spec(from: shard) }
        guard fromEnvironment else { return nil }
        do { return try ShardSpec.fromEnvironment(environment, count: count) } catch let error as ShardSpecError {
            throw ValidationError(error.description)
        }
    }

    private func spec(from text: String) throws -> ShardSpec {
        do { return try ShardSpec(parsing: text) } catch let error as ShardSpecError { throw ValidationError(error.description) }
    }
}
