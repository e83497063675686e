extension Kernels {
    /// `gemm`'s products with beta 0 or 1 on the AVX-512 path: op(A) scaled by alpha is packed
    /// into 6-row panels on the spot (m x k floats, 1/(2n) of the arithmetic) and the product
    /// runs through `gemmPackedBias` (which packs op(B) too).
    /// Why: the OpenBLAS this project links (0.3.21) does not know this machine's Xeon (family
    /// 6, model 0xCF) and falls back to its generic Prescott sgemm kernel (openblas_get_corename
    /// says so; OPENBLAS_CORETYPE would fix it, but the product must not depend on the
    /// environment). Returns false, doing nothing, where the product is not of that kind.
    static func gemmThroughPackedPanels(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                                        c: UnsafeMutablePointer<Float>, ldc: Int, path: GEMMPath) -> Bool {
        guard path.hasAVX512, beta == 0 || beta == 1, m >= 2 * PackedRowPanels.panelRows,
              n >= 2 * packedGEMMColumns, k >= 1 else { return false }
        let shape = PackedRowPanels(rows: m, depth: k)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: shape.floatCount)
        defer { packed.deallocate() }
        shape.pack(a, lda: lda, transposed: transA, scale: alpha, into: packed)
        gemmPackedBias(shape, a: packed, b: b, ldb: ldb, transB: transB, n: n, bias: nil, c: c, ldc: ldc,
                       accumulate: beta == 1, path: path)
        return true
    }
}
