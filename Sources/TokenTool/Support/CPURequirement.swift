import Foundation

/// The kernels in MagvitCodec and Predictor are compiled for AVX2 + FMA (Package.swift). This
/// check runs first, in code compiled for the baseline x86-64 target, so an older CPU gets a
/// sentence instead of an illegal instruction somewhere in the first convolution.
enum CPURequirement {
    static let required = ["avx2", "fma"]

    /// The required flags this CPU lacks; empty where it has them all, or where the check does
    /// not apply (not x86-64, or no /proc/cpuinfo to ask).
    static func missingFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> [String] {
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
