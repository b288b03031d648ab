/* onnxruntime CPU kernels of the micronet operators (see onnxruntime_operators.py):
 *
 * - DynamicShiftMax(x (B, C, H, W), coef (B, 2K*C) or (B, 2K*C, 1, 1), index1 (C,), index2 (C,))
 *   -> (B, C, H, W)
 * - ResizeBilinear(x (B, C, H, W), size (2,) int64 = (OH, OW)) -> (B, C, OH, OW)
 * - MicroFactorizedDepthwise(x (B, C, H, W), w1 (M, 1, k, 1), bias1 (M,), w2 (O, 1, 1, k),
 *   bias2 (O,), config (3,) int64 = (stride, dilation, padding)) -> (B, O, OH, OW)
 * - MicroNetStem(x (B, C, H, W), w1 (M, C, k, 1), bias1 (M,), w2 (O, 1, 1, k), bias2 (O,),
 *   index (O,) int64, config (3,) int64 = (stride, dilation, padding)) -> (B, O, OH, OW)
 * - QuantizedPointwiseConv(x (B, C, H, W), x_scale (), x_zero_point () uint8, weight (G, Mg4, Kg4)
 *   int8, scale (O,), bias (O,)) -> (B, O, H, W)
 * - ShiftMaxQuantizedPointwiseConv(x, coef, index1, index2, x_scale, x_zero_point, weight, scale,
 *   bias): QuantizedPointwiseConv of DynamicShiftMax(x, coef, index1, index2)
 *
 * Each checks its inputs, allocates the output and runs its kernel (kernels.h) over the output rows
 * on the session's intra-op threads. Built against onnxruntime's C API header; loaded with
 * SessionOptions.register_custom_ops_library, which calls RegisterCustomOps. */
#include <stdint.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <onnxruntime_c_api.h>

#include "kernels.h"

#define DOMAIN "micronet"
#define SHIFT_MAX_INPUTS 4
#define RESIZE_INPUTS 2
#define DEPTHWISE_INPUTS 6
#define STEM_INPUTS 7
#define POINTWISE_INPUTS 6
#define SHIFT_MAX_POINTWISE_INPUTS (SHIFT_MAX_INPUTS + POINTWISE_INPUTS - 1)
#define MAX_INPUTS SHIFT_MAX_POINTWISE_INPUTS

static const OrtApi *ort;

static OrtStatus *invalid(const char *message) {
  return ort->CreateStatus(ORT_INVALID_ARGUMENT, message);
}

#define RETURN_IF_ERROR(expr)    \
  do {                           \
    OrtStatus *status_ = (expr); \
    if (status_) return status_; \
  } while (0)

/* The dimensions (at most 4) and data of input `index`. */
static OrtStatus *input(OrtKernelContext *context, size_t index, int64_t *dims, size_t *rank,
                        void **data) {
  const OrtValue *value;
  OrtTensorTypeAndShapeInfo *info;
  RETURN_IF_ERROR(ort->KernelContext_GetInput(context, index, &value));
  RETURN_IF_ERROR(ort->GetTensorTypeAndShape(value, &info));
  OrtStatus *status = ort->GetDimensionsCount(info, rank);
  if (!status && *rank > 4) status = invalid(DOMAIN ": an input has rank > 4");
  if (!status) status = ort->GetDimensions(info, dims, *rank);
  ort->ReleaseTensorTypeAndShapeInfo(info);
  if (status) return status;
  /* The API has no const accessor before version 23; the data is only read. */
  return ort->GetTensorMutableData((OrtValue *)value, data);
}

/* The first `count` inputs of an operator (count <= MAX_INPUTS), read by input(). */
typedef struct {
  int64_t dims[MAX_INPUTS][4];
  size_t rank[MAX_INPUTS];
  void *data[MAX_INPUTS];
} Inputs;

static OrtStatus *inputs(OrtKernelContext *context, size_t count, Inputs *in) {
  for (size_t i = 0; i < count; ++i) {
    RETURN_IF_ERROR(input(context, i, in->dims[i], &in->rank[i], &in->data[i]));
  }
  return NULL;
}

/* Allocates output 0 with `dims` (rank 4) and returns its data. */
static OrtStatus *output(OrtKernelContext *context, const int64_t *dims, float **data) {
  OrtValue *value;
  RETURN_IF_ERROR(ort->KernelContext_GetOutput(context, 0, dims, 4, &value));
  return ort->GetTensorMutableData(value, (void **)data);
}

