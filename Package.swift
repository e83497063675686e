// swift-tools-version:6.0
// 6.0: the code uses typed throws (`throws(MemoryMap.Failure)`) and `nonisolated(unsafe)`; it is
// written in the Swift 5 language mode (below), as it was before 6.0.
import PackageDescription

// Optimised builds matter even for `swift test`: the parity tests run real convolutions.
// Bounds and overflow checks stay on (-O, not -Ounchecked): parsers, loaders and the CLI read
// sizes from untrusted files, and a check that traps is better than memory overwritten. The
// kernels keep their speed by working on unsafe pointers and wrapping arithmetic, on sizes
// validated before they are called.
let fast: [SwiftSetting] = [.unsafeFlags(["-O"])]
// The compute kernels are built for AVX2 + FMA (Haswell and later, Zen and later). The
// command line itself stays at the baseline target, so that on an older CPU it can say so
// instead of dying of an illegal instruction (see CPURequirement.swift).
#if arch(x86_64)
let kernels: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
#else
let kernels = fast
#endif
// The AVX-512 micro-kernels (Sources/KernelsAVX512) alone are built for skylake-avx512; the
// kernel layer calls them only where the CPU reports AVX-512 at run time (GEMMPath.swift).
#if arch(x86_64)
let avx512: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "skylake-avx512"])]
#else
let avx512 = fast
#endif

let package = Package(
    name: "tokentool",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tokentool", targets: ["TokenTool"]),
        .library(name: "MagvitCodec", targets: ["MagvitCodec"]),
        .library(name: "CosmosTokenizer", targets: ["CosmosTokenizer"]),
        .library(name: "Predictor", targets: ["Predictor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C headers only: FFmpeg and libpng as Swift sees them (macros, varargs, struct fields).
        .systemLibrary(
            name: "FFmpegShim",
            path: "Sources/FFmpegShim",
            pkgConfig: "libavformat",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libavfilter-dev", "libpng-dev"])]
        ),
        // BLAS for the kernel layer: OpenBLAS on Linux, Accelerate on macOS (see Core/Kernels/GEMM.swift).
        // Only Linux links it (the Core target's dependency below).
        // CPU instructions Swift cannot reach (compiler builtins): prefetch, Intel AMX tiles.
        .systemLibrary(name: "CPUIntrinsics", path: "Sources/CPUIntrinsics"),
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // The layers, bottom to top. Each depends only on those above it in this list.
        // Register-blocked AVX-512 micro-kernels over raw pointers, called by Core only after a
        // run-time check finds AVX-512 (an empty module elsewhere).
        .target(name: "KernelsAVX512", dependencies: ["CPUIntrinsics"], swiftSettings: avx512),
        // Tensor, the one kernel layer (conv, GEMM, norms, attention, with naive twins), the
        // runtime policy (threads, heap, CPU features) and file primitives (mmap, atomic output).
        .target(name: "Core", dependencies: ["KernelsAVX512", "CPUIntrinsics", .target(name: "CBLAS", condition: .when(platforms: [.linux]))],
                swiftSettings: kernels),
        // Reading weights: PyTorch zip / legacy, TorchScript, safetensors; the strict WeightLoader.
        .target(name: "Checkpoints", dependencies: ["Core"], swiftSettings: fast),
        // Layers bound to checkpoint keys: Conv2d, GroupNorm, Linear, LayerNorm, embeddings.
        .target(name: "Layers", dependencies: ["Core", "Checkpoints"], swiftSettings: kernels),
        // Token datasets: 1X v1.1 and v2.0 layouts, writers, shards, windows, vocabularies.
        .target(name: "TokenData", dependencies: ["Core"], swiftSettings: fast),
        // Video and images through FFmpeg and libpng; drawing and the comparison renderer.
        .target(name: "Media", dependencies: ["Core", "FFmpegShim"], swiftSettings: fast),

        // Models.
        .target(name: "MagvitCodec", dependencies: ["Core", "Checkpoints", "Layers", "TokenData"], swiftSettings: kernels),
        .target(name: "CosmosTokenizer", dependencies: ["Core", "Checkpoints", "Layers", "TokenData"], swiftSettings: kernels),
        .target(name: "Predictor", dependencies: ["Core", "Checkpoints", "Layers", "TokenData"], swiftSettings: kernels),

        // Work over any tokenizer (the `VideoTokenizer` protocol in TokenData), not a model:
        // videos and images -> token datasets (TokenizePipeline), frames streamed from files.
        .target(name: "Pipelines", dependencies: ["Core", "TokenData", "Media"], swiftSettings: fast),

        .executableTarget(
            name: "TokenTool",
            dependencies: ["Core", "Checkpoints", "TokenData", "Media", "MagvitCodec", "CosmosTokenizer", "Predictor", "Pipelines",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: fast
        ),
        // Tests: one target per module, fixtures beside the tests that read them (generators in tools/).
        .target(name: "TestSupport", dependencies: ["Core"], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["Core", "TestSupport"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Core", "Checkpoints", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenDataTests", dependencies: ["Core", "Checkpoints", "TokenData", "TestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Core", "Media", "TestSupport"]),
        .testTarget(name: "MagvitCodecTests", dependencies: ["Core", "Checkpoints", "Layers", "TokenData", "Media", "MagvitCodec", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CosmosTokenizerTests", dependencies: ["Core", "Checkpoints", "TokenData", "Media", "CosmosTokenizer", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelinesTests", dependencies: ["Core", "TokenData", "Media", "Pipelines", "TestSupport"]),
        .testTarget(name: "PredictorTests", dependencies: ["Core", "Checkpoints", "Layers", "TokenData", "Media", "Predictor", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenToolTests", dependencies: ["Core", "TokenData", "Media", "MagvitCodec", "TokenTool", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
