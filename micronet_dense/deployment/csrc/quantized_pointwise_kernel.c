/* int8 1×1 (group) convolution with float32 input and output.
 *
 * For x (B, C, H, W) float32, groups G, Kg = C / G input channels and Mg = O / G output channels
 * per group:
 *   q = clamp(round_half_even(x / x_scale) + zero_point, 0, 255)          (uint8, QuantizeLinear)
 *   y[b, o] = scale[o] * sum_k weight[g, o % Mg, k] * (q[b, g * Kg + k] - zero_point) + bias[o]
 * with o in group g = o / Mg. It computes what onnxruntime's QuantizeLinear, QLinearConv and
 * DequantizeLinear compute together, without rounding the output to uint8.
 *
 * With a Dynamic Shift-Max (MicronetShiftMax), x is replaced by its Dynamic Shift-Max, computed
 * run by run as it is quantized: the float32 tensor between the two is never written.
 *
 * Each row (sample, run of up to 1024 pixels, group) first quantizes its run of x into scratch,
 * in blocks of 4 channels: one 32-bit word per pixel holds the 4 channels' bytes (a missing
 * channel of the last block is the zero point). It then multiplies each word by 4 weight bytes at
 * once (AVX-512 VNNI: 16 pixels × 4 channels per instruction; plain C elsewhere), 64 pixels at a
 * time, into int32 sums for every output channel of the group. x is read once, as a float32 conv
 * reads it. The weights come padded to whole blocks: weight (G, Mg4, Kg4) int8, Mg4 and Kg4
 * rounded up to multiples of 4, zero where there is no channel. */
#include <stdint.h>
#include <string.h>
#include <math.h>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "kernels.h"

/* Output channels and pixels of one block of sums kept in registers. */
#define OUT_BLOCK 4
#define PIXEL_BLOCK 64
/* Pixels of one row: each input plane is read in runs of this many pixels (4 KB), which the
 * CPU's prefetchers follow; runs of one block (256 bytes) from each of a group's many planes
 * left the conv waiting on memory. */
#define ROW_PIXELS 1024

int64_t micronet_quantized_pointwise_blocks(const MicronetPointwiseShape *s) {
  return (s->plane + ROW_PIXELS - 1) / ROW_PIXELS;
}

static int64_t quads(const MicronetPointwiseShape *s) {
  return (s->channels / s->groups + 3) / 4;
}

static int64_t padded_out(const MicronetPointwiseShape *s) {
  return (s->out_channels / s->groups + OUT_BLOCK - 1) / OUT_BLOCK * OUT_BLOCK;
}

/* q of one value, as an int32 in [0, 255]. */
static int32_t quantize(float x, float x_scale, float low, float high, int32_t zero_point) {
  float t = x / x_scale;
  t = t < low ? low : t > high ? high : t; /* clamping before rounding to integers is after it */
  return (int32_t)nearbyintf(t) + zero_point;
}

/* Quantizes pixels p0 .. p0 + n - 1 (n <= ROW_PIXELS) of channels c0 .. c0 + channels - 1 of
 * `sample` (one sample of x, `total` planes), or of their Dynamic Shift-Max (`shift_max` not NULL;
 * `coef`: the sample's coefficients), into `packed`: kq rows of ROW_PIXELS words. */
