import Foundation

/// The kernels in MagvitCodec and Predictor are compiled for AVX2 + FMA (Package.swift). This
/// check runs first, in code compiled for the baseline x86-64 target, so an older CPU gets a
/// sentence instead of an illegal instruction somewhere in the first convolution.
enum CPURequirement {
    static let required = ["avx2", "fma"]

    /// The required flags this CPU lacks; empty where it has them all, or where the check does
    /// not apply (not x86-64, or nothing to ask).
    static func missingFlags(cpuinfo: String? = systemCPUInfo()) -> [String] {
        #if arch(x86_64)
        guard let cpuinfo,
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        let flags = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        return required.filter { !flags.contains($0) }
        #else
        return []
        #endif
    }

    /// /proc/cpuinfo; on macOS, which has none, a "flags" line of the required flags that
    /// sysctl's hw.optional keys report.
    static func systemCPUInfo() -> String? {
        #if canImport(Darwin)
        let keys = ["avx2": "hw.optional.avx2_0", "fma": "hw.optional.fma"]
        let present = required.filter { flag in
            var value: Int32 = 0
            var size = MemoryLayout<Int32>.size
            return sysctlbyname(keys[flag]!, &value, &size, nil, 0) == 0 && value != 0
        }
        return "flags\t: " + present.joined(separator: " ")
        #else
        return try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #endif
    }

    static func exitUnlessMet() {
        let missing = missingFlags()
        guard !missing.isEmpty else { return }
        FileHandle.standardError.write(Data("""
            Error: this CPU lacks \(missing.joined(separator: " and ").uppercased()), which tokentool's compute \
            kernels are built for (x86-64 with AVX2 and FMA: Intel Haswell or AMD Zen and later).

            """.utf8))
        exit(1)
    }
}
