/* Dynamic Shift-Max in the inference form of MicroNet's activation: the hyper-function of one
 * sample, and the fusions in one pass.
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
    float *out = y + row * plane;
    const float a1 = k[c], b1 = k[channels + c];
    if (fusions == 1) {
      for (int64_t i = 0; i < plane; ++i) out[i] = a1 * x1[i] + b1 * x2[i];
    } else {
      const float a2 = k[2 * channels + c], b2 = k[3 * channels + c];
      for (int64_t i = 0; i < plane; ++i) {
        const float first = a1 * x1[i] + b1 * x2[i], second = a2 * x1[i] + b2 * x2[i];
        out[i] = first >= second ? first : second;
      }
    }
  }
}

void micronet_plane_means_rows(const float *x, float *means, int64_t plane, int64_t begin,
                               int64_t end) {
  for (int64_t row = begin; row < end; ++row) {
    const float *p = x + row * plane;
    /* Eight independent partial sums (vectorised, and each adds an eighth of the plane). */
    float lanes[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= plane; i += 8) {
      for (int k = 0; k < 8; ++k) lanes[k] += p[i + k];
    }
    double sum = 0.0;
    for (; i < plane; ++i) sum += p[i];
    for (int k = 0; k < 8; ++k) sum += lanes[k];
    means[row] = (float)(sum / (double)plane);
  }
}

void micronet_shift_max_coefficients(const float *mean, const float *fc1_weight,
                                     const float *fc1_bias, const float *fc2_weight,
                                     const float *fc2_bias, const float *lower,
                                     const float *upper, int64_t channels, int64_t squeeze,
                                     int64_t outputs, float *hidden, float *coef) {
  for (int64_t s = 0; s < squeeze; ++s) {
    float v = fc1_bias[s];
    for (int64_t c = 0; c < channels; ++c) v += fc1_weight[s * channels + c] * mean[c];
    hidden[s] = v > 0.0f ? v : 0.0f;
  }
  for (int64_t o = 0; o < outputs; ++o) {
    float v = fc2_bias[o];
    for (int64_t s = 0; s < squeeze; ++s) v += fc2_weight[o * squeeze + s] * hidden[s];
    coef[o] = v < lower[o] ? lower[o] : v > upper[o] ? upper[o] : v;
  }
}
