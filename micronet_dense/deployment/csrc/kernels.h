/* The operators' arithmetic, plain C without dependencies; each function computes the output rows
 * [begin, end), so that onnxruntime's threads can share the rows of one call. */
#ifndef MICRONET_KERNELS_H_
#define MICRONET_KERNELS_H_
#include <stdint.h>

/* Dynamic Shift-Max: see dynamic_shift_max_kernel.c. Rows are (sample, channel) planes. */
void micronet_dynamic_shift_max_rows(const float *x, const float *coef, const int64_t *index1,
                                     const int64_t *index2, float *y, int64_t channels,
                                     int64_t plane, int64_t fusions, int64_t begin, int64_t end);

/* Bilinear resize: see resize_bilinear_kernel.c. Rows are output image rows of every plane. */
void micronet_resize_bilinear_rows(const float *x, float *y, int64_t in_height, int64_t in_width,
                                   int64_t out_height, int64_t out_width, const int64_t *left,
                                   const float *right_weight, int64_t begin, int64_t end);

/* The column tables of micronet_resize_bilinear_rows for in_width -> out_width. */
void micronet_resize_bilinear_columns(int64_t in_width, int64_t out_width, int64_t *left,
                                      float *right_weight);
#endif
