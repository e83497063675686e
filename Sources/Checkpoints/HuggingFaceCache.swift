import Foundation

/// Hugging Face repo ids (`ORG/NAME`, `ORG/NAME@revision`, `ORG/NAME/file/in/repo`) resolved
/// in the local cache that `huggingface-cli download` and `from_pretrained` fill:
/// `<hub>/models--ORG--NAME/snapshots/<commit>/`, with `refs/<branch>` naming the commit.
/// `<hub>` is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`,
/// else `~/.cache/huggingface/hub`, as huggingface_hub chooses it. Nothing is downloaded.
public enum HuggingFaceCache {
    public enum RepoType: String, Sendable, CaseIterable {
        case model, dataset
        /// The cache folder's prefix: `models--`, `datasets--`.
        var folderPrefix: String { rawValue + "s--" }
        var cliFlag: String { self == .model ? "" : " --repo-type \(rawValue)" }
    }

    /// `ORG/NAME[@revision][/path/in/repo]`, split.
    public struct Reference: Equatable, Sendable {
        public var organization: String
        public var name: String
        public var revision: String?
        public var file: String?
        public var id: String { "\(organization)/\(name)" }
    }

    /// The cache root for `environment`.
    public static func hubFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let hub = environment["HF_HUB_CACHE"] ?? environment["HUGGINGFACE_HUB_CACHE"], !hub.isEmpty {
            return URL(fileURLWithPath: (hub as NSString).expandingTildeInPath)
        }
        if let home = environment["HF_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: (home as NSString).expandingTildeInPath).appendingPathComponent("hub")
        }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".cache")
        return URL(fileURLWithPath: cache).appendingPathComponent("huggingface/hub")
    }

    /// The parts of a repo id, or nil when `spec` does not look like one.
    public static func parse(_ spec: String) -> Reference? {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !spec.hasPrefix("."), !spec.hasPrefix("/"), !spec.hasPrefix("~") else { return nil }
        let nameAndRevision = parts[1].split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let organization = parts[0], name = nameAndRevision.first ?? ""
        let allowed = #"^[A-Za-z0-9][A-Za-z0-9._-]*$"#
        guard organization.range(of: allowed, options: .regularExpression) != nil,
              name.range(of: allowed, options: .regularExpression) != nil else { return nil }
        let revision = nameAndRevision.count == 2 ? nameAndRevision[1] : nil
        if let revision, revision.isEmpty { return nil }
        let rest = parts.dropFirst(2)
        if rest.contains(where: { $0.isEmpty || $0 == ".." }) { return nil }
        return Reference(organization: organization, name: name, revision: revision,
                         file: rest.isEmpty ? nil : rest.joined(separator: "/"))
    }

    /// A local path for `spec`: an existing path as it is (a cache folder `models--ORG--NAME`
    /// becomes its snapshot), a repo id from the cache. A spec that is neither a path nor a repo
    /// id is returned unchanged for the caller to report; a repo id that is not cached throws,
    /// with the command that downloads it.
    public static func resolve(_ spec: String, types: [RepoType] = [.model, .dataset],
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: spec) {
            return try snapshot(ofCacheFolder: URL(fileURLWithPath: spec), revision: nil, spec: spec)?.path ?? spec
        }
        guard let reference = parse(spec) else { return spec }
        let hub = hubFolder(environment: environment)
        for type in types {
            let repo = hub.appendingPathComponent(type.folderPrefix + reference.organization + "--" + reference.name)
            guard fileManager.fileExists(atPath: repo.path) else { continue }
            guard let snapshot = try snapshot(ofCacheFolder: repo, revision: reference.revision ?? "main", spec: spec) else { continue }
            guard let file = reference.file else { return snapshot.path }
            let path = snapshot.appendingPathComponent(file).path
            guard fileManager.fileExists(atPath: path) else {
                throw HuggingFaceCacheError(spec: spec, .fileNotInSnapshot(file: file, snapshot: snapshot.path),
                                            download: downloadCommand(reference, type: type))
            }
            return path
        }
        let type = types.first ?? .model
        let folders = types.map { $0.folderPrefix + reference.organization + "--" + reference.name }.joined(separator: " or ")
        throw HuggingFaceCacheError(spec: spec, .notCached(hub: hub.path, folders: folders),
                                    download: downloadCommand(reference, type: type))
    }

    /// The snapshot folder of a cache folder (`.../models--ORG--NAME`) for `revision` (a branch or
    /// tag under refs/, or a commit); nil when `folder` is not a cache folder.
    static func snapshot(ofCacheFolder folder: URL, revision: String?, spec: String) throws -> URL? {
        let name = folder.standardizedFileURL.lastPathComponent
        guard RepoType.allCases.contains(where: { name.hasPrefix($0.folderPrefix) }) else { return nil }
        let snapshots = folder.appendingPathComponent("snapshots")
        guard FileManager.default.fileExists(atPath: snapshots.path) else { return nil }
        let revision = revision ?? "main"
        let commit: String
        let ref = folder.appendingPathComponent("refs").appendingPathComponent(revision)
        if let text = try? String(contentsOf: ref, encoding: .utf8) {
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if FileManager.default.fileExists(atPath: snapshots.appendingPathComponent(revision).path) {
            commit = revision
        } else {
            let cached = (try? FileManager.default.contentsOfDirectory(atPath: snapshots.path))?.sorted() ?? []
            throw HuggingFaceCacheError(spec: spec, .revisionNotCached(revision: revision, folder: folder.path, snapshots: cached), download: nil)
        }
        let snapshot = snapshots.appendingPathComponent(commit)
        guard FileManager.default.fileExists(atPath: snapshot.path) else {
            throw HuggingFaceCacheError(spec: spec, .snapshotMissing(revision: revision, commit: commit, snapshot: snapshot.path), download: nil)
        }
        return snapshot
    }

    static func downloadCommand(_ reference: Reference, type: RepoType) -> String {
        var command = "huggingface-cli download \(reference.id)"
        if let file = reference.file { command += " \(file)" }
        command += type.cliFlag
        if let revision = reference.revision { command += " --revision \(revision)" }
        return command
    }
}