static int64_t task_count(int64_t rows, int64_t rows_per_task) {
  return (rows + rows_per_task - 1) / rows_per_task;
}

/* Runs task(work, t) for every task t of `rows_per_task` of the `rows` rows. */
static OrtStatus *parallel_rows(OrtKernelContext *context, void (*task)(void *, size_t),
                                void *work, int64_t rows, int64_t rows_per_task) {
  return ort->KernelContext_ParallelFor(context, task, (size_t)task_count(rows, rows_per_task), 0,
                                        work);
}

static int64_t task_end(size_t task, int64_t rows_per_task, int64_t rows) {
  const int64_t end = ((int64_t)task + 1) * rows_per_task;
  return end < rows ? end : rows;
}

/* A task's scratch of `count` elements of `size` bytes, allocated by the task (malloc reuses the
 * blocks freed by earlier tasks; one block per task allocated up front would be fresh pages at
 * every run), or NULL with `failed` set. */
static void *task_scratch(int64_t count, size_t size, atomic_int *failed) {
  void *scratch = malloc(size * (size_t)count);
  if (!scratch) atomic_store(failed, 1);
  return scratch;
}

/* ---- DynamicShiftMax ---- */

typedef struct {
  const float *x, *coef;
  const int64_t *index1, *index2;
  float *y;
  int64_t channels, plane, fusions, rows, rows_per_task;
} ShiftMaxWork;

static void shift_max_task(void *data, size_t task) {
  const ShiftMaxWork *w = (const ShiftMaxWork *)data;
  micronet_dynamic_shift_max_rows(w->x, w->coef, w->index1, w->index2, w->y, w->channels,
                                  w->plane, w->fusions, (int64_t)task * w->rows_per_task,
                                  task_end(task, w->rows_per_task, w->rows));
}

static OrtStatus *operator_error(OrtErrorCode code, const char *operator, const char *reason) {
  char message[256];
  snprintf(message, sizeof message, DOMAIN ".%s: %s", operator, reason);
  return ort->CreateStatus(code, message);
}

/* Checks Dynamic Shift-Max's inputs x, coef, index1 and index2 (the first four) and sets its
 * number of fusions; NULL, or the reason they are invalid. */
static const char *shift_max_check(const Inputs *in, int64_t *fusions) {
  if (in->rank[0] != 4) return "x must be (B, C, H, W)";
  const int64_t batch = in->dims[0][0], channels = in->dims[0][1];
  const int vector = in->rank[1] == 2 || (in->rank[1] == 4 && in->dims[1][2] == 1 &&
                                          in->dims[1][3] == 1);
  if (!vector || in->dims[1][0] != batch || channels <= 0 ||
      (in->dims[1][1] != 2 * channels && in->dims[1][1] != 4 * channels)) {
    return "coef must be (B, 2K*C) or (B, 2K*C, 1, 1) with K = 1 or 2";
  }
  for (int k = 0; k < 2; ++k) {
    const int64_t *index = (const int64_t *)in->data[2 + k];
    if (in->rank[2 + k] != 1 || in->dims[2 + k][0] != channels) {
      return "index1 and index2 must be (C,)";
    }
    for (int64_t c = 0; c < channels; ++c) {
      if (index[c] < 0 || index[c] >= channels) return "a channel index is out of range";
    }
  }
  *fusions = in->dims[1][1] / (2 * channels);
  return NULL;
}

static OrtStatus *shift_max_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  Inputs in;
  int64_t fusions;
  RETURN_IF_ERROR(inputs(context, SHIFT_MAX_INPUTS, &in));
  const char *reason = shift_max_check(&in, &fusions);
  if (reason) return operator_error(ORT_INVALID_ARGUMENT, "DynamicShiftMax", reason);
  const int64_t channels = in.dims[0][1], plane = in.dims[0][2] * in.dims[0][3];
  ShiftMaxWork work = {(const float *)in.data[0], (const float *)in.data[1],
                       (const int64_t *)in.data[2], (const int64_t *)in.data[3], NULL, channels,
                       plane, fusions, in.dims[0][0] * channels, micronet_task_rows(plane)};
  RETURN_IF_ERROR(output(context, in.dims[0], &work.y));
  return parallel_rows(context, shift_max_task, &work, work.rows, work.rows_per_task);
}

