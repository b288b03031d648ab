/* Bilinear resize of (planes, H, W) float images, as PyTorch's
 * F.interpolate(mode='bilinear', align_corners=False) computes it from the sizes: output pixel
 * (i, j) reads the source position ((i + 0.5) * H / OH - 0.5, (j + 0.5) * W / OW - 0.5), clamped at
 * 0, from its 2×2 neighbours (the right or lower one clamped to the last pixel). Source rows are
 * interpolated along the row first, each once per run of output rows that reads it (an upsampling
 * reads each source row for several output rows), into two row buffers; each output row is then a
 * blend of two of them: one pass over the output, no dependencies. */
#include <stdint.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

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

/* Source row `row` (of all planes' rows) interpolated along the row into `out`. */
static void interpolate_row(const float *restrict x, int64_t row, int64_t in_width,
                            int64_t out_width, const int64_t *restrict left,
                            const float *restrict right_weight, float *restrict out) {
  const float *restrict src = x + row * in_width;
  for (int64_t j = 0; j < out_width; ++j) {
    const int64_t l = left[j], r = l + 1 < in_width ? l + 1 : in_width - 1;
    const float w = right_weight[j];
    out[j] = (1.0f - w) * src[l] + w * src[r];
  }
}

/* The buffer holding source row `row` interpolated, computed into the buffer not holding `keep`
 * when neither holds it. */
static const float *interpolated(const float *x, int64_t row, int64_t keep, int64_t in_width,
                                 int64_t out_width, const int64_t *left, const float *right_weight,
                                 float *buffers, int64_t held[2]) {
  for (int slot = 0; slot < 2; ++slot) {
    if (held[slot] == row) return buffers + slot * out_width;
  }
  const int slot = held[0] == keep ? 1 : 0;
  interpolate_row(x, row, in_width, out_width, left, right_weight, buffers + slot * out_width);
  held[slot] = row;
  return buffers + slot * out_width;
}

/* out[j] = a * upper[j] + b * lower[j] for j < n; with `stream` (and AVX, and `out` 32-byte
 * aligned) through non-temporal stores, which write around the cache instead of first reading
 * every line of `out` into it. */
static void blend(const float *restrict upper, const float *restrict lower, float a, float b,
                  float *restrict out, int64_t n, int stream) {
  int64_t j = 0;
#if defined(__AVX__)
  if (stream && ((uintptr_t)out & 31) == 0) {
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    for (; j + 8 <= n; j += 8) {
      _mm256_stream_ps(out + j, _mm256_add_ps(_mm256_mul_ps(va, _mm256_loadu_ps(upper + j)),
                                              _mm256_mul_ps(vb, _mm256_loadu_ps(lower + j))));
    }
  }
#else
  (void)stream;
#endif
  for (; j < n; ++j) out[j] = a * upper[j] + b * lower[j];
}

void micronet_resize_bilinear_rows(const float *x, float *y, int64_t in_height, int64_t in_width,
                                   int64_t out_height, int64_t out_width, const int64_t *left,
                                   const float *right_weight, int64_t begin, int64_t end,
                                   float *buffers, int stream) {
  const float scale = (float)in_height / (float)out_height;
  int64_t held[2] = {-1, -1};
  int64_t plane = begin / out_height, i = begin % out_height;
  for (int64_t row = begin; row < end; ++row) {
    int64_t top;
    float lower_weight;
    source(i, scale, in_height, &top, &lower_weight);
    const int64_t upper_row = plane * in_height + top;
    const int64_t lower_row = plane * in_height + (top + 1 < in_height ? top + 1 : in_height - 1);
    const float *restrict upper = interpolated(x, upper_row, lower_row, in_width, out_width, left,
                                               right_weight, buffers, held);
    const float *restrict lower = interpolated(x, lower_row, upper_row, in_width, out_width, left,
                                               right_weight, buffers, held);
    blend(upper, lower, 1.0f - lower_weight, lower_weight, y + row * out_width, out_width, stream);
    if (++i == out_height) {
      i = 0;
      ++plane;
    }
  }
#if defined(__AVX__)
  if (stream) _mm_sfence(); /* the streamed stores are visible before the caller goes on */
#endif
}
