// CPU instructions the kernel layer needs and Swift cannot reach: they exist only as compiler
// builtins. A software prefetch (the bf16 GEMV, BF16Linear.swift), and Intel AMX
// (BF16Linear+AMX.swift), whose tile-register operands must be constants and whose state Linux
// hands out only after an arch_prctl request (a varargs syscall). Everything else (packing,
// blocking, edges, threads) is Swift.
#ifndef TOKENTOOL_CPU_INTRINSICS_H
#define TOKENTOOL_CPU_INTRINSICS_H

/// Asks the CPU to bring the cache line at p towards L1 (a hint: never faults).
static inline void cpu_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#if defined(__x86_64__) && defined(__linux__)
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <immintrin.h>

/// Asks Linux for the AMX tile data state (ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) for the
/// whole process. 0 on success; -1 where the kernel or the CPU refuses.
static inline int amx_request_permission(void) {
    return (int)syscall(SYS_arch_prctl, 0x1023, 18);
}

/// Gives the calling thread 8 tiles of 16 rows x 64 bytes, as `amx_product_32x32` uses them.
/// Loading a tile configuration waits for every tile instruction before it, so a thread does it
/// once per run of products, not per product; `amx_release_tiles` hands the state back.
__attribute__((target("amx-tile")))
static inline void amx_configure_tiles(void) {
    struct { uint8_t palette, start_row, reserved[14]; uint16_t bytes_per_row[16]; uint8_t rows[16]; } config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) { config.bytes_per_row[t] = 64; config.rows[t] = 16; }
    _tile_loadconfig(&config);
}

__attribute__((target("amx-tile")))
static inline void amx_release_tiles(void) { _tile_release(); }

/// Tiles 0-3 as the 32 x 32 float32 block at c (rows ldc_bytes apart): tile 0 rows 0-15,
/// columns 0-15; 1 rows 0-15, columns 16-31; 2 and 3 rows 16-31. Zero unless accumulate.
__attribute__((target("amx-tile")))
static inline void amx_load_accumulators(float *c, long ldc_bytes, int accumulate) {
    char *c0 = (char *)c, *c2 = c0 + 16 * ldc_bytes;
    if (accumulate) {
        _tile_loadd(0, c0, ldc_bytes); _tile_loadd(1, c0 + 64, ldc_bytes);
        _tile_loadd(2, c2, ldc_bytes); _tile_loadd(3, c2 + 64, ldc_bytes);
    } else {
        _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
    }
}

__attribute__((target("amx-tile")))
static inline void amx_store_accumulators(float *c, long ldc_bytes) {
    char *c0 = (char *)c, *c2 = c0 + 16 * ldc_bytes;
    _tile_stored(0, c0, ldc_bytes); _tile_stored(1, c0 + 64, ldc_bytes);
    _tile_stored(2, c2, ldc_bytes); _tile_stored(3, c2 + 64, ldc_bytes);
}

/// C (32 x 32 float32, rows ldc_bytes apart) = (or += with accumulate) the sum over ksteps steps of
/// 32 depth values and 3 parts p of A_p * B (A split in parts: float32 activations times bf16
/// weights, `Kernels.gemmBF16AMX`), on the 8 tiles of `amx_configure_tiles`: 4
/// accumulators, 2 A, 2 B. A: two 16-row halves a0, a1; at step s, part p, a 16 x 32 bf16 block
/// (rows 64 bytes apart) at + (3 s + p) * 512. B: two 16-column halves b0, b1; at step s a block
/// at + s * 512 whose row r holds, for each of the 16 columns, the bf16 pair of depths 2r and
/// 2r + 1 (the layout TDPBF16PS reads). Each load comes just before the first product that
/// reads it, so that it overlaps the products before (tiles are not renamed).
__attribute__((target("amx-tile,amx-bf16")))
static inline void amx_product_32x32_split_a(const uint16_t *a0, const uint16_t *a1, const uint16_t *b0, const uint16_t *b1,
                                     long ksteps, float *c, long ldc_bytes, int accumulate) {
    amx_load_accumulators(c, ldc_bytes, accumulate);
    for (long s = 0; s < ksteps; s++) {
        const uint16_t *a0s = a0 + 3 * s * 512, *a1s = a1 + 3 * s * 512;
        _tile_loadd(6, b0 + s * 512, 64);
        _tile_loadd(4, a0s, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_loadd(7, b1 + s * 512, 64);
        _tile_dpbf16ps(1, 4, 7);
        _tile_loadd(5, a1s, 64);
        _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
        for (long p = 1; p < 3; p++) {
            _tile_loadd(4, a0s + p * 512, 64);
            _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7);
            _tile_loadd(5, a1s + p * 512, 64);
            _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
        }
    }
    amx_store_accumulators(c, ldc_bytes);
}

/// As `amx_product_32x32_split_a` with the parts on the B side (bf16 weights times float32
/// activations, `Kernels.gemmPackedBlocksAMX`): A at step s a block at + s * 512; B at step s,
/// part p, a block at + (3 s + p) * 512.
__attribute__((target("amx-tile,amx-bf16")))
static inline void amx_product_32x32_split_b(const uint16_t *a0, const uint16_t *a1, const uint16_t *b0, const uint16_t *b1,
                                             long ksteps, float *c, long ldc_bytes, int accumulate) {
    amx_load_accumulators(c, ldc_bytes, accumulate);
    for (long s = 0; s < ksteps; s++) {
        const uint16_t *b0s = b0 + 3 * s * 512, *b1s = b1 + 3 * s * 512;
        _tile_loadd(4, a0 + s * 512, 64);
        _tile_loadd(6, b0s, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_loadd(5, a1 + s * 512, 64);
        _tile_dpbf16ps(2, 5, 6);
        _tile_loadd(7, b1s, 64);
        _tile_dpbf16ps(1, 4, 7); _tile_dpbf16ps(3, 5, 7);
        for (long p = 1; p < 3; p++) {
            _tile_loadd(6, b0s + p * 512, 64);
            _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(2, 5, 6);
            _tile_loadd(7, b1s + p * 512, 64);
            _tile_dpbf16ps(1, 4, 7); _tile_dpbf16ps(3, 5, 7);
        }
    }
    amx_store_accumulators(c, ldc_bytes);
}
#endif

#endif