/* ---- ResizeBilinear ---- */

typedef struct {
  const float *x;
  float *y;
  int64_t in_height, in_width, out_height, out_width, rows, rows_per_task;
  int64_t *left;
  float *right_weight;
  int stream; /* the output is far larger than the cache: write it around the cache */
  atomic_int failed; /* a task could not allocate its row buffers */
} ResizeWork;

static void resize_task(void *data, size_t task) {
  ResizeWork *w = (ResizeWork *)data;
  float *buffers = task_scratch(2 * w->out_width, sizeof(float), &w->failed);
  if (!buffers) return;
  micronet_resize_bilinear_rows(w->x, w->y, w->in_height, w->in_width, w->out_height,
                                w->out_width, w->left, w->right_weight,
                                (int64_t)task * w->rows_per_task,
                                task_end(task, w->rows_per_task, w->rows), buffers, w->stream);
  free(buffers);
}

static OrtStatus *resize_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  Inputs in;
  RETURN_IF_ERROR(inputs(context, RESIZE_INPUTS, &in));
  const int64_t *size = (const int64_t *)in.data[1];
  if (in.rank[0] != 4 || in.dims[0][2] <= 0 || in.dims[0][3] <= 0) {
    return invalid(DOMAIN ".ResizeBilinear: x must be (B, C, H, W) with H, W > 0");
  }
  if (in.rank[1] != 1 || in.dims[1][0] != 2 || size[0] <= 0 || size[1] <= 0) {
    return invalid(DOMAIN ".ResizeBilinear: size must be (2,), the output height and width > 0");
  }
  const int64_t out_dims[4] = {in.dims[0][0], in.dims[0][1], size[0], size[1]};
  const int64_t rows = in.dims[0][0] * in.dims[0][1] * size[0];
  ResizeWork work = {(const float *)in.data[0], NULL, in.dims[0][2], in.dims[0][3], size[0],
                     size[1], rows, micronet_task_rows(size[1]), NULL, NULL,
                     rows * size[1] >= MICRONET_STREAM_ELEMENTS, 0};
  RETURN_IF_ERROR(output(context, out_dims, &work.y));
  work.left = malloc(sizeof(int64_t) * (size_t)size[1]);
  work.right_weight = malloc(sizeof(float) * (size_t)size[1]);
  OrtStatus *status = NULL;
  if (work.left && work.right_weight) {
    micronet_resize_bilinear_columns(work.in_width, work.out_width, work.left,
                                     work.right_weight);
    status = parallel_rows(context, resize_task, &work, work.rows, work.rows_per_task);
  }
  if (!status && (!work.left || !work.right_weight || atomic_load(&work.failed))) {
    status = ort->CreateStatus(ORT_FAIL, DOMAIN ".ResizeBilinear: out of memory");
  }
  free(work.left);
  free(work.right_weight);
  return status;
}

/* ---- MicroFactorizedDepthwise and MicroNetStem ---- */

typedef struct {
  const float *x, *w1, *bias1, *w2, *bias2;
  const int64_t *destination; /* MicroNetStem's output plane of each channel; NULL: depthwise */
  float *y;
  MicronetDepthwiseShape shape;
  int64_t rows, rows_per_task;
  atomic_int failed; /* a task could not allocate its scratch */
} ConvPairWork;

static void conv_pair_task(void *data, size_t task) {
  ConvPairWork *w = (ConvPairWork *)data;
  const int64_t begin = (int64_t)task * w->rows_per_task;
  const int64_t end = task_end(task, w->rows_per_task, w->rows);
  float *scratch = task_scratch(w->destination
                                    ? micronet_micro_factorized_stem_scratch(&w->shape)
                                    : micronet_micro_factorized_depthwise_scratch(&w->shape),
                                sizeof(float), &w->failed);
  if (!scratch) return;
  if (w->destination) {
    micronet_micro_factorized_stem_rows(w->x, w->w1, w->bias1, w->w2, w->bias2, w->destination,
                                        w->y, &w->shape, scratch, begin, end);
  } else {
    micronet_micro_factorized_depthwise_rows(w->x, w->w1, w->bias1, w->w2, w->bias2, w->y,
                                             &w->shape, scratch, begin, end);
  }
  free(scratch);
}

