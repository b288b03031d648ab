// MicroNet's kernels (kernels.h) as PyTorch operators in the `micronet` namespace, for the
// compiled inference path: torch.compile calls them as extern kernels, and they split their rows
// over PyTorch's intra-op threads (at::parallel_for). Float32 CPU tensors; inputs are made
// contiguous. The semantics are those of the onnxruntime operators (onnxruntime_operators.c).
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <vector>

extern "C" {
#include "kernels.h"
}

namespace {

void check_float(const at::Tensor &t, const char *name, int64_t dim) {
  TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kFloat && t.dim() == dim, "micronet: ",
              name, " must be a float32 CPU tensor with ", dim, " dimensions");
}

// y[b, c] = max_k(x[b, index1[c]] * a_k + x[b, index2[c]] * b_k); coef (B, 2K·C[, 1, 1]).
at::Tensor dynamic_shift_max(const at::Tensor &x_, const at::Tensor &coef_,
                             const at::Tensor &index1_, const at::Tensor &index2_) {
  check_float(x_, "x", 4);
  const at::Tensor x = x_.contiguous(), coef = coef_.contiguous().view({x.size(0), -1});
  const at::Tensor index1 = index1_.contiguous(), index2 = index2_.contiguous();
  const int64_t batch = x.size(0), channels = x.size(1), plane = x.size(2) * x.size(3);
  TORCH_CHECK(coef.scalar_type() == at::kFloat &&
                  (coef.size(1) == 2 * channels || coef.size(1) == 4 * channels),
              "micronet.dynamic_shift_max: coef must be (B, 2K*C) with K = 1 or 2");
  TORCH_CHECK(index1.scalar_type() == at::kLong && index2.scalar_type() == at::kLong &&
                  index1.numel() == channels && index2.numel() == channels,
              "micronet.dynamic_shift_max: index1 and index2 must be (C,) int64");
  const int64_t *i1 = index1.data_ptr<int64_t>(), *i2 = index2.data_ptr<int64_t>();
  for (int64_t c = 0; c < channels; ++c) {
    TORCH_CHECK(i1[c] >= 0 && i1[c] < channels && i2[c] >= 0 && i2[c] < channels,
                "micronet.dynamic_shift_max: a channel index is out of range");
  }
  at::Tensor y = at::empty(x.sizes(), x.options());
  const float *xp = x.data_ptr<float>(), *cp = coef.data_ptr<float>();
  float *yp = y.data_ptr<float>();
  const int64_t fusions = coef.size(1) / (2 * channels);
  at::parallel_for(0, batch * channels, micronet_task_rows(plane),
                   [&](int64_t begin, int64_t end) {
                     micronet_dynamic_shift_max_rows(xp, cp, i1, i2, yp, channels, plane, fusions,
                                                     begin, end);
                   });
  return y;
}

