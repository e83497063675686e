import ArgumentParser
import Foundation
import TokenData

/// `tokentool merge`: the parts of a split `tokenize` job -> the dataset one unsplit run writes.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the part directories of a split tokenize job (--shard i/N) into one dataset.",
        discussion: """
        Checks that the parts are every part of one job (same input list, tokenizer, checkpoint \
        hash, settings and tool version; shards 0..<N each once) and names both parts when two \
        disagree. Frames are concatenated in input order and segment ids renumbered, so the \
        result is byte for byte what one tokenize call over all inputs writes. 1X v1.1 parts \
        become one dataset; 1X v2.0 parts become the shards video_{k}.bin ... of one dataset \
        with its top metadata.json. Writing is atomic.
        Example: tokentool merge parts/part-* -o data/train
        """)

    @Argument(help: "Part directories written by tokenize --shard (any order).")
    var parts: [String]

    @Option(name: .shortAndLong, help: "Dataset directory to write.")
    var output: String

    @Flag(help: "Replace an existing output dataset.")
    var force = false

    func validate() throws {
        guard !parts.isEmpty else { throw ValidationError("give the part directories to merge") }
    }

    func run() throws {
        let start = Date()
        let result = try DatasetParts.merge(parts: parts.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: output),
                                            replaceExisting: force)
        note(String(format: "merge: %d parts, %d frames, %.1f s", parts.count, result.frames, Date().timeIntervalSince(start)))
        print("wrote \(result.frames) frames in \(result.segments) segments from \(parts.count) parts to \(output)")
    }
}