/* The shape of a k×1 then 1×k conv pair from x (B, C, H, W), w1 (M, C1, k, 1), bias1 (M,),
 * w2 (O, 1, 1, k), bias2 (O,) and config (stride, dilation, padding), the k×1 conv depthwise
 * (C1 = 1) or without groups (C1 = C); NULL, or the reason it is invalid. */
static const char *conv_pair_shape(const Inputs *in, size_t config_index, int depthwise,
                                   MicronetDepthwiseShape *shape) {
  const int64_t *x = in->dims[0], *w1 = in->dims[1], *w2 = in->dims[3];
  const int64_t *config = (const int64_t *)in->data[config_index];
  if (in->rank[0] != 4 || x[1] <= 0) return "x must be (B, C, H, W) with C > 0";
  const int64_t group_in = depthwise ? 1 : x[1];
  if (in->rank[1] != 4 || w1[1] != group_in || w1[3] != 1 || w1[0] <= 0 ||
      w1[0] * group_in % x[1] || in->rank[2] != 1 || in->dims[2][0] != w1[0] ||
      in->rank[3] != 4 || w2[1] != 1 || w2[2] != 1 || w2[3] != w1[2] || w2[0] <= 0 ||
      w2[0] % w1[0] || in->rank[4] != 1 || in->dims[4][0] != w2[0]) {
    return depthwise ? "the weights must be (M, 1, k, 1) and (O, 1, 1, k) with biases (M,) "
                       "and (O,), M a multiple of C, O one of M"
                     : "the weights must be (M, C, k, 1) and (O, 1, 1, k) with biases (M,) "
                       "and (O,), O a multiple of M";
  }
  if (in->rank[config_index] != 1 || in->dims[config_index][0] != 3 || config[0] < 1 ||
      config[1] < 1 || config[2] < 0) {
    return "config must be (stride >= 1, dilation >= 1, padding >= 0)";
  }
  *shape = (MicronetDepthwiseShape){x[1], w1[0], w1[0] * group_in / x[1], w2[0] / w1[0], x[2],
                                    x[3], 0, 0, w1[2], config[0], config[1], config[2]};
  shape->out_height = micronet_conv_size(x[2], shape->kernel, shape->stride, shape->dilation,
                                shape->padding);
  shape->out_width = micronet_conv_size(x[3], shape->kernel, shape->stride, shape->dilation,
                               shape->padding);
  return shape->out_height && shape->out_width ? NULL
                                                : "the kernel is larger than the padded input";
}

/* Allocates the (batch, O, OH, OW) output and runs `work` (its inputs and shape set) over `rows`
 * rows of about `row_elements` output elements each. */
static OrtStatus *run_conv_pair(OrtKernelContext *context, ConvPairWork *work, int64_t batch,
                                int64_t rows, int64_t row_elements, const char *operator) {
  const MicronetDepthwiseShape *s = &work->shape;
  const int64_t out_dims[4] = {batch, s->mid_channels * s->mult2, s->out_height, s->out_width};
  work->rows = rows;
  work->rows_per_task = micronet_task_rows(row_elements);
  RETURN_IF_ERROR(output(context, out_dims, &work->y));
  RETURN_IF_ERROR(parallel_rows(context, conv_pair_task, work, rows, work->rows_per_task));
  return atomic_load(&work->failed) ? operator_error(ORT_FAIL, operator, "out of memory") : NULL;
}

static OrtStatus *depthwise_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  Inputs in;
  ConvPairWork work = {0};
  RETURN_IF_ERROR(inputs(context, DEPTHWISE_INPUTS, &in));
  const char *reason = conv_pair_shape(&in, 5, 1, &work.shape);
  if (reason) return operator_error(ORT_INVALID_ARGUMENT, "MicroFactorizedDepthwise", reason);
  const MicronetDepthwiseShape *s = &work.shape;
  work.x = in.data[0], work.w1 = in.data[1], work.bias1 = in.data[2];
  work.w2 = in.data[3], work.bias2 = in.data[4];
  return run_conv_pair(context, &work, in.dims[0][0], in.dims[0][0] * s->mid_channels,
                       s->mult2 * s->out_height * s->out_width, "MicroFactorizedDepthwise");
}

