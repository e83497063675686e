import Foundation

extension Runtime {
    /// The file this process runs: /proc/self/exe's target on Linux, `_NSGetExecutablePath`
    /// on macOS, else the first command-line argument.
    public static var executableURL: URL {
        #if canImport(Darwin)
        var size: UInt32 = 0
        _ = _NSGetExecutablePath(nil, &size)
        var buffer = [CChar](repeating: 0, count: Int(size) + 1)
        if _NSGetExecutablePath(&buffer, &size) == 0 {
            return URL(fileURLWithPath: String(cString: buffer)).resolvingSymlinksInPath()
        }
        #else
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        if FileManager.default.fileExists(atPath: link.path), link.path != "/proc/self/exe" { return link }
        #endif
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    }
}
