import Foundation

/// A content fingerprint of a checkpoint file, written into a dataset's metadata so that
/// `--append` can tell whether the same tokenizer made the frames already there. It is the
/// file's SHA-256 (what `sha256sum` and the Hugging Face hub show for the file), the same
/// digest part manifests record, so one checkpoint has one identity everywhere.
public enum CheckpointFingerprint {
    public static func of(file path: String) throws -> String {
        let digest: String
        do { digest = try SHA256.hex(ofFile: path) } catch {
            throw CheckpointError(file: path, .unreadable("cannot read the file to fingerprint it"))
        }
        return "sha256-" + digest
    }
}
