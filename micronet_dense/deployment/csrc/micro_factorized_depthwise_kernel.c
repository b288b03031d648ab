/* Micro-Factorized depthwise conv in one pass (the inference form of SpatialSeparableConv with
 * depthwise groups): a k×1 depthwise conv (stride s along rows) then a 1×k depthwise conv (stride s
 * along columns), both with bias, each with a channel multiplier:
 *   t[b, m]  = bias1[m] + sum_i w1[m, i] * x[b, m / mult1] shifted by i * dilation - padding rows,
 *   y[b, o]  = bias2[o] + sum_i w2[o, i] * t[b, o / mult2] shifted likewise along columns,
 * zero padded. t is computed a band of rows at a time into a buffer of the calling thread, so the
 * tensor between the two convs is never written out. Every element takes its k taps at once
 * (read k times from the cache, written once). With stride 1 the k×1 taps of the rows whose
 * window lies inside the image run as one loop over the band (MicroNet's maps are often only
 * 12-48 columns wide, too short for row-by-row loops); so do the 1×k taps with stride 1, after
 * which the columns within `padding` of either edge are redone column by column with only their
 * taps inside the row (with stride 2 they run row by row, the edge columns likewise redone).
 * Plain C, no dependencies. */
#include <stdint.h>
#include <string.h>

#include "kernels.h"

/* Elements of t per band: a few kB, so that a band stays in the L1/L2 cache. */
#define BAND_ELEMENTS 2048

static int64_t band_rows(const MicronetDepthwiseShape *s) {
  const int64_t rows = BAND_ELEMENTS / s->in_width;
  return rows < 1 ? 1 : rows;
}

/* Scratch: `padding` zeros, the band t, `padding` zeros. */
int64_t micronet_micro_factorized_depthwise_scratch(const MicronetDepthwiseShape *s) {
  return band_rows(s) * s->in_width + 2 * s->padding;
}

/* Stem scratch: the depthwise scratch, then a band for one input channel's share of t. */
int64_t micronet_micro_factorized_stem_scratch(const MicronetDepthwiseShape *s) {
  return micronet_micro_factorized_depthwise_scratch(s) + band_rows(s) * s->in_width;
}

