import Foundation

/// What this process has used so far, for `bench`: one place for the platform differences
/// (`getrusage`'s `ru_maxrss` is kilobytes on Linux and bytes on macOS; `/proc` exists only on
/// Linux, Mach's task_info only on macOS).
public enum ProcessUsage {
    private static func usage() -> rusage {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return usage
    }

    /// The largest resident set so far, in MB (2^20 bytes).
    public static func peakRSSMegabytes() -> Double {
        #if os(Linux)
        return Double(usage().ru_maxrss) / 1024
        #else
        return Double(usage().ru_maxrss) / 1_048_576
        #endif
    }

    /// The resident set now, in MB; NaN where the system does not say.
    public static func currentRSSMegabytes() -> Double {
        #if canImport(Darwin)
        var info = mach_task_basic_info()
        var count = mach_msg_type_number_t(MemoryLayout<mach_task_basic_info>.size / MemoryLayout<natural_t>.size)
        let result = withUnsafeMutablePointer(to: &info) {
            $0.withMemoryRebound(to: integer_t.self, capacity: Int(count)) {
                task_info(mach_task_self_, task_flavor_t(MACH_TASK_BASIC_INFO), $0, &count)
            }
        }
        return result == KERN_SUCCESS ? Double(info.resident_size) / 1_048_576 : .nan
        #else
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
        #endif
    }

    /// User + system CPU seconds of the whole process, all threads.
    public static func cpuSeconds() -> Double {
        let usage = usage()
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The 1-minute load average: how busy the machine was while a benchmark ran.
    public static func loadAverage() -> Double {
        var load = [Double](repeating: 0, count: 3)
        return getloadavg(&load, 3) > 0 ? load[0] : .nan
    }

}
