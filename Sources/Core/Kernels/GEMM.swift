// BLAS: Accelerate where it exists (macOS), OpenBLAS's CBLAS elsewhere (Package.swift).
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The kernel layer's matrix product. Everything heavy in the models (convolutions,
/// linear layers, attention) comes down to this call, so a faster GEMM lands everywhere.
public enum Kernels {}

extension Kernels {
    /// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], row-major.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    ///
    /// Big products are split over the cores along C's longer side (column blocks when C is
    /// wider than tall, else row blocks), so each part keeps the wider of its two dimensions;
    /// each part is a single-threaded BLAS call. Inside a `parallelFor` it runs on the calling
    /// thread.
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, path: GEMMPath = .best
    ) {
        if gemmThroughPackedPanels(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, path: path) {
            return
        }
        // Below ~4 MFLOP a thread's wake-up costs more than its share of the work.
        let parts = ParallelRegion.isInside ? 1 : min(threadCount, (2 * m * n * k) >> 22)
        guard parts > 1 else {
            return gemmOnThisThread(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                    a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        if n > m {
            // Column blocks, multiples of 16 so every block keeps whole SIMD panels.
            let blocks = (n + 15) / 16
            parallelFor(parts) { range in
                for part in range {
                    let j0 = 16 * (blocks * part / parts), j1 = min(n, 16 * (blocks * (part + 1) / parts))
                    guard j1 > j0 else { continue }
                    gemmOnThisThread(transA: transA, transB: transB, m: m, n: j1 - j0, k: k, alpha: alpha,
                                     a: a, lda: lda, b: transB ? b + j0 * ldb : b + j0, ldb: ldb,
                                     beta: beta, c: c + j0, ldc: ldc)
                }
            }
        } else {
            parallelFor(parts) { range in
                for part in range {
                    let i0 = m * part / parts, i1 = m * (part + 1) / parts
                    guard i1 > i0 else { continue }
                    gemmOnThisThread(transA: transA, transB: transB, m: i1 - i0, n: n, k: k, alpha: alpha,
                                     a: transA ? a + i0 : a + i0 * lda, lda: lda, b: b, ldb: ldb,
                                     beta: beta, c: c + i0 * ldc, ldc: ldc)
                }
            }
        }
    }

    @inline(__always)
    static func gemmOnThisThread(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans,
            transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// The naive twin of `gemm`, kept to check it against.
    public static func gemmReference(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * Float(sum) + prior
            }
        }
    }
}
