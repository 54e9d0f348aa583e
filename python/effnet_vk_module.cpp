// The Python module effnet_vk (pybind11): effnet::Engine (backends/engine.h) on
// numpy arrays.
//   engine = effnet_vk.Engine("w.safetensors", device="vulkan", precision="fp16")
//   logits = engine(x)   # x: float32 [N, 3, H, W] NCHW, or uint8 [N, H, W, 3] NHWC
// uint8 images go to Engine::run(ImagesU8): on Vulkan the bytes are uploaded and
// normalised on the GPU (/ 255, then ImageNet mean and std unless
// normalize=False), bit for bit the host conversion of model/preprocess.h that
// the cpu and cuda devices use. The GIL is released while the device works. Errors: ValueError (a bad shape,
// dtype or option; non-finite logits), OSError (weights unreadable), RuntimeError (the device).
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
                   int gpu, bool coopmat, bool fuse, bool normalize) {
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
  o.normalize = normalize;
  return Engine(weights, o);
}

py::array_t<float> call(Engine& e, const py::array& x) {
  effnet::Tensor y;
  if (py::isinstance<py::array_t<float>>(x) && x.ndim() == 4) {
    const auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(x);
    effnet::Tensor t({a.shape(0), a.shape(1), a.shape(2), a.shape(3)});
    std::memcpy(t.data.data(), a.data(), t.data.size() * sizeof(float));
    py::gil_scoped_release release;
    y = e.run(t);
  } else if (py::isinstance<py::array_t<uint8_t>>(x) && x.ndim() == 4) {
    // A C-contiguous view (a copy only when x is not); alive until the run returns.
    const auto a = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(x);
    if (a.shape(3) != 3) throw py::value_error("uint8 input must be [N >= 1, H, W, 3] NHWC (RGB)");
    const effnet::ImagesU8 images{a.data(), a.shape(0), a.shape(1), a.shape(2)};
    py::gil_scoped_release release;
    y = e.run(images);
  } else {
    throw py::value_error("input must be a 4-D float32 [N, 3, H, W] or uint8 [N, H, W, 3] array");
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
           py::arg("fuse") = true, py::arg("normalize") = true,
           "weights: safetensors state_dict of the reference model ('' = built-in random weights); device: "
           "vulkan | cpu | cuda; precision: fp16 | fp32; normalize: uint8 input gets the ImageNet mean/std "
           "after / 255 (False: / 255 only)")
      .def("__call__", &call, py::arg("x"),
           "x: float32 [N, 3, H, W] NCHW (normalised) or uint8 [N, H, W, 3] NHWC RGB -> float32 logits [N, "
           "classes]")
      .def_property_readonly("classes", &Engine::classes)
      .def_property_readonly("device", &Engine::device_line)
      .def_property_readonly("variant", &Engine::variant_line);
}
