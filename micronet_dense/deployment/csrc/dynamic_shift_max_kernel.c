/* Dynamic Shift-Max application in one pass (the inference form of MicroNet's activation).
 *
 * For every row r = b * channels + c of a (B, C, H, W) float tensor:
 *   y[b, c] = max_k (a_k[b, c] * x[b, index1[c]] + b_k[b, c] * x[b, index2[c]]),  k < fusions,
 * where coef is (B, 2 * fusions * C) ordered [a_1, b_1, a_2, b_2] (C values each). This is what
 * FusedDynamicShiftMax.forward computes with two channel gathers, four products, two sums and a
 * maximum; here each output plane reads its two input planes once. Plain C, no dependencies. */
#include <stdint.h>

#include "kernels.h"

void micronet_dynamic_shift_max_rows(const float *x, const float *coef, const int64_t *index1,
                                     const int64_t *index2, float *y, int64_t channels,
                                     int64_t plane, int64_t fusions, int64_t begin, int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / channels, c = row % channels;
    const float *sample = x + b * channels * plane;
    const float *x1 = sample + index1[c] * plane, *x2 = sample + index2[c] * plane;
    const float *k = coef + b * 2 * fusions * channels;
    micronet_shift_max_span(x1, x2, k, channels, c, fusions, y + row * plane, plane);
  }
}
