#if canImport(Accelerate)
import Accelerate
#elseif canImport(CBLAS)
import CBLAS
#endif

/// The BLAS library the kernels call, and its threading.
enum BLASThreads {
    /// Makes the BLAS run each call on the calling thread (see `Runtime.Applied`). Accelerate
    /// has no such switch; its single-precision GEMMs of the kernels' sizes run where called.
    static func useOneThread() {
        #if !canImport(Accelerate) && canImport(CBLAS)
        openblas_set_num_threads(1)
        #endif
    }

    /// The BLAS and the kernel set it chose at run time, e.g. "OpenBLAS Haswell", "Accelerate".
    static var name: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #elseif canImport(CBLAS)
        return "OpenBLAS " + (openblas_get_corename().map { String(cString: $0) } ?? "unknown")
        #else
        return "no BLAS"
        #endif
    }
}
