import Foundation
import CPUIntrinsics
#if arch(x86_64)
import KernelsAVX512
#endif

// Linear layers whose weights stay bfloat16 (the Cosmos-Predict1 4B is 8 GB in bf16, 16 GB in
// float32: on a 24 GB machine the weights are memory-mapped and never widened as a whole).
//
// Y (m x n) = X (m x k, float32) * W^T, W (n x k, bf16, row-major as a checkpoint stores
// `nn.Linear.weight`). bf16 -> float32 is exact (the 16 bits become the high half), so the
// products equal those of a float32 model whose weights were upcast at load.
//
// Many rows (prefill, teacher-forced scoring): a register-blocked GEMM. W is widened inside the
// packing of a (kc x 16) column sliver, the same 6 x 16 register tile as `Kernels.gemmPacked`,
// and X is read in place six rows at a time. Measured on this machine (3072 x 4096 x 4096, one
// sitting, under load): 54-62 GFLOP per CPU-second, against 15-19 for widening blocks of 128
// weight rows to float32 and calling the BLAS sgemm on them. One row (a decode step): a GEMV that reads each
// weight once, threads split by output rows; it is bound by memory bandwidth, and bf16 halves
// the bytes a float32 GEMV reads.

extension Kernels {
    /// Depth of one packed sliver: 256 x 16 float32 = 16 KB, beside a 6 x 256 block of X in L1.
    static let bf16DepthBlock = 256
    /// Output columns one thread packs per depth block (256 x 256 float32 = 256 KB, in L2).
    static let bf16ColumnBlock = 256

    /// y (m x w.rows, row stride ldy) = x (m x w.columns, row stride ldx) * w^T, or with
    /// `accumulate` y += x * w^T. `path` picks the GEMM's micro-kernels (GEMMPath.swift).
    public static func linearBF16(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight w: BF16Matrix,
                                  into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool = false, path: GEMMPath = .best) {
        if m <= 2 {
            for r in 0..<m { gemvBF16(x + r * ldx, weight: w, into: y + r * ldy, accumulate: accumulate, path: path) }
        } else if path == .amx && m >= amxMinimumRows {
            gemmBF16AMX(x, rows: m, ldx: ldx, weight: w, into: y, ldy: ldy, accumulate: accumulate)
        } else {
            gemmBF16(x, rows: m, ldx: ldx, weight: w, into: y, ldy: ldy, accumulate: accumulate, path: path)
        }
    }

    /// The naive twin of `linearBF16`: widen one weight at a time, accumulate in Double.
    public static func linearBF16Reference(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight w: BF16Matrix,
                                           into y: UnsafeMutablePointer<Float>, ldy: Int) {
        for i in 0..<m {
            for j in 0..<w.rows {
                var sum = 0.0
                for d in 0..<w.columns {
                    sum += Double(x[i * ldx + d]) * Double(Float(bitPattern: UInt32(w.bits[j * w.rowStride + d]) << 16))
                }
                y[i * ldy + j] = Float(sum)
            }
        }
    }

    // MARK: GEMM (many rows)

    static func gemmBF16(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, weight w: BF16Matrix,
                         into y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool, path: GEMMPath) {
        let n = w.rows
        // Column blocks are the unit of work: each thread writes its own columns of Y.
        let perThread = (n + threadCount - 1) / threadCount
        let block = min(path.hasAVX512 ? bf16ColumnBlockAVX512 : bf16ColumnBlock, max(16, (perThread + 15) / 16 * 16))
        let blocks = (n + block - 1) / block
        // On the AVX-512 path X is packed once for every column block (each block read its rows
        // packed again: n / 512 times, 28 for a 14336-wide layer).
        let packedX = path.hasAVX512 && blocks > 1 ? packRowTilesAVX512(x, rows: m, ldx: ldx, depth: w.columns) : nil
        defer { packedX?.deallocate() }
        parallelFor(blocks) { range in
            let scratch = PackedBScratch(columns: block)
            for b in range {
                let n0 = b * block, nb = min(block, n - n0)
                let pack = { (depth: Range<Int>, packed: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> in
                    packSliversBF16(w, rows: n0..<(n0 + nb), depth: depth, into: packed)
                    return UnsafePointer(packed)
                }
                if let packedX {
                    gemmPackedBAVX512(m: m, n: nb, k: w.columns, a: x, lda: ldx, packedA: UnsafePointer(packedX), c: y + n0, ldc: ldy,
                                      scratch: scratch, accumulate: accumulate, pack: pack)
                } else {
                    gemmPackedB(m: m, n: nb, k: w.columns, a: x, lda: ldx, c: y + n0, ldc: ldy, scratch: scratch,
                                accumulate: accumulate, path: path, pack: pack)
                }
            }
        }
    }

    /// Buffers of one thread's `gemmPackedB` calls.
    final class PackedBScratch {
        let packed: UnsafeMutablePointer<Float>
        /// Columns of B one call can take (a multiple of 16).
        let columns: Int
        let edgeRows = UnsafeMutablePointer<Float>.allocate(capacity: 6 * bf16DepthBlock)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: 6 * 16)

        init(columns: Int) {
            self.columns = (columns + 15) / 16 * 16
            packed = .allocate(capacity: self.columns * bf16DepthBlock)
        }

        deinit { packed.deallocate(); edgeRows.deallocate(); tile.deallocate() }
    }

