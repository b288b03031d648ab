/* Bilinear resize of (planes, H, W) float images, as PyTorch's
 * F.interpolate(mode='bilinear', align_corners=False) computes it from the sizes: output pixel
 * (i, j) reads the source position ((i + 0.5) * H / OH - 0.5, (j + 0.5) * W / OW - 0.5), clamped at
 * 0, from its 2×2 neighbours (the right or lower one clamped to the last pixel). Each output row
 * first blends its two source rows into `blend`, then interpolates along it: one pass over the
 * output, no dependencies. */
#include <stdint.h>

#include "kernels.h"

/* Left source index and the weight of its right neighbour, at output index `i`. */
static void source(int64_t i, float scale, int64_t size, int64_t *index, float *weight) {
  float position = scale * ((float)i + 0.5f) - 0.5f;
  if (position < 0.0f) position = 0.0f;
  *index = (int64_t)position;
  if (*index > size - 1) *index = size - 1;
  *weight = position - (float)*index;
}

void micronet_resize_bilinear_columns(int64_t in_width, int64_t out_width, int64_t *left,
                                      float *right_weight) {
  const float scale = (float)in_width / (float)out_width;
  for (int64_t j = 0; j < out_width; ++j) source(j, scale, in_width, &left[j], &right_weight[j]);
}

void micronet_resize_bilinear_rows(const float *x, float *y, int64_t in_height, int64_t in_width,
                                   int64_t out_height, int64_t out_width, const int64_t *left,
                                   const float *right_weight, int64_t begin, int64_t end,
                                   float *blend) {
  const float scale = (float)in_height / (float)out_height;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t plane = row / out_height;
    int64_t top;
    float lower_weight;
    source(row % out_height, scale, in_height, &top, &lower_weight);
    const int64_t bottom = top + 1 < in_height ? top + 1 : in_height - 1;
    const float *restrict upper = x + (plane * in_height + top) * in_width;
    const float *restrict lower = x + (plane * in_height + bottom) * in_width;
    const float upper_weight = 1.0f - lower_weight;
    float *restrict b = blend;
    for (int64_t i = 0; i < in_width; ++i) {
      b[i] = upper_weight * upper[i] + lower_weight * lower[i];
    }
    float *restrict out = y + row * out_width;
    for (int64_t j = 0; j < out_width; ++j) {
      const int64_t l = left[j], r = l + 1 < in_width ? l + 1 : in_width - 1;
      const float w = right_weight[j];
      out[j] = (1.0f - w) * b[l] + w * b[r];
    }
  }
}