static void quantize_block(const float *sample, const MicronetShiftMax *shift_max,
                           const float *coef, int64_t total, int64_t c0, int64_t channels,
                           int64_t kq, int64_t plane, int64_t p0, int64_t n, float x_scale,
                           int32_t zero_point, uint32_t *packed) {
  const float low = (float)-zero_point, high = (float)(255 - zero_point);
  float values[4][ROW_PIXELS];
  for (int64_t quad = 0; quad < kq; ++quad) {
    const int64_t present = channels - 4 * quad < 4 ? channels - 4 * quad : 4;
    /* A missing channel reads the first (its bytes are set to the zero point below). */
    const float *in[4];
    for (int j = 0; j < 4; ++j) {
      const int64_t c = c0 + 4 * quad + j;
      if (j >= present) {
        in[j] = in[0];
      } else if (shift_max) {
        micronet_shift_max_span(sample + shift_max->index1[c] * plane + p0,
                                sample + shift_max->index2[c] * plane + p0, coef, total, c,
                                shift_max->fusions, values[j], n);
        in[j] = values[j];
      } else {
        in[j] = sample + c * plane + p0;
      }
    }
    uint32_t *out = packed + quad * ROW_PIXELS;
    uint32_t missing = 0;
    for (int j = (int)present; j < 4; ++j) missing |= (uint32_t)zero_point << (8 * j);
    const uint32_t keep = present == 4 ? ~0u : (1u << (8 * present)) - 1;
    int64_t i = 0;
#ifdef __AVX512F__
    const __m512 scale_v = _mm512_set1_ps(x_scale), low_v = _mm512_set1_ps(low),
                 high_v = _mm512_set1_ps(high);
    const __m512i zero_v = _mm512_set1_epi32(zero_point), keep_v = _mm512_set1_epi32((int)keep),
                  missing_v = _mm512_set1_epi32((int)missing);
    for (; i + 16 <= n; i += 16) {
      __m512i word = _mm512_setzero_si512();
      for (int j = 0; j < 4; ++j) {
        const __m512 t = _mm512_min_ps(_mm512_max_ps(
            _mm512_div_ps(_mm512_loadu_ps(in[j] + i), scale_v), low_v), high_v);
        const __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(t), zero_v); /* half to even */
        word = _mm512_or_si512(word, _mm512_slli_epi32(v, 8 * j));
      }
      _mm512_storeu_si512(out + i, _mm512_or_si512(_mm512_and_si512(word, keep_v), missing_v));
    }
#endif
    for (; i < n; ++i) {
      uint32_t word = 0;
      for (int j = 0; j < 4; ++j) {
        word |= (uint32_t)quantize(in[j][i], x_scale, low, high, zero_point) << (8 * j);
      }
      out[i] = (word & keep) | missing;
    }
  }
}

/* `outputs` (<= OUT_BLOCK) output channels over n (<= PIXEL_BLOCK) pixels: the sums of the
 * quantized block xq (kq rows ROW_PIXELS words apart) times the weights w (OUT_BLOCK rows of kq
 * words), less the compensation,
 * times scale plus bias, into y (rows `plane` floats apart). */
static void pointwise_block(const uint32_t *xq, const int8_t *w, const int32_t *compensation,
                            const float *scale, const float *bias, float *y, int64_t kq,
                            int64_t plane, int64_t n, int64_t outputs) {
#ifdef __AVX512VNNI__
  __m512i acc[OUT_BLOCK][PIXEL_BLOCK / 16];
  __mmask16 mask[PIXEL_BLOCK / 16];
  for (int v = 0; v < PIXEL_BLOCK / 16; ++v) {
    const int64_t lanes = n - 16 * v;
    mask[v] = lanes >= 16 ? (__mmask16)0xffff : lanes <= 0 ? 0 : (__mmask16)((1u << lanes) - 1);
    for (int r = 0; r < OUT_BLOCK; ++r) acc[r][v] = _mm512_setzero_si512();
  }
  for (int64_t q = 0; q < kq; ++q) {
    __m512i xv[PIXEL_BLOCK / 16];
    for (int v = 0; v < PIXEL_BLOCK / 16; ++v) {
      xv[v] = _mm512_maskz_loadu_epi32(mask[v], xq + q * ROW_PIXELS + 16 * v);
    }
    for (int r = 0; r < OUT_BLOCK; ++r) {
      int32_t word;
      memcpy(&word, w + (r * kq + q) * 4, 4);
      const __m512i wv = _mm512_set1_epi32(word);
      for (int v = 0; v < PIXEL_BLOCK / 16; ++v) {
        acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], xv[v], wv);
      }
    }
  }
  /* Every row written with constant indices (rows past `outputs` with an empty mask), so that the
   * sums stay in registers. */