// The fused Micro-Factorized depthwise conv: a depthwise k×1 conv w1 (M, 1, k, 1) then a depthwise
// 1×k conv w2 (O, 1, 1, k), each with bias, M a multiple of C and O of M.
at::Tensor micro_factorized_depthwise(const at::Tensor &x_, const at::Tensor &w1_,
                                      const at::Tensor &bias1_, const at::Tensor &w2_,
                                      const at::Tensor &bias2_, int64_t stride, int64_t dilation,
                                      int64_t padding) {
  check_float(x_, "x", 4);
  check_float(w1_, "w1", 4);
  check_float(w2_, "w2", 4);
  const at::Tensor x = x_.contiguous(), w1 = w1_.contiguous(), w2 = w2_.contiguous();
  const at::Tensor bias1 = bias1_.contiguous(), bias2 = bias2_.contiguous();
  const int64_t channels = x.size(1), mid = w1.size(0), out = w2.size(0), k = w1.size(2);
  TORCH_CHECK(w1.size(1) == 1 && w1.size(3) == 1 && mid % channels == 0 && w2.size(1) == 1 &&
                  w2.size(2) == 1 && w2.size(3) == k && out % mid == 0 &&
                  bias1.numel() == mid && bias2.numel() == out && stride >= 1 &&
                  dilation >= 1 && padding >= 0,
              "micronet.micro_factorized_depthwise: the weights must be (M, 1, k, 1) and "
              "(O, 1, 1, k) with biases (M,) and (O,), M a multiple of C, O one of M");
  MicronetDepthwiseShape s = {channels, mid, mid / channels, out / mid, x.size(2), x.size(3),
                              micronet_conv_size(x.size(2), k, stride, dilation, padding),
                              micronet_conv_size(x.size(3), k, stride, dilation, padding),
                              k, stride, dilation, padding};
  TORCH_CHECK(s.out_height > 0 && s.out_width > 0,
              "micronet.micro_factorized_depthwise: the kernel is larger than the padded input");
  at::Tensor y = at::empty({x.size(0), out, s.out_height, s.out_width}, x.options());
  const float *xp = x.data_ptr<float>(), *w1p = w1.data_ptr<float>();
  const float *b1p = bias1.data_ptr<float>(), *w2p = w2.data_ptr<float>();
  const float *b2p = bias2.data_ptr<float>();
  float *yp = y.data_ptr<float>();
  at::parallel_for(0, x.size(0) * mid, micronet_task_rows(s.mult2 * s.out_height * s.out_width),
                   [&](int64_t begin, int64_t end) {
                     std::vector<float> scratch(
                         static_cast<size_t>(micronet_micro_factorized_depthwise_scratch(&s)));
                     micronet_micro_factorized_depthwise_rows(xp, w1p, b1p, w2p, b2p, yp, &s,
                                                              scratch.data(), begin, end);
                   });
  return y;
}

// F.interpolate(x, size, mode='bilinear', align_corners=False).
at::Tensor resize_bilinear(const at::Tensor &x_, c10::IntArrayRef size) {
  check_float(x_, "x", 4);
  TORCH_CHECK(size.size() == 2 && size[0] > 0 && size[1] > 0 && x_.size(2) > 0 && x_.size(3) > 0,
              "micronet.resize_bilinear: size must be the output height and width > 0");
  const at::Tensor x = x_.contiguous();
  const int64_t height = x.size(2), width = x.size(3), out_height = size[0], out_width = size[1];
  at::Tensor y = at::empty({x.size(0), x.size(1), out_height, out_width}, x.options());
  const int stream = y.numel() >= MICRONET_STREAM_ELEMENTS;
  std::vector<int64_t> left(static_cast<size_t>(out_width));
  std::vector<float> right_weight(static_cast<size_t>(out_width));
  micronet_resize_bilinear_columns(width, out_width, left.data(), right_weight.data());
  const float *xp = x.data_ptr<float>();
  float *yp = y.data_ptr<float>();
  at::parallel_for(0, x.size(0) * x.size(1) * out_height, micronet_task_rows(out_width),
                   [&](int64_t begin, int64_t end) {
                     std::vector<float> buffers(static_cast<size_t>(2 * out_width));
                     micronet_resize_bilinear_rows(xp, yp, height, width, out_height, out_width,
                                                   left.data(), right_weight.data(), begin, end,
                                                   buffers.data(), stream);
                   });
  return y;
}

}  // namespace

TORCH_LIBRARY(micronet, m) {
  m.def("dynamic_shift_max(Tensor x, Tensor coef, Tensor index1, Tensor index2) -> Tensor");
  m.def("micro_factorized_depthwise(Tensor x, Tensor w1, Tensor bias1, Tensor w2, Tensor bias2, "
        "int stride, int dilation, int padding) -> Tensor");
  m.def("resize_bilinear(Tensor x, int[] size) -> Tensor");
}

TORCH_LIBRARY_IMPL(micronet, CPU, m) {
  m.impl("dynamic_shift_max", &dynamic_shift_max);
  m.impl("micro_factorized_depthwise", &micro_factorized_depthwise);
  m.impl("resize_bilinear", &resize_bilinear);
}