static OrtStatus *stem_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  Inputs in;
  ConvPairWork work = {0};
  RETURN_IF_ERROR(inputs(context, STEM_INPUTS, &in));
  const char *reason = conv_pair_shape(&in, 6, 0, &work.shape);
  if (reason) return operator_error(ORT_INVALID_ARGUMENT, "MicroNetStem", reason);
  const int64_t out_channels = in.dims[3][0], *index = (const int64_t *)in.data[5];
  if (in.rank[5] != 1 || in.dims[5][0] != out_channels) {
    return operator_error(ORT_INVALID_ARGUMENT, "MicroNetStem", "index must be (O,)");
  }
  int64_t *destination = malloc(sizeof(int64_t) * (size_t)out_channels);
  if (!destination) return operator_error(ORT_FAIL, "MicroNetStem", "out of memory");
  for (int64_t o = 0; o < out_channels; ++o) destination[o] = -1;
  for (int64_t p = 0; p < out_channels; ++p) {
    if (index[p] < 0 || index[p] >= out_channels || destination[index[p]] >= 0) {
      free(destination);
      return operator_error(ORT_INVALID_ARGUMENT, "MicroNetStem",
                            "index must be a permutation of the channels");
    }
    destination[index[p]] = p;
  }
  const MicronetDepthwiseShape *s = &work.shape;
  const int64_t bands = micronet_micro_factorized_stem_bands(s);
  work.x = in.data[0], work.w1 = in.data[1], work.bias1 = in.data[2];
  work.w2 = in.data[3], work.bias2 = in.data[4], work.destination = destination;
  OrtStatus *status = run_conv_pair(context, &work, in.dims[0][0], in.dims[0][0] * bands,
                                    out_channels * s->out_height * s->out_width / bands,
                                    "MicroNetStem");
  free(destination);
  return status;
}

/* ---- QuantizedPointwiseConv ---- */

typedef struct {
  const float *x, *scale, *bias;
  const MicronetShiftMax *shift_max; /* NULL: QuantizedPointwiseConv */
  const int8_t *weight;
  int32_t *compensation;
  float *y;
  MicronetPointwiseShape shape;
  float x_scale;
  int32_t zero_point;
  int64_t rows, rows_per_task;
  atomic_int failed; /* a task could not allocate its scratch */
} PointwiseWork;

static void pointwise_task(void *data, size_t task) {
  PointwiseWork *w = (PointwiseWork *)data;
  uint32_t *scratch = task_scratch(micronet_quantized_pointwise_scratch(&w->shape),
                                   sizeof(uint32_t), &w->failed);
  if (!scratch) return;
  micronet_quantized_pointwise_rows(w->x, w->shift_max, w->weight, w->compensation, w->scale, w->bias, w->y,
                                    &w->shape, w->x_scale, w->zero_point, scratch,
                                    (int64_t)task * w->rows_per_task,
                                    task_end(task, w->rows_per_task, w->rows));
  free(scratch);
}

static int64_t round_up4(int64_t n) { return (n + 3) / 4 * 4; }

static int one_element(const Inputs *in, size_t index) {
  return in->rank[index] == 0 || (in->rank[index] == 1 && in->dims[index][0] == 1);
}

/* The shape of the conv from x (input 0) and x_scale, x_zero_point, weight (G, Mg4, Kg4), scale
 * (O,) and bias (O,) (inputs `first` to `first` + 4); NULL, or the reason it is invalid. */
static const char *pointwise_shape(const Inputs *in, size_t first, MicronetPointwiseShape *shape) {
  const int64_t *x = in->dims[0], *w = in->dims[first + 2];
  if (in->rank[0] != 4 || x[1] <= 0) return "x must be (B, C, H, W) with C > 0";
  if (!one_element(in, first) || !one_element(in, first + 1) ||
      !(*(const float *)in->data[first] > 0)) {
    return "x_scale must be one number > 0 and x_zero_point one number";
  }
  const int64_t out_channels = in->dims[first + 3][0];
  if (in->rank[first + 3] != 1 || in->rank[first + 4] != 1 ||
      in->dims[first + 4][0] != out_channels || out_channels <= 0) {
    return "scale and bias must be (O,) with O > 0";
  }
  if (in->rank[first + 2] != 3 || w[0] <= 0 || x[1] % w[0] || out_channels % w[0] ||
      w[1] != round_up4(out_channels / w[0]) || w[2] != round_up4(x[1] / w[0])) {
    return "weight must be (G, Mg4, Kg4) with G dividing C and O, and Mg4 and Kg4 the channels "
           "per group of the output and the input rounded up to a multiple of 4";
  }
  *shape = (MicronetPointwiseShape){x[1], out_channels, w[0], x[2] * x[3]};
  return NULL;
}

