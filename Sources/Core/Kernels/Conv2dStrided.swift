extension Kernels {
    // Strided convolution as a sum of stride-1 ones over the input's phases. With the input
    // zero-padded, output (oy, ox) reads padded pixel (s*oy + ky, s*ox + kx) for tap (ky, kx),
    // which is pixel (oy + ky/s, ox + kx/s) of the phase image that keeps every s-th row from
    // ky%s and every s-th column from kx%s. So each tap is a stride-1 shifted GEMM (as in
    // `conv2dShifted`) over one phase image: no im2col buffer, and the GEMMs are as wide as
    // a band of output rows. All phase images share one width, Wo + reach with
    // reach = (K-1)/s, so that every tap's B matrix has the same row stride; the output is
    // computed on that width (the last `reach` columns of each row junk) and the valid
    // columns copied out.
    //
    // Taps that read their phase images at the same offset share one GEMM when those images
    // sit next to each other in the scratch (B is then one strided block of taps x Cin rows,
    // A the matching columns of a reordered weight). At stride 2 the phases are stored in the
    // order (1,1), (0,1), (0,0), (1,0), which makes every offset's taps adjacent: a 3x3 kernel
    // takes 4 GEMMs, of depth 4, 2, 2 and 1 x Cin, instead of 9 of depth Cin (measured ~5-15%
    // faster than one GEMM per tap on a 256x256 input with 128 channels; no gain below 32x32
    // outputs, where reordering the weight costs about what the grouping saves).
    //
    // The phase images are made a band at a time too (the band's rows plus `reach` more), so
    // they are still in cache when the GEMMs read them and the scratch stays bounded.
    static func conv2dPolyphase(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) {
        let k = g.kernel, s = g.stride, cin = g.inChannels, cout = g.outChannels
        let ho = g.outHeight, wo = g.outWidth
        let reach = (k - 1) / s
        let wq = wo + reach
        let phaseCount = s * s
        // Both the output band and the band's phase images stay within the band budget, and
        // the bands are of even size (no short last band of a few rows).
        let budgetRows = max(1, min(convBandFloats / max(1, cout * wq),
                                    convBandFloats / max(1, phaseCount * cin * wq) - reach))
        let bands = (ho + budgetRows - 1) / budgetRows
        let bandRows = (ho + bands - 1) / bands
        let plane = (bandRows + reach) * wq
        // Grouping needs the weight reordered on every call (a pass over all of it), which
        // small images do not win back.
        let plan = PolyphasePlan(kernel: k, stride: s, groupingTaps: ho * wo >= 32 * 32)
        // The taps of multi-tap groups, in the plan's order: (Cout, taps x Cin). Single taps
        // read the weight as it is.
        let depth = k * k * cin
        let groupedTaps = plan.groups.filter { $0.taps.count > 1 }.flatMap(\.taps)
        let groupedDepth = groupedTaps.count * cin
        let grouped = UnsafeMutablePointer<Float>.allocate(capacity: cout * groupedDepth)
        defer { grouped.deallocate() }
        if groupedDepth > 0 {
            parallelFor(cout) { range in
                for o in range {
                    for (column, tap) in groupedTaps.enumerated() {
                        (grouped + o * groupedDepth + column * cin)
                            .initialize(from: w + o * depth + (tap.ky * k + tap.kx) * cin, count: cin)
                    }
                }
            }
        }
        // The junk columns of the last row of the last phase read up to `reach` floats past it.
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: phaseCount * cin * plane + reach)
        defer { phases.deallocate() }
        (phases + phaseCount * cin * plane).initialize(repeating: 0, count: reach)
        let band = UnsafeMutablePointer<Float>.allocate(capacity: cout * bandRows * wq)
        defer { band.deallocate() }
        var y0 = 0
        while y0 < ho {
            let rows = min(bandRows, ho - y0)
            let n = rows * wq
            let phaseRows = y0..<(y0 + rows + reach)
            if s == 2 {
                parallelFor(2 * cin) { range in
                    for index in range {
                        let a = index / cin, c = index % cin
                        fillStride2Phases(g, rowPhase: a, source: x + c * g.height * g.width,
                                          evenColumns: phases + (plan.slots[2 * a] * cin + c) * plane,
                                          oddColumns: phases + (plan.slots[2 * a + 1] * cin + c) * plane,
                                          rows: phaseRows, columns: wq)
                    }
                }
            } else {
                parallelFor(phaseCount * cin) { range in
                    for index in range {
                        let phase = index / cin, c = index % cin
                        fillPhasePlane(g, rowPhase: phase / s, columnPhase: phase % s,
                                       source: x + c * g.height * g.width,
                                       destination: phases + (plan.slots[phase] * cin + c) * plane,
                                       rows: phaseRows, columns: wq)
                    }
                }
            }
            var groupedColumn = 0
            for (index, group) in plan.groups.enumerated() {
                let a: UnsafePointer<Float>, lda: Int
                if group.taps.count > 1 {
                    a = UnsafePointer(grouped + groupedColumn * cin)
                    lda = groupedDepth
                    groupedColumn += group.taps.count
                } else {
                    a = w + (group.taps[0].ky * k + group.taps[0].kx) * cin
                    lda = depth
                }
                gemm(m: cout, n: n, k: group.taps.count * cin, a: a, lda: lda,
                     b: phases + group.firstSlot * cin * plane + group.dy * wq + group.dx, ldb: plane,
                     beta: index == 0 ? 0 : 1, c: band, ldc: n)
            }
            // The bias is added here rather than preset in the band: one pass over it less.
            parallelFor(cout) { range in
                for c in range {
                    let b = bias?[c] ?? 0
                    for r in 0..<rows {
                        let src = band + c * n + r * wq, dst = y + (c * ho + y0 + r) * wo
                        for j in 0..<wo { dst[j] = src[j] + b }
                    }
                }
            }
            y0 += rows
        }
    }

    // One channel's two stride-2 phase images with row phase `a`: each source row that lands
    // on them is split into its even and odd columns in one pass (SIMD deinterleave), and
    // everything else is zeroed. Source column ix goes to column phase (ix + p) % 2 at
    // column (ix + p) / 2, so evens and odds each land on one phase at a fixed offset.
    private static func fillStride2Phases(_ g: Conv2dGeometry, rowPhase a: Int, source: UnsafePointer<Float>,
                                          evenColumns: UnsafeMutablePointer<Float>,
                                          oddColumns: UnsafeMutablePointer<Float>,
                                          rows: Range<Int>, columns: Int) {
        let p = g.padding, width = g.width
        let destinations = (evenColumns, oddColumns)
        // Where the source's even and odd columns start, and how many of each fit.
        let evenPhaseOfEvens = p % 2 == 0
        let evenStart = min(columns, p / 2), oddStart = min(columns, (p + 1) / 2)
        let evenCount = min((width + 1) / 2, columns - evenStart), oddCount = min(width / 2, columns - oddStart)
        for i in rows {
            let dstE = (evenPhaseOfEvens ? destinations.0 : destinations.1) + (i - rows.lowerBound) * columns
            let dstO = (evenPhaseOfEvens ? destinations.1 : destinations.0) + (i - rows.lowerBound) * columns
            let iy = 2 * i + a - p
            guard iy >= 0 && iy < g.height else {
                dstE.initialize(repeating: 0, count: columns)
                dstO.initialize(repeating: 0, count: columns)
                continue
            }
            let src = source + iy * width
            dstE.initialize(repeating: 0, count: evenStart)
            dstO.initialize(repeating: 0, count: oddStart)
            let toE = dstE + evenStart, toO = dstO + oddStart
            var m = 0
            let vectorEnd = min(evenCount, oddCount, width / 2) - 7
            while m < vectorEnd {
                let v = UnsafeRawPointer(src + 2 * m).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(toE + m).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(toO + m).storeBytes(of: v.oddHalf, as: SIMD8<Float>.self)
                m += 8
            }
            for e in m..<evenCount { toE[e] = src[2 * e] }
            for o in m..<oddCount { toO[o] = src[2 * o + 1] }
            (toE + evenCount).initialize(repeating: 0, count: columns - evenStart - evenCount)
            (toO + oddCount).initialize(repeating: 0, count: columns - oddStart - oddCount)
        }
    }

    // Any stride: one channel's phase image, rows `rows` of it: destination (i, j) =
    // zero-padded source (s*i + a, s*j + b), with zeros wherever that falls outside the source.
    private static func fillPhasePlane(_ g: Conv2dGeometry, rowPhase a: Int, columnPhase b: Int,
                                       source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>,
                                       rows: Range<Int>, columns: Int) {
        let s = g.stride, p = g.padding, width = g.width
        // Columns j with 0 <= s*j + b - p < width.
        let j0 = min(columns, max(0, ceilingDivide(p - b, s)))
        let j1 = max(j0, min(columns, ceilingDivide(width + p - b, s)))
        for i in rows {
            let dst = destination + (i - rows.lowerBound) * columns
            let iy = s * i + a - p
            guard iy >= 0 && iy < g.height else {
                dst.initialize(repeating: 0, count: columns)
                continue
            }
            dst.initialize(repeating: 0, count: j0)
            let src = source + iy * width
            for j in j0..<j1 { dst[j] = src[s * j + b - p] }
            (dst + j1).initialize(repeating: 0, count: columns - j1)
        }
    }

    private static func ceilingDivide(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }
}