/* The number of bands of output rows, each computed by one call of the stem's loop body. */
int64_t micronet_micro_factorized_stem_bands(const MicronetDepthwiseShape *s) {
  return (s->out_height + band_rows(s) - 1) / band_rows(s);
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* dst[q] = bias + sum_i weight[i] * src[q * stride + i * step] for q < n. */
static inline __attribute__((always_inline)) void taps(const float *restrict src, int64_t stride,
                                                       int64_t step, const float *restrict weight,
                                                       int64_t k, float bias, float *restrict dst,
                                                       int64_t n) {
  for (int64_t q = 0; q < n; ++q) {
    float sum = bias;
    for (int64_t i = 0; i < k; ++i) sum += weight[i] * src[q * stride + i * step];
    dst[q] = sum;
  }
}

/* taps() with MicroNet's kernel sizes and strides as constants, so that the compiler unrolls the
 * taps and vectorizes over q. */
static void all_taps(const float *restrict src, int64_t stride, int64_t step,
                     const float *restrict weight, int64_t k, float bias, float *restrict dst,
                     int64_t n) {
  if (stride == 1 && k == 3) {
    taps(src, 1, step, weight, 3, bias, dst, n);
  } else if (stride == 1 && k == 5) {
    taps(src, 1, step, weight, 5, bias, dst, n);
  } else if (stride == 2 && k == 3) {
    taps(src, 2, step, weight, 3, bias, dst, n);
  } else if (stride == 2 && k == 5) {
    taps(src, 2, step, weight, 5, bias, dst, n);
  } else {
    taps(src, stride, step, weight, k, bias, dst, n);
  }
}

/* Rows [r0, r1) of t from the input plane `in`, tap by tap (rows near the image's edges). */
static void column_taps_by_tap(const float *restrict in, const float *restrict weight, float bias,
                               float *restrict t, int64_t r0, int64_t r1,
                               const MicronetDepthwiseShape *s) {
  const int64_t width = s->in_width;
  for (int64_t q = 0; q < (r1 - r0) * width; ++q) t[q] = bias;
  for (int64_t i = 0; i < s->kernel; ++i) {
    /* Output row r reads input row r * stride + shift when it lies inside the image. */
    const int64_t shift = i * s->dilation - s->padding;
    const int64_t lo = max64(r0, (max64(-shift, 0) + s->stride - 1) / s->stride);
    const int64_t hi = min64(r1, s->in_height - shift <= 0 ? 0
                                 : (s->in_height - shift - 1) / s->stride + 1);
    const float tap = weight[i];
    for (int64_t r = lo; r < hi; ++r) {
      const float *restrict src = in + (r * s->stride + shift) * width;
      float *restrict dst = t + (r - r0) * width;
      for (int64_t w = 0; w < width; ++w) dst[w] += tap * src[w];
    }
  }
}

/* Rows [r0, r1) of t, (r1 - r0) × in_width, from the input plane `in`. */
static void column_taps(const float *restrict in, const float *restrict weight, float bias,
                        float *restrict t, int64_t r0, int64_t r1,
                        const MicronetDepthwiseShape *s) {
  const int64_t width = s->in_width, pad = s->padding, span = (s->kernel - 1) * s->dilation;
  /* Rows [a, b) read every tap inside the image. */
  const int64_t a = min64(r1, max64(r0, (pad + s->stride - 1) / s->stride));
  const int64_t b = max64(a, min64(r1, s->in_height + pad - span <= 0 ? 0
                                       : (s->in_height + pad - span - 1) / s->stride + 1));
  column_taps_by_tap(in, weight, bias, t, r0, a, s);
  if (s->stride == 1 && b > a) {
    all_taps(in + (a - pad) * width, 1, s->dilation * width, weight, s->kernel, bias,
             t + (a - r0) * width, (b - a) * width);
  } else {
    for (int64_t r = a; r < b; ++r) {
      all_taps(in + (r * s->stride - pad) * width, 1, s->dilation * width, weight, s->kernel,
               bias, t + (r - r0) * width, width);
    }
  }
  column_taps_by_tap(in, weight, bias, t + (b - r0) * width, b, r1, s);
}

/* The taps [lo, hi) of the 1×k conv whose input column, first + i * dilation - padding, lies inside
 * the row, for the output column whose first tap reads column first - padding. */
static void taps_inside(int64_t first, const MicronetDepthwiseShape *s, int64_t *lo, int64_t *hi) {
  const int64_t d = s->dilation, p = s->padding;
  *lo = first >= p ? 0 : (p - first + d - 1) / d;
  *hi = min64(s->kernel, (s->in_width - 1 - first + p) / d + 1);
}

/* Column c of each of the `rows` rows of out (row length `width`) from the same column of the band
 * t, with only the taps that fall inside the row (the columns near the edges; stride 1). */
static void edge_column(const float *restrict t, const float *restrict weight, float bias,
                        float *restrict out, int64_t c, int64_t rows,
                        const MicronetDepthwiseShape *s) {
  const int64_t d = s->dilation, p = s->padding, width = s->in_width;
  int64_t lo, hi;
  taps_inside(c, s, &lo, &hi);
  for (int64_t r = 0; r < rows; ++r) {
    const float *restrict src = t + r * width + c - p;
    float sum = bias;
    for (int64_t i = lo; i < hi; ++i) sum += weight[i] * src[i * d];
    out[r * width + c] = sum;
  }
}

/* Output column c of one row from its row of the band, with only the taps inside the row. */
static float edge_tap_sum(const float *restrict row, const float *restrict weight, float bias,
                          int64_t c, const MicronetDepthwiseShape *s) {
  const int64_t d = s->dilation, p = s->padding, first = c * s->stride;
  int64_t lo, hi;
  taps_inside(first, s, &lo, &hi);
  float sum = bias;
  for (int64_t i = lo; i < hi; ++i) sum += weight[i] * row[first + i * d - p];
  return sum;
}

/* Output rows [0, rows) of a band (`out` at its first row) from the band t of the same rows.
 * With stride 1 the taps run as one loop over the band, which reads across row ends (and into
 * the zeros around t), then the `padding` columns at either end of each row are redone with only
 * their taps inside the row (edge_column). With a larger stride each row runs over the columns
 * whose taps all lie inside it, then computes the others with only their taps inside
 * (edge_tap_sum); rows are read in place, never copied (a copy next to t can alias it in the
 * cache: 3.5x slower at 1024 columns). */
static void row_taps(const float *restrict t, const float *restrict weight, float bias,
                     float *restrict out, int64_t rows, const MicronetDepthwiseShape *s) {
  const int64_t width = s->in_width, pad = s->padding;
  if (s->stride == 1) {
    all_taps(t - pad, 1, s->dilation, weight, s->kernel, bias, out, rows * width);
    for (int64_t c = 0; c < min64(pad, width); ++c) {
      edge_column(t, weight, bias, out, c, rows, s);
      if (width - 1 - c >= pad) edge_column(t, weight, bias, out, width - 1 - c, rows, s);
    }
    return;
  }
  const int64_t stride = s->stride, out_width = s->out_width;
  const int64_t reach = width - 1 + pad - (s->kernel - 1) * s->dilation;
  const int64_t lo = min64((pad + stride - 1) / stride, out_width);
  const int64_t hi = max64(lo, min64(out_width, reach < 0 ? 0 : reach / stride + 1));
  for (int64_t r = 0; r < rows; ++r) {
    const float *restrict row = t + r * width;
    float *restrict dst = out + r * out_width;
    if (hi > lo) {
      all_taps(row + lo * stride - pad, stride, s->dilation, weight, s->kernel, bias, dst + lo,
               hi - lo);
    }
    for (int64_t c = 0; c < lo; ++c) dst[c] = edge_tap_sum(row, weight, bias, c, s);
    for (int64_t c = hi; c < out_width; ++c) dst[c] = edge_tap_sum(row, weight, bias, c, s);
  }
}

void micronet_micro_factorized_depthwise_rows(const float *x, const float *w1, const float *bias1,
                                              const float *w2, const float *bias2, float *y,
                                              const MicronetDepthwiseShape *s, float *scratch,
                                              int64_t begin, int64_t end) {
  const int64_t k = s->kernel, band = band_rows(s), in_plane = s->in_height * s->in_width;
  const int64_t out_plane = s->out_height * s->out_width, mult2 = s->mult2;
  float *t = scratch + s->padding;
  memset(scratch, 0, sizeof(float) * (size_t)s->padding);
  for (int64_t plane = begin; plane < end; ++plane) {
    const int64_t b = plane / s->mid_channels, m = plane % s->mid_channels;
    const float *in = x + (b * s->in_channels + m / s->mult1) * in_plane;
    float *out = y + (b * s->mid_channels + m) * mult2 * out_plane;
    for (int64_t r0 = 0; r0 < s->out_height; r0 += band) {
      const int64_t r1 = min64(r0 + band, s->out_height);
      column_taps(in, w1 + m * k, bias1[m], t, r0, r1, s);
      /* The zeros after the band's rows, which row_taps' loop over the band reads. */
      memset(t + (r1 - r0) * s->in_width, 0, sizeof(float) * (size_t)s->padding);
      for (int64_t j = 0; j < mult2; ++j) {
        const int64_t o = m * mult2 + j;
        row_taps(t, w2 + o * k, bias2[o], out + j * out_plane + r0 * s->out_width, r1 - r0, s);
      }
    }
  }
}

/* The stem: a k×1 conv over all in_channels (no groups) into each mid channel, a 1×k depthwise conv
 * with mult2 outputs per mid channel, written to the output planes `destination[o]` (the stem's
 * channel shuffle) and clamped to [0, 6] (ReLU6):
 *   t[b, m]  = bias1[m] + sum_c sum_i w1[m, c, i] * x[b, c] shifted by i * dilation - padding rows,
 *   y[b, destination[o]] = clamp(bias2[o] + sum_i w2[o, i] * t[b, o / mult2] shifted along
 *                          columns, 0, 6).
 * Rows are (sample, band of output rows): a band's input rows stay in the cache while every mid
 * channel reads them (planes as rows would read the whole input once per mid channel). */
void micronet_micro_factorized_stem_rows(const float *x, const float *w1, const float *bias1,
                                         const float *w2, const float *bias2,
                                         const int64_t *destination, float *y,
                                         const MicronetDepthwiseShape *s, float *scratch,
                                         int64_t begin, int64_t end) {
  const int64_t k = s->kernel, band = band_rows(s), bands = micronet_micro_factorized_stem_bands(s);
  const int64_t in_plane = s->in_height * s->in_width, out_plane = s->out_height * s->out_width;
  const int64_t channels = s->in_channels, mult2 = s->mult2, out_channels = s->mid_channels * mult2;
  float *t = scratch + s->padding, *share = t + band * s->in_width + s->padding;
  memset(scratch, 0, sizeof(float) * (size_t)s->padding);
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / bands, r0 = row % bands * band, r1 = min64(r0 + band, s->out_height);
    const int64_t count = (r1 - r0) * s->in_width, out_count = (r1 - r0) * s->out_width;
    const float *in = x + b * channels * in_plane;
    for (int64_t m = 0; m < s->mid_channels; ++m) {
      column_taps(in, w1 + m * channels * k, bias1[m], t, r0, r1, s);
      for (int64_t c = 1; c < channels; ++c) {
        column_taps(in + c * in_plane, w1 + (m * channels + c) * k, 0.0f, share, r0, r1, s);
        for (int64_t q = 0; q < count; ++q) t[q] += share[q];
      }
      memset(t + count, 0, sizeof(float) * (size_t)s->padding);
      for (int64_t j = 0; j < mult2; ++j) {
        const int64_t o = m * mult2 + j;
        float *out = y + (b * out_channels + destination[o]) * out_plane + r0 * s->out_width;
        row_taps(t, w2 + o * k, bias2[o], out, r1 - r0, s);
        for (int64_t q = 0; q < out_count; ++q) out[q] = out[q] < 0.0f ? 0.0f
                                                       : (out[q] > 6.0f ? 6.0f : out[q]);
      }
    }
  }
}
