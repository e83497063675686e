import Foundation

extension Runtime {
    /// The threads to use when none are asked for: `OMP_NUM_THREADS` when set (what users of
    /// PyTorch and OpenBLAS already set), else the CPUs this process may run on (its affinity
    /// mask, so `taskset -c 0` or a container's cpuset means 1), else the online cores.
    public static func defaultThreadCount(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let value = environment["OMP_NUM_THREADS"]?.split(separator: ",").first,
           let n = Int(value.trimmingCharacters(in: .whitespaces)), n >= 1 {
            return n
        }
        return allowedCPUCount() ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// CPUs in this process's affinity mask (Linux: `Cpus_allowed` in /proc/self/status, the
    /// mask sched_getaffinity returns; glibc hides that call from Swift); nil where unknown
    /// (no such file, as on macOS, which has no affinity masks).
    public static func allowedCPUCount(status path: String = "/proc/self/status") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let mask = line.dropFirst("Cpus_allowed:".count).filter { $0 != "," && $0 != " " && $0 != "\t" }
        var count = 0
        for digit in mask {
            guard let value = digit.hexDigitValue else { return nil }
            count += value.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }
}
