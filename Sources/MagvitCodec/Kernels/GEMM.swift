import CBLAS

/// The kernel layer's matrix product. Everything heavy in the models (convolutions,
/// linear layers, attention) comes down to this call, so a faster GEMM lands everywhere.
public enum Kernels {}

extension Kernels {
    /// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n], row-major.
    /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
    @inlinable
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
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