/* Runs the conv of x (input 0) and inputs `first` to `first` + 4 (see pointwise_shape), of the
 * Dynamic Shift-Max of x when `shift_max` is not NULL. */
static OrtStatus *run_pointwise(OrtKernelContext *context, const Inputs *in, size_t first,
                                const MicronetShiftMax *shift_max, const char *operator) {
  PointwiseWork work = {0};
  const char *reason = pointwise_shape(in, first, &work.shape);
  if (reason) return operator_error(ORT_INVALID_ARGUMENT, operator, reason);
  const MicronetPointwiseShape *s = &work.shape;
  const int64_t batch = in->dims[0][0], blocks = micronet_quantized_pointwise_blocks(s);
  const int64_t out_dims[4] = {batch, s->out_channels, in->dims[0][2], in->dims[0][3]};
  work.x = in->data[0], work.shift_max = shift_max, work.weight = in->data[first + 2];
  work.scale = in->data[first + 3], work.bias = in->data[first + 4];
  work.x_scale = *(const float *)in->data[first];
  work.zero_point = *(const uint8_t *)in->data[first + 1];
  RETURN_IF_ERROR(output(context, out_dims, &work.y));
  if (batch * s->plane == 0) return NULL;
  work.compensation = malloc(sizeof(int32_t) * (size_t)s->out_channels);
  if (!work.compensation) return operator_error(ORT_FAIL, operator, "out of memory");
  micronet_quantized_pointwise_compensation(work.weight, work.zero_point, s, work.compensation);
  work.rows = batch * s->groups * blocks;
  work.rows_per_task =
      micronet_task_rows(s->out_channels / s->groups * (blocks ? s->plane / blocks : 0));
  OrtStatus *status = parallel_rows(context, pointwise_task, &work, work.rows,
                                    work.rows_per_task);
  free(work.compensation);
  if (!status && atomic_load(&work.failed)) {
    status = operator_error(ORT_FAIL, operator, "out of memory");
  }
  return status;
}

static OrtStatus *pointwise_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  Inputs in;
  RETURN_IF_ERROR(inputs(context, POINTWISE_INPUTS, &in));
  return run_pointwise(context, &in, 1, NULL, "QuantizedPointwiseConv");
}

static OrtStatus *shift_max_pointwise_compute(void *kernel, OrtKernelContext *context) {
  (void)kernel;
  const char *name = "ShiftMaxQuantizedPointwiseConv";
  Inputs in;
  MicronetShiftMax shift_max;
  RETURN_IF_ERROR(inputs(context, SHIFT_MAX_POINTWISE_INPUTS, &in));
  const char *reason = shift_max_check(&in, &shift_max.fusions);
  if (reason) return operator_error(ORT_INVALID_ARGUMENT, name, reason);
  shift_max.coef = in.data[1], shift_max.index1 = in.data[2], shift_max.index2 = in.data[3];
  return run_pointwise(context, &in, SHIFT_MAX_INPUTS, &shift_max, name);
}

/* ---- The operator descriptions ---- */

static OrtStatus *create_kernel(const OrtCustomOp *op, const OrtApi *api,
                                const OrtKernelInfo *info, void **kernel) {
  (void)api;
  (void)info;
  *kernel = (void *)op; /* stateless: any non-null handle */
  return NULL;
}

static void destroy_kernel(void *kernel) { (void)kernel; }
static const char *shift_max_name(const OrtCustomOp *op) { (void)op; return "DynamicShiftMax"; }
static const char *resize_name(const OrtCustomOp *op) { (void)op; return "ResizeBilinear"; }
static const char *depthwise_name(const OrtCustomOp *op) {
  (void)op;
  return "MicroFactorizedDepthwise";
}
static const char *stem_name(const OrtCustomOp *op) { (void)op; return "MicroNetStem"; }
static const char *pointwise_name(const OrtCustomOp *op) {
  (void)op;
  return "QuantizedPointwiseConv";
}
static const char *shift_max_pointwise_name(const OrtCustomOp *op) {
  (void)op;
  return "ShiftMaxQuantizedPointwiseConv";
}
static const char *provider(const OrtCustomOp *op) { (void)op; return NULL; } /* CPU */
static size_t shift_max_inputs(const OrtCustomOp *op) { (void)op; return SHIFT_MAX_INPUTS; }
static size_t resize_inputs(const OrtCustomOp *op) { (void)op; return RESIZE_INPUTS; }
static size_t depthwise_inputs(const OrtCustomOp *op) { (void)op; return DEPTHWISE_INPUTS; }
static size_t stem_inputs(const OrtCustomOp *op) { (void)op; return STEM_INPUTS; }
static size_t pointwise_inputs(const OrtCustomOp *op) { (void)op; return POINTWISE_INPUTS; }
static size_t shift_max_pointwise_inputs(const OrtCustomOp *op) {
  (void)op;
  return SHIFT_MAX_POINTWISE_INPUTS;
}
static size_t one_output(const OrtCustomOp *op) { (void)op; return 1; }

