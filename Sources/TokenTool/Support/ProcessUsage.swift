import Foundation

/// What this process has used so far, for `bench`: one place for the platform differences
/// (`getrusage`'s `ru_maxrss` is kilobytes on Linux and bytes on macOS; `/proc` exists only on Linux).
enum ProcessUsage {
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
    static func peakRSSMegabytes() -> Double {
        #if os(Linux)
        return Double(usage().ru_maxrss) / 1024
        #else
        return Double(usage().ru_maxrss) / 1_048_576
        #endif
    }

    /// The resident set now, in MB; NaN where `/proc/self/status` does not exist.
    static func currentRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }

    /// User + system CPU seconds of the whole process, all threads.
    static func cpuSeconds() -> Double {
        let usage = usage()
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The 1-minute load average: how busy the machine was while a benchmark ran.
    static func loadAverage() -> Double {
        var load = [Double](repeating: 0, count: 3)
        return getloadavg(&load, 3) > 0 ? load[0] : .nan
    }
}
