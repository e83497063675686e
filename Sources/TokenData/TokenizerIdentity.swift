import Foundation
import Core

/// What made a dataset's tokens, as written into its metadata.json beside the 1X keys, so that
/// `tokenize --append` never mixes frame rates or tokenizers in one dataset.
public struct TokenizerIdentity: Equatable, Sendable {
    public static let kindKey = "tokenizer_kind"
    public static let hashKey = "tokenizer_ckpt_hash"

    /// "magvit2" (16x16 tokens of 18 bits).
    public var kind: String
    public var checkpoint: String
    public var fingerprint: String

    public init(kind: String, checkpoint: String, fingerprint: String) {
        self.kind = kind
        self.checkpoint = checkpoint
        self.fingerprint = fingerprint
    }

    public static func magvit2(checkpoint: String) throws -> TokenizerIdentity {
        TokenizerIdentity(kind: "magvit2", checkpoint: checkpoint, fingerprint: try FileFingerprint.of(file: checkpoint))
    }

    public var metadata: [String: JSONValue] { [Self.kindKey: .string(kind), Self.hashKey: .string(fingerprint)] }

    /// The kind a dataset's tokens come from: its own key, else what its token shape says.
    public static func kind(of metadata: TokenDatasetMetadata) -> String {
        if let kind = metadata.values[kindKey]?.stringValue { return kind }
        if metadata.height == TokenGrid.magvit2.height, metadata.width == TokenGrid.magvit2.width,
           metadata.vocabularySize == Vocabulary.magvit2.size { return "magvit2" }
        return "unknown (\(metadata.height)x\(metadata.width) tokens, vocab_size \(metadata.vocabularySize))"
    }

    /// Refuses to append frames at `hz` made by this tokenizer to a dataset whose metadata says
    /// otherwise; every message names the dataset's metadata file and both values.
    public func checkAppend(to dataset: String, hz: Double) throws {
        let metadataPath = URL(fileURLWithPath: dataset).appendingPathComponent(TokenDataset.metadataFile).path
        let metadata = try TokenDataset(path: dataset).metadata
        if let existing = metadata.hz, abs(existing - hz) > 1e-9 * max(1, abs(hz)) {
            throw DatasetError(file: metadataPath, .cannotAppend("the dataset's hz is \(format(existing)) but --fps gives \(format(hz)); "
                + "append with --fps \(format(existing)) or write a new dataset"))
        }
        let existingKind = Self.kind(of: metadata)
        if existingKind != kind {
            throw DatasetError(file: metadataPath, .cannotAppend("the dataset's tokens come from \(existingKind) but this run's tokenizer is \(kind) (\(checkpoint))"))
        }
        let existingCheckpoint = metadata.tokenizerCheckpoint ?? "unknown"
        var existingHash = metadata.values[Self.hashKey]?.stringValue
        if existingHash == nil, existingCheckpoint != checkpoint, FileManager.default.fileExists(atPath: existingCheckpoint) {
            existingHash = try? FileFingerprint.of(file: existingCheckpoint)
        }
        if let existingHash, existingHash != fingerprint {
            throw DatasetError(file: metadataPath, .cannotAppend("the dataset was tokenized with \(existingCheckpoint) (\(existingHash)) "
                + "but --ckpt is \(checkpoint) (\(fingerprint)); append with the same checkpoint or write a new dataset"))
        }
        if existingHash == nil, URL(fileURLWithPath: existingCheckpoint).lastPathComponent != URL(fileURLWithPath: checkpoint).lastPathComponent {
            throw DatasetError(file: metadataPath, .cannotAppend("the dataset was tokenized with \(existingCheckpoint) but --ckpt is \(checkpoint), "
                + "and the dataset has no \(Self.hashKey) to show they are the same file"))
        }
    }

    private func format(_ rate: Double) -> String {
        rate.rounded() == rate ? String(Int(rate)) : String(rate)
    }
}