/// A repo id that cannot be resolved in the local cache; the message starts with the id.
public struct HuggingFaceCacheError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Equatable, Sendable {
        case fileNotInSnapshot(file: String, snapshot: String)
        /// Neither a file nor a repository in the cache (`hub` has none of `folders`).
        case notCached(hub: String, folders: String)
        case revisionNotCached(revision: String, folder: String, snapshots: [String])
        case snapshotMissing(revision: String, commit: String, snapshot: String)
    }

    /// What the user gave (a path or a Hugging Face id): the thing the message starts with.
    public var spec: String
    public var problem: Problem
    /// The command that fetches it, when a download would help.
    public var download: String?

    public init(spec: String, _ problem: Problem, download: String?) {
        self.spec = spec
        self.problem = problem
        self.download = download
    }

    public var description: String {
        "\(spec): \(problemText)" + (download.map { "; download it with: \($0)" } ?? "")
    }

    private var problemText: String {
        switch problem {
        case .fileNotInSnapshot(let file, let snapshot):
            return "\(file) is not in the cached snapshot \(snapshot)"
        case .notCached(let hub, let folders):
            return "no such file, and not in the local Hugging Face cache (\(hub) has no \(folders))"
        case .revisionNotCached(let revision, let folder, let snapshots):
            return "revision \(revision) is not cached in \(folder) (no refs/\(revision); snapshots: \(snapshots.isEmpty ? "none" : snapshots.joined(separator: ", ")))"
        case .snapshotMissing(let revision, let commit, let snapshot):
            return "refs/\(revision) names commit \(commit) but \(snapshot) is missing"
        }
    }
}