#pragma GCC unroll 4
  for (int r = 0; r < OUT_BLOCK; ++r) {
    const int64_t row = r < outputs ? r : 0;
    const __m512 s = _mm512_set1_ps(scale[row]), c = _mm512_set1_ps(bias[row]);
    const __m512i z = _mm512_set1_epi32(compensation[row]);
#pragma GCC unroll 4
    for (int v = 0; v < PIXEL_BLOCK / 16; ++v) {
      const __m512 sum = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][v], z));
      _mm512_mask_storeu_ps(y + row * plane + 16 * v, r < outputs ? mask[v] : 0,
                            _mm512_fmadd_ps(sum, s, c));
    }
  }
#else
  int32_t acc[OUT_BLOCK][PIXEL_BLOCK];
  memset(acc, 0, sizeof acc);
  for (int64_t q = 0; q < kq; ++q) {
    for (int r = 0; r < OUT_BLOCK; ++r) {
      const int8_t *wq = w + (r * kq + q) * 4;
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t word = xq[q * ROW_PIXELS + i];
        for (int j = 0; j < 4; ++j) acc[r][i] += (int32_t)((word >> (8 * j)) & 255u) * wq[j];
      }
    }
  }
  for (int r = 0; r < outputs; ++r) {
    for (int64_t i = 0; i < n; ++i) {
      y[r * plane + i] = (float)(acc[r][i] - compensation[r]) * scale[r] + bias[r];
    }
  }
#endif
}

void micronet_quantized_pointwise_compensation(const int8_t *weight, int32_t zero_point,
                                               const MicronetPointwiseShape *s,
                                               int32_t *compensation) {
  const int64_t kq = quads(s), group_out = s->out_channels / s->groups, out4 = padded_out(s);
  for (int64_t o = 0; o < s->out_channels; ++o) {
    const int8_t *w = weight + (o / group_out * out4 + o % group_out) * kq * 4;
    int32_t sum = 0;
    for (int64_t k = 0; k < kq * 4; ++k) sum += w[k];
    compensation[o] = zero_point * sum;
  }
}

int64_t micronet_quantized_pointwise_scratch(const MicronetPointwiseShape *s) {
  return quads(s) * ROW_PIXELS;
}

void micronet_quantized_pointwise_rows(const float *x, const MicronetShiftMax *shift_max,
                                       const int8_t *weight, const int32_t *compensation,
                                       const float *scale, const float *bias, float *y,
                                       const MicronetPointwiseShape *s, float x_scale,
                                       int32_t zero_point, uint32_t *scratch, int64_t begin,
                                       int64_t end) {
  const int64_t kq = quads(s), group_in = s->channels / s->groups;
  const int64_t group_out = s->out_channels / s->groups, out4 = padded_out(s);
  const int64_t blocks = micronet_quantized_pointwise_blocks(s), plane = s->plane;
  /* The groups of one block of pixels in turn: a Dynamic Shift-Max reads its channels across
   * groups, which stay in cache from one group to the next. */
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / (blocks * s->groups), g = row % s->groups;
    const int64_t p0 = row / s->groups % blocks * ROW_PIXELS;
    const int64_t n = plane - p0 < ROW_PIXELS ? plane - p0 : ROW_PIXELS;
    const float *coef = shift_max ? shift_max->coef + b * 2 * shift_max->fusions * s->channels
                                  : NULL;
    quantize_block(x + b * s->channels * plane, shift_max, coef, s->channels, g * group_in,
                   group_in, kq, plane, p0, n, x_scale, zero_point, scratch);
    for (int64_t i = 0; i < n; i += PIXEL_BLOCK) {
      for (int64_t m = 0; m < group_out; m += OUT_BLOCK) {
        const int64_t o = g * group_out + m;
        pointwise_block(scratch + i, weight + (g * out4 + m) * kq * 4, compensation + o,
                        scale + o, bias + o, y + (b * s->out_channels + o) * plane + p0 + i, kq,
                        plane, n - i < PIXEL_BLOCK ? n - i : PIXEL_BLOCK,
                        group_out - m < OUT_BLOCK ? group_out - m : OUT_BLOCK);
      }
    }
  }
}
