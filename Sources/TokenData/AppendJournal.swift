import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Core

/// The commit step of an append (see `TokenDatasetWriter`), and its recovery.
///
/// While `.tokentool-append.json` exists in a dataset, an append is between its two steps:
/// new bytes may already sit past `num_images` in `video.bin` and `segment_ids.bin`, and
/// `metadata.json` (replaced with one rename) says which frames are committed. Readers then
/// accept the longer files and read `num_images` frames; the next writer cuts them back.
enum AppendJournal {
    static let fileName = ".tokentool-append.json"

    static func isOpen(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(fileName).path)
    }

    /// Appends the staged files' bytes to the dataset's and commits `metadata`. On failure
    /// the dataset's files are cut back to what they were and the error is rethrown.
    static func commit(staging: URL, to target: URL, from base: TokenDataset, metadata: TokenDatasetMetadata) throws {
        let journal = target.appendingPathComponent(fileName)
        let files = [TokenDataset.videoFile, TokenDataset.segmentIDsFile]
        let frameBytes = base.tokensPerFrame * base.metadata.tokenDType.byteSize
        let committed = [base.frameCount * frameBytes, base.frameCount * 4]
        let record: [String: JSONValue] = ["video_bytes": .int(committed[0]), "segment_ids_bytes": .int(committed[1])]
        do {
            try JSONValue.encodeObject(record).write(to: journal)
        } catch {
            throw DatasetError(file: journal.path, .io(.cannotWrite, reason: error.localizedDescription))
        }
        AtomicOutput.sync(journal.path)
        AtomicOutput.sync(target.path)
        do {
            for name in files {
                try appendBytes(of: staging.appendingPathComponent(name), to: target.appendingPathComponent(name))
            }
            // The commit: one rename.
            try AtomicOutput(destination: target.appendingPathComponent(TokenDataset.metadataFile)).write(metadata.jsonData())
        } catch {
            for (name, size) in zip(files, committed) { truncate(target.appendingPathComponent(name).path, off_t(size)) }
            unlink(journal.path)
            throw error
        }
        unlink(journal.path)
        AtomicOutput.sync(target.path)
    }

    /// Finishes an append that was killed inside `commit`: whatever `metadata.json` says is
    /// committed is kept, bytes past it are cut off. Call with the dataset's lock held.
    static func recover(_ target: URL) throws {
        guard isOpen(in: target) else { return }
        let metadata = try TokenDatasetMetadata.read(from: target.appendingPathComponent(TokenDataset.metadataFile))
        let sizes = [
            TokenDataset.videoFile: metadata.frameCount * metadata.tokensPerFrame * metadata.tokenDType.byteSize,
            TokenDataset.segmentIDsFile: metadata.frameCount * 4,
        ]
        for (name, size) in sizes {
            let path = target.appendingPathComponent(name).path
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if Int(info.st_size) > size {
                guard truncate(path, off_t(size)) == 0 else {
                    throw DatasetError(file: path, .io(.cannotCutBackAppend, reason: String(cString: strerror(errno))))
                }
                AtomicOutput.sync(path)
            }
        }
        unlink(target.appendingPathComponent(fileName).path)
        AtomicOutput.sync(target.path)
    }

    /// Copies `source` onto the end of `destination` in 4 MB pieces, then syncs it.
    private static func appendBytes(of source: URL, to destination: URL) throws {
        let input = open(source.path, O_RDONLY)
        guard input >= 0 else { throw DatasetError(file: source.path, .io(.cannotRead, reason: String(cString: strerror(errno)))) }
        defer { close(input) }
        let output = open(destination.path, O_WRONLY | O_APPEND)
        guard output >= 0 else { throw DatasetError(file: destination.path, .io(.cannotOpenForAppending, reason: String(cString: strerror(errno)))) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw DatasetError(file: source.path, .io(.readFailed, reason: String(cString: strerror(errno)))) }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    throw DatasetError(file: destination.path, .io(.writeFailed, reason: String(cString: strerror(errno))))
                }
                offset += written
            }
        }
        guard fsync(output) == 0 || errno == EINVAL else {
            throw DatasetError(file: destination.path, .io(.syncFailed, reason: String(cString: strerror(errno))))
        }
    }
}
