// A move-only owner of one Vulkan handle and the call that destroys it: the
// RAII building block of the runtime (no naked vkDestroy* on error paths).
#pragma once
#include <functional>
#include <utility>

namespace effnet::vk {

template <class T>
class Handle {
 public:
  Handle() = default;
  Handle(T h, std::function<void(T)> destroy) : h_(h), destroy_(std::move(destroy)) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, T{})), destroy_(std::move(o.destroy_)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, T{});
      destroy_ = std::move(o.destroy_);
    }
    return *this;
  }
  void reset() {
    if (h_ != T{} && destroy_) destroy_(h_);
    h_ = T{};
  }
  T get() const { return h_; }
  explicit operator bool() const { return h_ != T{}; }

 private:
  T h_{};
  std::function<void(T)> destroy_;
};

}  // namespace effnet::vk