    /// C (m x n, row stride ldc) = A (m x k, row stride lda) * B on the calling thread, where
    /// `pack(depthRange, packed)` returns B's rows `depthRange` (at most 256) as 16-column slivers
    /// (sliver s at + s * 16 * 256, element [d][j] at d * 16 + j, zero past column n): usually
    /// `packed`, the scratch it wrote them into, or a copy packed ahead of time.
    /// Depth blocks of 256; rows in panels of 6 (the last padded through a zeroed copy).
    /// `accumulate`: C += A * B.
    @inline(__always)
    static func gemmPackedB(m: Int, n: Int, k: Int, a x: UnsafePointer<Float>, lda ldx: Int,
                            c y: UnsafeMutablePointer<Float>, ldc ldy: Int, scratch: PackedBScratch, accumulate addsToC: Bool = false,
                            path: GEMMPath = .best, pack: (Range<Int>, UnsafeMutablePointer<Float>) -> UnsafePointer<Float>) {
        if path.hasAVX512 {
            return gemmPackedBAVX512(m: m, n: n, k: k, a: x, lda: ldx, c: y, ldc: ldy, scratch: scratch, accumulate: addsToC,
                                     pack: pack)
        }
        let kc = bf16DepthBlock, slivers = (n + 15) / 16
        let (edgeRows, tile) = (scratch.edgeRows, scratch.tile)
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            let packed = pack(k0..<(k0 + depth), scratch.packed)
            let accumulate = k0 > 0 || addsToC
            var i0 = 0
            while i0 < m {
                let panelRows = min(6, m - i0)
                var a = x + i0 * ldx + k0, lda = ldx
                if panelRows < 6 {
                    edgeRows.initialize(repeating: 0, count: 6 * kc)
                    for r in 0..<panelRows { (edgeRows + r * kc).update(from: x + (i0 + r) * ldx + k0, count: depth) }
                    a = UnsafePointer(edgeRows)
                    lda = kc
                }
                for s in 0..<slivers {
                    let columns = min(16, n - 16 * s)
                    let c = y + i0 * ldy + 16 * s
                    let bp = packed + s * 16 * kc
                    if panelRows == 6 && columns == 16 {
                        microKernelBF16(depth: depth, a: a, lda: lda, b: bp, c: c, ldc: ldy, accumulate: accumulate)
                    } else {
                        tile.initialize(repeating: 0, count: 96)
                        if accumulate {
                            for r in 0..<panelRows { for j in 0..<columns { tile[r * 16 + j] = c[r * ldy + j] } }
                        }
                        microKernelBF16(depth: depth, a: a, lda: lda, b: bp, c: tile, ldc: 16, accumulate: true)
                        for r in 0..<panelRows { for j in 0..<columns { c[r * ldy + j] = tile[r * 16 + j] } }
                    }
                }
                i0 += 6
            }
            k0 += depth
        }
    }

    /// Sliver s of `packed` holds, for each depth index d, the 16 weights W[rows.lower + 16s + j][d]
    /// (j = 0..<16) widened to float32, zero past the last row. Sliver stride: 16 x 256 floats.
    @inline(__always)
    static func packSliversBF16(_ w: BF16Matrix, rows: Range<Int>, depth: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
        let slivers = (rows.count + 15) / 16
        for s in 0..<slivers {
            let sliver = packed + s * 16 * bf16DepthBlock
            for j in 0..<16 {
                let row = rows.lowerBound + 16 * s + j
                if row < rows.upperBound {
                    let source = w.bits + row * w.rowStride + depth.lowerBound
                    var d = 0
                    while d + 8 <= depth.count {
                        let wide = widenBF16(source + d)
                        for l in 0..<8 { sliver[(d + l) * 16 + j] = wide[l] }
                        d += 8
                    }
                    while d < depth.count { sliver[d * 16 + j] = Float(bitPattern: UInt32(source[d]) << 16); d += 1 }
                } else {
                    for d in 0..<depth.count { sliver[d * 16 + j] = 0 }
                }
            }
        }
    }

    @inline(__always)
    static func widenBF16(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        let raw = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)
        return unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: raw) &<< 16, to: SIMD8<Float>.self)
    }

    // C[0..<6][0..<16] (+)= sum over d of a[i * lda + d] * b[d * 16 + j]: twelve 8-lane accumulators
    // in registers, every multiply-add one FMA (as `microKernel6x16`, with A read in place).
    @inline(never)
    static func microKernelBF16(depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        typealias Lanes = SIMD8<Float>
        var c00 = Lanes(), c01 = Lanes(), c10 = Lanes(), c11 = Lanes(), c20 = Lanes(), c21 = Lanes()
        var c30 = Lanes(), c31 = Lanes(), c40 = Lanes(), c41 = Lanes(), c50 = Lanes(), c51 = Lanes()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = UnsafeRawPointer(b)
        for d in 0..<depth {
            let b0 = bp.load(as: Lanes.self)
            let b1 = bp.load(fromByteOffset: 32, as: Lanes.self)
            var x = Lanes(repeating: a0[d]); c00.addProduct(x, b0); c01.addProduct(x, b1)
            x = Lanes(repeating: a1[d]); c10.addProduct(x, b0); c11.addProduct(x, b1)
            x = Lanes(repeating: a2[d]); c20.addProduct(x, b0); c21.addProduct(x, b1)
            x = Lanes(repeating: a3[d]); c30.addProduct(x, b0); c31.addProduct(x, b1)
            x = Lanes(repeating: a4[d]); c40.addProduct(x, b0); c41.addProduct(x, b1)
            x = Lanes(repeating: a5[d]); c50.addProduct(x, b0); c51.addProduct(x, b1)
            bp += 64
        }
        let out = UnsafeMutableRawPointer(c), row = ldc * MemoryLayout<Float>.stride
        @inline(__always) func put(_ v: Lanes, _ offset: Int) {
            if accumulate {
                out.storeBytes(of: out.loadUnaligned(fromByteOffset: offset, as: Lanes.self) + v, toByteOffset: offset, as: Lanes.self)
            } else {
                out.storeBytes(of: v, toByteOffset: offset, as: Lanes.self)
            }
        }
        put(c00, 0); put(c01, 32)
        put(c10, row); put(c11, row + 32)
        put(c20, 2 * row); put(c21, 2 * row + 32)
        put(c30, 3 * row); put(c31, 3 * row + 32)
        put(c40, 4 * row); put(c41, 4 * row + 32)
        put(c50, 5 * row); put(c51, 5 * row + 32)
    }

    // MARK: GEMV (one row)

    /// y (w.rows) = w x (w.columns), or y += w x with `accumulate`: each weight read once, eight
    /// rows at a time so that each load of x serves eight rows and eight streams of weights are
    /// in flight (a decode step is bound by memory bandwidth; four streams reached ~0.7 of the
    /// bytes per second PyTorch's float32 GEMV reads); threads take contiguous blocks of rows.
    /// Each stream is also prefetched 1 KB ahead (the hardware prefetcher alone left ~5-10% of
    /// a decode step on the table, alternating runs of `bench --only cosmos-ar`).
    static func gemvBF16(_ x: UnsafePointer<Float>, weight w: BF16Matrix, into y: UnsafeMutablePointer<Float>, accumulate: Bool = false,
                         path: GEMMPath = .best) {
        #if arch(x86_64)
        if path.hasAVX512 { return gemvBF16AVX512(x, weight: w, into: y, accumulate: accumulate) }
        #endif
        let n = w.rows, k = w.columns, stride = w.rowStride
        let rowsPerGroup = 8
        let groups = (n + rowsPerGroup - 1) / rowsPerGroup
        @inline(__always) func finish(_ r: Int, _ t: Float) { y[r] = accumulate ? y[r] + t : t }
        // ~64 KB of weights per thread at least, or waking threads costs more than it saves.
        parallelFor(groups, minimumPerThread: max(1, 4096 / max(1, k))) { range in
            for g in range {
                let r0 = rowsPerGroup * g
                if r0 + rowsPerGroup <= n {
                    let p0 = w.bits + r0 * stride, p1 = p0 + stride, p2 = p1 + stride, p3 = p2 + stride
                    let p4 = p3 + stride, p5 = p4 + stride, p6 = p5 + stride, p7 = p6 + stride
                    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                    var s4 = SIMD8<Float>(), s5 = SIMD8<Float>(), s6 = SIMD8<Float>(), s7 = SIMD8<Float>()
                    var d = 0
                    while d + 8 <= k {
                        if d & 31 == 0 {
                            cpu_prefetch(p0 + d + 512); cpu_prefetch(p1 + d + 512); cpu_prefetch(p2 + d + 512); cpu_prefetch(p3 + d + 512)
                            cpu_prefetch(p4 + d + 512); cpu_prefetch(p5 + d + 512); cpu_prefetch(p6 + d + 512); cpu_prefetch(p7 + d + 512)
                        }
                        let v = UnsafeRawPointer(x + d).loadUnaligned(as: SIMD8<Float>.self)
                        s0.addProduct(widenBF16(p0 + d), v); s1.addProduct(widenBF16(p1 + d), v)
                        s2.addProduct(widenBF16(p2 + d), v); s3.addProduct(widenBF16(p3 + d), v)
                        s4.addProduct(widenBF16(p4 + d), v); s5.addProduct(widenBF16(p5 + d), v)
                        s6.addProduct(widenBF16(p6 + d), v); s7.addProduct(widenBF16(p7 + d), v)
                        d += 8
                    }
                    // Depths past the last whole 8 (none for the model's widths).
                    @inline(__always) func tail(_ p: UnsafePointer<UInt16>) -> Float { dotBF16(p, x, depths: d..<k) }
                    finish(r0, s0.sum() + tail(p0)); finish(r0 + 1, s1.sum() + tail(p1))
                    finish(r0 + 2, s2.sum() + tail(p2)); finish(r0 + 3, s3.sum() + tail(p3))
                    finish(r0 + 4, s4.sum() + tail(p4)); finish(r0 + 5, s5.sum() + tail(p5))
                    finish(r0 + 6, s6.sum() + tail(p6)); finish(r0 + 7, s7.sum() + tail(p7))
                } else {
                    for r in r0..<n {
                        let p = w.bits + r * stride
                        var s = SIMD8<Float>(), d = 0
                        while d + 8 <= k {
                            s.addProduct(widenBF16(p + d), UnsafeRawPointer(x + d).loadUnaligned(as: SIMD8<Float>.self))
                            d += 8
                        }
                        var t = s.sum()
                        while d < k { t += Float(bitPattern: UInt32(p[d]) << 16) * x[d]; d += 1 }
                        finish(r, t)
                    }
                }
            }
        }
    }

    /// sum over d in `depths` of w[d] x[d], w bf16, one term at a time in order: the GEMVs' tails
    /// past their vector blocks.
    @inline(__always)
    static func dotBF16(_ w: UnsafePointer<UInt16>, _ x: UnsafePointer<Float>, depths: Range<Int>) -> Float {
        var t: Float = 0
        for d in depths { t += Float(bitPattern: UInt32(w[d]) << 16) * x[d] }
        return t
    }

    #if arch(x86_64)
    /// `gemvBF16` on the AVX-512 path: whole groups of 8 rows over whole blocks of 32 depths in
    /// `AVX512BF16GEMV.rows8`, x split once into its even and odd depths; the rest one by one.
    static func gemvBF16AVX512(_ x: UnsafePointer<Float>, weight w: BF16Matrix, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let n = w.rows, k = w.columns, stride = w.rowStride, blocks = k / 32, groups = n / 8
        var even = [Float](repeating: 0, count: 16 * blocks), odd = even
        for i in 0..<(16 * blocks) { even[i] = x[2 * i]; odd[i] = x[2 * i + 1] }
        @inline(__always) func finish(_ r: Int, _ t: Float) { y[r] = accumulate ? y[r] + t : t }
        @inline(__always) func dot(_ r: Int, from d0: Int) -> Float { dotBF16(w.bits + r * stride, x, depths: d0..<k) }
        even.withUnsafeBufferPointer { even in
            odd.withUnsafeBufferPointer { odd in
                // ~64 KB of weights per thread at least, or waking threads costs more than it saves.
                parallelFor(groups + 1, minimumPerThread: max(1, 4096 / max(1, k))) { range in
                    var sums = SIMD8<Float>()
                    for g in range {
                        guard g < groups else {
                            for r in (8 * groups)..<n { finish(r, dot(r, from: 0)) }
                            continue
                        }
                        withUnsafeMutableBytes(of: &sums) {
                            AVX512BF16GEMV.rows8(w.bits + 8 * g * stride, stride: stride, blocks: blocks, xEven: even.baseAddress!,
                                                 xOdd: odd.baseAddress!, sums: $0.baseAddress!.assumingMemoryBound(to: Float.self))
                        }
                        for j in 0..<8 { finish(8 * g + j, sums[j] + dot(8 * g + j, from: 32 * blocks)) }
                    }
                }
            }
        }
    }
    #endif
}