/* Float tensors first, then int64 (indices, sizes). */
static ONNXTensorElementDataType shift_max_input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index < 2 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
}

static ONNXTensorElementDataType resize_input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index < 1 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
}

static ONNXTensorElementDataType conv_pair_input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index < 5 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT : ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
}

/* x, x_scale, x_zero_point (uint8), weight (int8), scale, bias. */
static ONNXTensorElementDataType pointwise_input_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  return index == 2 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8
         : index == 3 ? ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8
                      : ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
}

/* Dynamic Shift-Max's inputs, then QuantizedPointwiseConv's after x. */
static ONNXTensorElementDataType shift_max_pointwise_input_type(const OrtCustomOp *op,
                                                                size_t index) {
  return index < SHIFT_MAX_INPUTS ? shift_max_input_type(op, index)
                                  : pointwise_input_type(op, index - SHIFT_MAX_INPUTS + 1);
}

static ONNXTensorElementDataType float_output(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
}

static OrtCustomOpInputOutputCharacteristic required(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return INPUT_OUTPUT_REQUIRED;
}

static OrtMemType memory_type(const OrtCustomOp *op, size_t index) {
  (void)op;
  (void)index;
  return OrtMemTypeDefault;
}

#define OPERATOR(NAME, INPUTS, INPUT_TYPE, COMPUTE)                                        \
  {                                                                                        \
    .version = ORT_API_VERSION, .GetName = NAME, .GetExecutionProviderType = provider,     \
    .GetInputType = INPUT_TYPE, .GetInputTypeCount = INPUTS, .GetOutputType = float_output, \
    .GetOutputTypeCount = one_output, .KernelDestroy = destroy_kernel,                     \
    .GetInputCharacteristic = required, .GetOutputCharacteristic = required,               \
    .GetInputMemoryType = memory_type, .CreateKernelV2 = create_kernel,                    \
    .KernelComputeV2 = COMPUTE,                                                            \
  }

static const OrtCustomOp operators[] = {
    OPERATOR(shift_max_name, shift_max_inputs, shift_max_input_type, shift_max_compute),
    OPERATOR(resize_name, resize_inputs, resize_input_type, resize_compute),
    OPERATOR(depthwise_name, depthwise_inputs, conv_pair_input_type, depthwise_compute),
    OPERATOR(stem_name, stem_inputs, conv_pair_input_type, stem_compute),
    OPERATOR(pointwise_name, pointwise_inputs, pointwise_input_type, pointwise_compute),
    OPERATOR(shift_max_pointwise_name, shift_max_pointwise_inputs, shift_max_pointwise_input_type,
             shift_max_pointwise_compute),
};

/* The domain outlives every session that uses it: it is created once and never released. */
static OrtCustomOpDomain *domain;

__attribute__((visibility("default"))) OrtStatus *ORT_API_CALL
RegisterCustomOps(OrtSessionOptions *options, const OrtApiBase *api_base) {
  ort = api_base->GetApi(ORT_API_VERSION);
  if (!ort) {
    /* Every API version has CreateStatus. */
    char message[256];
    snprintf(message, sizeof message, DOMAIN " operators were built against onnxruntime's C API "
             "version %d, newer than the loaded onnxruntime %s: rebuild them against that "
             "version's header", ORT_API_VERSION, api_base->GetVersionString());
    return api_base->GetApi(1)->CreateStatus(ORT_FAIL, message);
  }
  if (!domain) {
    RETURN_IF_ERROR(ort->CreateCustomOpDomain(DOMAIN, &domain));
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; ++i) {
      RETURN_IF_ERROR(ort->CustomOpDomain_Add(domain, &operators[i]));
    }
  }
  return ort->AddCustomOpDomain(options, domain);
}
