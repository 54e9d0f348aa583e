// The Python module effnet_vk (pybind11): effnet::Engine (backends/engine.h) on
// numpy arrays.
//   engine = effnet_vk.Engine("w.safetensors", device="vulkan", precision="fp16")
//   logits = engine(x)   # x: float32 [N, 3, H, W] NCHW, or uint8 [N, S, S, 3] NHWC
// uint8 input is converted on the CPU exactly as effnet-infer converts decoded
// images (model/preprocess.h: / 255, ImageNet mean and std), then run. The GIL
// is released while the device works. Errors: ValueError (a bad shape, dtype
// or option; non-finite logits), OSError (weights unreadable), RuntimeError
// (the device).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>

#include "backends/engine.h"
#include "model/errors.h"
#include "model/precision.h"
#include "model/preprocess.h"

namespace py = pybind11;
using effnet::Engine;

namespace {

Engine make_engine(const std::string& weights, const std::string& device, const std::string& precision,
                   int gpu, bool coopmat, bool fuse) {
  effnet::EngineOptions o;
  o.device = device;
  if (precision == "fp16")
    o.precision = effnet::Precision::FP16;
  else if (precision == "fp32")
    o.precision = effnet::Precision::FP32;
  else
    throw py::value_error("precision must be 'fp16' or 'fp32', not '" + precision + "'");
  o.gpu = gpu;
  o.allow_coopmat = coopmat;
  o.fuse = fuse;
  return Engine(weights, o);
}

py::array_t<float> call(Engine& e, const py::array& x) {
  effnet::Tensor t;
  if (py::isinstance<py::array_t<float>>(x) && x.ndim() == 4) {
    const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x);
    t = effnet::Tensor({a.shape(0), a.shape(1), a.shape(2), a.shape(3)});
    std::memcpy(t.data.data(), a.data(), t.data.size() * sizeof(float));
  } else if (py::isinstance<py::array_t<uint8_t>>(x) && x.ndim() == 4) {
    const auto a = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(x);
    const int64_t n = a.shape(0), h = a.shape(1), w = a.shape(2);
    if (a.shape(3) != 3 || h != w || n < 1)
      throw py::value_error("uint8 input must be [N >= 1, S, S, 3] NHWC (RGB, square)");
    t = effnet::Tensor({n, 3, h, w});
    for (int64_t i = 0; i < n; ++i)
      effnet::resize_normalize({a.data() + i * h * w * 3, int(w), int(h), 3}, int(h), true,
                               t.data.data() + i * 3 * h * w);
  } else {
    throw py::value_error("input must be a 4-D float32 [N, 3, H, W] or uint8 [N, S, S, 3] array");
  }
  effnet::Tensor y;
  {
    py::gil_scoped_release release;
    y = e.run(t);
  }
  py::array_t<float> out({y.shape[0], y.shape[1]});
  std::memcpy(out.mutable_data(), y.data.data(), y.data.size() * sizeof(float));
  return out;
}

}  // namespace

PYBIND11_MODULE(effnet_vk, m) {
  m.doc() = "EfficientNet-B1 (KernelBench L3/23) inference on Vulkan, the CPU reference or CUDA (effnet-vk)";
  // The base first: pybind11 tries the most recently registered translator first.
  py::register_exception<effnet::Error>(m, "Error", PyExc_RuntimeError);
  py::register_exception<effnet::FileError>(m, "FileError", PyExc_OSError);
  py::register_exception<effnet::ShapeError>(m, "ShapeError", PyExc_ValueError);
  py::register_exception<effnet::UsageError>(m, "UsageError", PyExc_ValueError);
  py::class_<Engine>(m, "Engine")
      .def(py::init(&make_engine), py::arg("weights") = "", py::arg("device") = "vulkan",
           py::arg("precision") = "fp16", py::arg("gpu") = -1, py::arg("coopmat") = true,
           py::arg("fuse") = true,
           "weights: safetensors state_dict of the reference model ('' = built-in random weights); device: "
           "vulkan | cpu | cuda; precision: fp16 | fp32")
      .def("__call__", &call, py::arg("x"),
           "x: float32 [N, 3, H, W] NCHW (normalised) or uint8 [N, S, S, 3] NHWC RGB -> float32 logits [N, "
           "classes]")
      .def_property_readonly("classes", &Engine::classes)
      .def_property_readonly("device", &Engine::device_line)
      .def_property_readonly("variant", &Engine::variant_line);
}
