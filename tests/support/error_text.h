// error_text<E>(f): runs f, which must throw E, and returns the message, so a
// test can check both the exception type and what the message names.
#pragma once
#include <catch2/catch_test_macros.hpp>
#include <string>

namespace effnet::test {

// Fails the test when f returns normally; an exception of another type escapes
// (and fails the test too). Also fails when the message spans several lines.
template <typename E, typename F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const E& e) {
    const std::string msg = e.what();
    INFO("message: " << msg);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(!msg.empty());
    return msg;
  }
  FAIL("expected an exception, none was thrown");
  return {};
}

}  // namespace effnet::test
