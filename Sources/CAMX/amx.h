// Intel AMX for the kernel layer (Core/Kernels/BF16Linear+AMX.swift): what Swift cannot reach.
// The tile instructions exist only as compiler builtins whose tile-register operands must be
// constants, and Linux hands out the tile state only after an arch_prctl request (a varargs
// syscall). Everything else (packing, blocking, edges, threads) is Swift.
#ifndef TOKENTOOL_CAMX_H
#define TOKENTOOL_CAMX_H

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

/// C (32 x 32 float32, rows ldc_bytes apart) = (or += with accumulate) the sum over ksteps steps of
/// 32 depth values and 3 parts p of A_p * B, on 8 tiles: 4 accumulators, 2 A, 2 B.
/// A: two 16-row halves a0, a1; at step s, part p, a 16 x 32 bf16 block (rows 64 bytes apart)
/// at + (3 s + p) * 512. B: two 16-column halves b0, b1; at step s a block at + s * 512 whose
/// row r holds, for each of the 16 columns, the bf16 pair of depths 2r and 2r + 1 (the layout
/// TDPBF16PS reads).
__attribute__((target("amx-tile,amx-bf16")))
static inline void amx_product_32x32(const uint16_t *a0, const uint16_t *a1, const uint16_t *b0, const uint16_t *b1,
                                     long ksteps, float *c, long ldc_bytes, int accumulate) {
    struct { uint8_t palette, start_row, reserved[14]; uint16_t bytes_per_row[16]; uint8_t rows[16]; } config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) { config.bytes_per_row[t] = 64; config.rows[t] = 16; }
    _tile_loadconfig(&config);
    char *c0 = (char *)c, *c1 = c0 + 64, *c2 = c0 + 16 * ldc_bytes, *c3 = c2 + 64;
    if (accumulate) {
        _tile_loadd(0, c0, ldc_bytes); _tile_loadd(1, c1, ldc_bytes);
        _tile_loadd(2, c2, ldc_bytes); _tile_loadd(3, c3, ldc_bytes);
    } else {
        _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
    }
    for (long s = 0; s < ksteps; s++) {
        _tile_loadd(6, b0 + s * 512, 64);
        _tile_loadd(7, b1 + s * 512, 64);
        for (long p = 0; p < 3; p++) {
            _tile_loadd(4, a0 + (3 * s + p) * 512, 64);
            _tile_loadd(5, a1 + (3 * s + p) * 512, 64);
            _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
        }
    }
    _tile_stored(0, c0, ldc_bytes); _tile_stored(1, c1, ldc_bytes);
    _tile_stored(2, c2, ldc_bytes); _tile_stored(3, c3, ldc_bytes);
    _tile_release();
}
#endif

#endif
