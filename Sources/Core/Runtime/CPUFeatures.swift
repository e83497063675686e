import Foundation

/// What the machine's CPU offers and which of it the kernels use.
///
/// On x86-64 the Swift code of the kernel layer is compiled for AVX2 + FMA (Package.swift; the
/// command line refuses to start on a CPU without them), including the micro-kernel GEMM
/// behind the Winograd convolutions, most of the codec's arithmetic. On arm64 it is compiled
/// for the baseline, NEON. The other GEMMs (GENIE, strided and 1x1 convolutions) are the
/// BLAS's: OpenBLAS, which picks its kernels for the CPU at run time, or Accelerate on macOS.
public struct CPUFeatures: Sendable, CustomStringConvertible {
    /// The CPU's name ("model name" in /proc/cpuinfo, `machdep.cpu.brand_string` on macOS),
    /// or "unknown".
    public var modelName: String
    /// The CPU's feature flags, lower case as in /proc/cpuinfo ("avx2", "fma"); empty where
    /// the system does not list them.
    public var flags: Set<String>
    /// The BLAS and the kernel set it chose at run time, e.g. "OpenBLAS Haswell", "Accelerate".
    public var blas: String

    public static let current = CPUFeatures()

    init() {
        let (name, flagList) = Self.systemDescription()
        modelName = name ?? "unknown"
        flags = Set(flagList.split(separator: " ").map { $0.lowercased().replacingOccurrences(of: ".", with: "_") })
        blas = BLASThreads.name
    }

    /// The widest vector extension the CPU reports: "AVX-512", "AVX2+FMA", "AVX", "SSE4.2" or
    /// "SSE2" on x86-64; "NEON" on arm64 (every arm64 CPU has it).
    public var simdLevel: String {
        #if arch(x86_64)
        if flags.contains("avx512f") { return "AVX-512" }
        if flags.contains("avx2") && flags.contains("fma") { return "AVX2+FMA" }
        if flags.contains("avx") { return "AVX" }
        if flags.contains("sse4_2") { return "SSE4.2" }
        return "SSE2"
        #elseif arch(arm64)
        return "NEON"
        #else
        return "scalar"
        #endif
    }

    /// The vector extension the Swift kernels are compiled for (Package.swift).
    public static var kernelTarget: String {
        #if arch(x86_64)
        return "AVX2+FMA"
        #elseif arch(arm64)
        return "NEON"
        #else
        return "baseline"
        #endif
    }

    /// What runs the arithmetic, e.g. "CPU AVX2+FMA; Swift kernels AVX2+FMA; OpenBLAS Zen".
    public var kernelSummary: String {
        "CPU \(simdLevel); Swift kernels \(Self.kernelTarget), GEMM \(GEMMPath.best.rawValue); \(blas)"
    }

    public var description: String {
        "\(modelName), \(kernelSummary)"
    }

    /// The CPU's name and its flags separated by spaces, from wherever the system keeps them.
    private static func systemDescription() -> (name: String?, flags: String) {
        #if canImport(Darwin)
        let features = [sysctlString("machdep.cpu.features"), sysctlString("machdep.cpu.leaf7_features")]
        return (sysctlString("machdep.cpu.brand_string"), features.compactMap { $0 }.joined(separator: " "))
        #else
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return (cpuinfoField("model name", in: info), cpuinfoField("flags", in: info) ?? "")
        #endif
    }

    /// The first value of `name` in /proc/cpuinfo's text (the first processor's).
    static func cpuinfoField(_ name: String, in info: String) -> String? {
        for line in info.split(separator: "\n") where line.hasPrefix(name) {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    #if canImport(Darwin)
    private static func sysctlString(_ name: String) -> String? {
        var size = 0
        guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard sysctlbyname(name, &buffer, &size, nil, 0) == 0 else { return nil }
        return String(cString: buffer)
    }
    #endif
}
