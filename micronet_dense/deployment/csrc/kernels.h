/* The operators' arithmetic, plain C without dependencies; each function computes the output rows
 * [begin, end), so that onnxruntime's threads can share the rows of one call. */
#ifndef MICRONET_KERNELS_H_
#define MICRONET_KERNELS_H_
#include <stdint.h>

/* ---- Shared by the operator glues (onnxruntime_operators.c, torch_operators.cpp) ---- */

/* Resize outputs of at least this many floats (64 MB) are written around the cache (`stream`). */
#define MICRONET_STREAM_ELEMENTS (INT64_C(16) << 20)
/* Rows handed to one thread-pool task: about this many output elements each. */
#define MICRONET_ELEMENTS_PER_TASK INT64_C(16384)

/* Rows of `row_elements` output elements each that one thread-pool task takes. */
static inline int64_t micronet_task_rows(int64_t row_elements) {
  if (row_elements >= MICRONET_ELEMENTS_PER_TASK) return 1;
  return MICRONET_ELEMENTS_PER_TASK / (row_elements > 0 ? row_elements : 1);
}

/* Output size of a conv along one axis, or 0 when the window does not fit. */
static inline int64_t micronet_conv_size(int64_t in, int64_t kernel, int64_t stride,
                                         int64_t dilation, int64_t padding) {
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

/* ---- The kernels ---- */

/* Dynamic Shift-Max of channel c over n values (see dynamic_shift_max_kernel.c):
 * out[i] = max_k (a_k[c] * x1[i] + b_k[c] * x2[i]), k < fusions, for x1 and x2 the values of
 * channels index1[c] and index2[c], and k the sample's coefficients [a_1, b_1, a_2, b_2]
 * (`channels` values each). */
static inline void micronet_shift_max_span(const float *x1, const float *x2, const float *k,
                                           int64_t channels, int64_t c, int64_t fusions,
                                           float *out, int64_t n) {
  const float a1 = k[c], b1 = k[channels + c];
  if (fusions == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = a1 * x1[i] + b1 * x2[i];
    return;
  }
  const float a2 = k[2 * channels + c], b2 = k[3 * channels + c];
  for (int64_t i = 0; i < n; ++i) {
    const float first = a1 * x1[i] + b1 * x2[i], second = a2 * x1[i] + b2 * x2[i];
    out[i] = first >= second ? first : second;
  }
}

/* Dynamic Shift-Max: see dynamic_shift_max_kernel.c. Rows are (sample, channel) planes. */
void micronet_dynamic_shift_max_rows(const float *x, const float *coef, const int64_t *index1,
                                     const int64_t *index2, float *y, int64_t channels,
                                     int64_t plane, int64_t fusions, int64_t begin, int64_t end);

/* Bilinear resize: see resize_bilinear_kernel.c. Rows are output image rows of every plane;
 * `buffers` is scratch for 2 * out_width floats, for one caller at a time. `stream`: write the
 * output around the cache (for outputs far larger than it). */
void micronet_resize_bilinear_rows(const float *x, float *y, int64_t in_height, int64_t in_width,
                                   int64_t out_height, int64_t out_width, const int64_t *left,
                                   const float *right_weight, int64_t begin, int64_t end,
                                   float *buffers, int stream);

/* The column tables of micronet_resize_bilinear_rows for in_width -> out_width. */
void micronet_resize_bilinear_columns(int64_t in_width, int64_t out_width, int64_t *left,
                                      float *right_weight);

/* Micro-Factorized depthwise conv: see micro_factorized_depthwise_kernel.c. */
typedef struct {
  int64_t in_channels, mid_channels, mult1, mult2; /* mid = in * mult1, out = mid * mult2 */
  int64_t in_height, in_width, out_height, out_width;
  int64_t kernel, stride, dilation, padding;
} MicronetDepthwiseShape;

/* Rows are (sample, mid channel) planes, each giving mult2 output planes; `scratch` holds
 * micronet_micro_factorized_depthwise_scratch(shape) floats, for one caller at a time. */
void micronet_micro_factorized_depthwise_rows(const float *x, const float *w1, const float *bias1,
                                              const float *w2, const float *bias2, float *y,
                                              const MicronetDepthwiseShape *shape, float *scratch,
                                              int64_t begin, int64_t end);
int64_t micronet_micro_factorized_depthwise_scratch(const MicronetDepthwiseShape *shape);

/* MicroNet's stem (a k×1 conv over all input channels, a 1×k depthwise conv, the channel shuffle
 * and ReLU6): see micro_factorized_depthwise_kernel.c. Rows are (sample, band of output rows),
 * micronet_micro_factorized_stem_bands(shape) per sample; mult1 is unused. `scratch` holds
 * micronet_micro_factorized_stem_scratch(shape) floats, for one caller at a time. */
void micronet_micro_factorized_stem_rows(const float *x, const float *w1, const float *bias1,
                                         const float *w2, const float *bias2,
                                         const int64_t *destination, float *y,
                                         const MicronetDepthwiseShape *shape, float *scratch,
                                         int64_t begin, int64_t end);
int64_t micronet_micro_factorized_stem_scratch(const MicronetDepthwiseShape *shape);
int64_t micronet_micro_factorized_stem_bands(const MicronetDepthwiseShape *shape);

/* int8 1×1 (group) conv with float32 input and output: see quantized_pointwise_kernel.c. */
typedef struct {
  int64_t channels, out_channels, groups, plane; /* plane = H * W */
} MicronetPointwiseShape;

/* A Dynamic Shift-Max that the conv applies to its input x as it reads it: the conv's input is
 * then micronet_dynamic_shift_max_rows of x. */
typedef struct {
  const float *coef;              /* (B, 2 * fusions * C), [a_1, b_1, a_2, b_2] */
  const int64_t *index1, *index2; /* (C,), each in [0, C) */
  int64_t fusions;                /* 1 or 2 */
} MicronetShiftMax;

/* compensation (O,): zero_point times the sum of each output channel's weights. */
void micronet_quantized_pointwise_compensation(const int8_t *weight, int32_t zero_point,
                                               const MicronetPointwiseShape *shape,
                                               int32_t *compensation);
/* Rows are (sample, block of pixels, group), micronet_quantized_pointwise_blocks(shape) blocks
 * per plane; `scratch` holds micronet_quantized_pointwise_scratch(shape) words, for one caller at
 * a time. `shift_max`: NULL, or the Dynamic Shift-Max of x that the conv's input is. */
void micronet_quantized_pointwise_rows(const float *x, const MicronetShiftMax *shift_max,
                                       const int8_t *weight,
                                       const int32_t *compensation, const float *scale,
                                       const float *bias, float *y,
                                       const MicronetPointwiseShape *shape, float x_scale,
                                       int32_t zero_point, uint32_t *scratch, int64_t begin,
                                       int64_t end);
int64_t micronet_quantized_pointwise_blocks(const MicronetPointwiseShape *shape);
int64_t micronet_quantized_pointwise_scratch(const MicronetPointwiseShape *shape);
#endif
