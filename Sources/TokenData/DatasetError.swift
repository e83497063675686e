/// A problem with a token dataset on disk (or one being written): which file, and what is wrong
/// with it. The description is one line that starts with the file, as `CheckpointError`'s.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        /// A file the layout requires is absent ("missing file").
        case missingFile
        /// The file to read does not exist ("no such file").
        case noSuchFile
        /// The path is another kind of thing than expected (a file for a folder, a folder that
        /// is no dataset, JSON that is no object).
        case wrongKind(String)
        /// Writing would replace what must stay.
        case alreadyExists
        /// metadata.json lacks a key.
        case missingKey(String)
        /// A key holds a value it may not: `key "<name>" <what is wrong>`.
        case invalidKey(String, String)
        /// A file's size disagrees with the metadata: `size is <bytes> bytes; expected <expected>`.
        case wrongSize(bytes: Int, expected: String)
        /// A count beyond any real dataset: `<what> is above the cap of <cap>`.
        case aboveCap(String, cap: Int)
        /// Reading, writing, moving or locking failed, with the system's reason when there is one.
        case io(IOFailure, reason: String? = nil)
        /// Another process holds the dataset's lock.
        case busy(String)
        /// A writer used after `commit()` or `discard()`.
        case writerFinished
        /// What a writer was given does not fit the dataset (frames, clips, a sample's parts).
        case rejectedInput(String)
        /// `--append` cannot add to this dataset.
        case cannotAppend(String)
        /// The files are there but contradict each other or the format.
        case malformed(String)
    }

    /// The file-system step that failed; the raw value is how the message says it.
    public enum IOFailure: String, Sendable {
        case cannotRead = "cannot read"
        case readFailed = "read failed"
        case cannotWrite = "cannot write"
        case cannotWriteDataset = "cannot write dataset"
        case cannotOpenForWriting = "cannot open for writing"
        case cannotOpenForAppending = "cannot open for appending"
        case writeFailed = "write failed"
        case writeFailedOnSync = "write failed on sync"
        case writeFailedOnClose = "write failed on close"
        case writeAfterClose = "write after close"
        case syncFailed = "sync failed"
        case cannotCreate = "cannot create"
        case cannotCreateStaging = "cannot create staging directory"
        case cannotStage = "cannot stage dataset files"
        case cannotMoveIntoPlace = "cannot move into place"
        case cannotMoveNewDataIntoPlace = "cannot move new data into place"
        case cannotMoveOldDataAside = "cannot move old data aside"
        case cannotCutBackAppend = "cannot cut back an interrupted append"
        case cannotOpenLockFile = "cannot open the dataset's lock file"
        case cannotCreateLockFile = "cannot create the lock file"
        case cannotLock = "cannot lock"
    }

    public var file: String
    public var problem: Problem

    public init(file: String, _ problem: Problem) {
        self.file = file
        self.problem = problem
    }

    /// The file the problem is about (the same as `file`).
    public var path: String { file }

    public var description: String { "\(file): \(problemText)" }

    private var problemText: String {
        switch problem {
        case .missingFile: return "missing file"
        case .noSuchFile: return "no such file"
        case .wrongKind(let what): return what
        case .alreadyExists: return "already exists; refusing to overwrite it"
        case .missingKey(let key): return "missing key \"\(key)\""
        case .invalidKey(let key, let what): return "key \"\(key)\" \(what)"
        case .wrongSize(let bytes, let expected): return "size is \(bytes) bytes; expected \(expected)"
        case .aboveCap(let what, let cap): return "\(what) is above the cap of \(cap)"
        case .io(let failure, let reason): return reason.map { "\(failure.rawValue) (\($0))" } ?? failure.rawValue
        case .busy(let what): return what
        case .writerFinished: return "writer already committed or discarded"
        case .rejectedInput(let what), .cannotAppend(let what), .malformed(let what): return what
        }
    }
}
