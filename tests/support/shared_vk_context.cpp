// Storage of test::shared_context() (tests/test_vk_support.h).
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>

#include "apps/context_env.h"
#include "tests/test_vk_support.h"

namespace effnet::test {
namespace {

struct SharedContext {
  std::unique_ptr<vk::Context> ctx;
  bool tried = false;
};

SharedContext& storage() {
  static SharedContext s;
  return s;
}

// Releases the shared Context at the end of the test run, while the Vulkan
// driver is still fully alive.
class ReleaseSharedContext : public Catch::EventListenerBase {
 public:
  using Catch::EventListenerBase::EventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override { storage().ctx.reset(); }
};

}  // namespace

vk::Context* shared_context() {
  SharedContext& s = storage();
  if (!s.tried) {
    s.tried = true;
    try {
      s.ctx = std::make_unique<vk::Context>(app::context_options_from_env());
    } catch (const vk::Error&) {
      // No usable device: the tests SKIP with their own message.
    }
  }
  return s.ctx.get();
}

}  // namespace effnet::test

CATCH_REGISTER_LISTENER(effnet::test::ReleaseSharedContext)