/// The order of a polyphase convolution's phase images in its scratch, and its GEMMs.
struct PolyphasePlan {
    struct Group {
        /// Kernel taps, in the order of the phase images they read.
        var taps: [(ky: Int, kx: Int)]
        /// Where the first tap's phase image sits; the others follow it.
        var firstSlot: Int
        /// Where in its phase image every tap of the group reads (rows, columns).
        var dy: Int, dx: Int
    }

    /// slots[phase] for phase = rowPhase * stride + columnPhase.
    var slots: [Int]
    var groups: [Group]

    /// Without `groupingTaps`, every tap is a group of its own.
    init(kernel k: Int, stride s: Int, groupingTaps: Bool = true) {
        // At stride 2, (1,1) (0,1) (0,0) (1,0): each offset's taps read all four phases, or
        // the two with row phase 0, or the two with column phase 0, or (0,0), always adjacent.
        slots = s == 2 ? [2, 1, 3, 0] : Array(0..<(s * s))
        groups = []
        for dy in 0...((k - 1) / s) {
            for dx in 0...((k - 1) / s) {
                var taps: [(ky: Int, kx: Int, slot: Int)] = []
                for a in 0..<s where dy * s + a < k {
                    for b in 0..<s where dx * s + b < k {
                        taps.append((dy * s + a, dx * s + b, slots[a * s + b]))
                    }
                }
                taps.sort { $0.slot < $1.slot }
                // Runs of adjacent slots, one GEMM each.
                var start = 0
                for end in 1...taps.count
                where end == taps.count || !groupingTaps || taps[end].slot != taps[end - 1].slot + 1 {
                    groups.append(Group(taps: taps[start..<end].map { ($0.ky, $0.kx) },
                                        firstSlot: taps[start].slot, dy: dy, dx: dx))
                    start = end
                }
            }
        }
    }
}
