#include "apps/run_main.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "apps/exit_codes.h"
#include "model/errors.h"
#include "vk_runtime/errors.h"

namespace effnet::app {

namespace {
int report(const char* tool, const std::string& what, int code) {
  std::string line = what;
  for (char& c : line)
    if (c == '\n') c = ' ';
  std::fprintf(stderr, "%s: error: %s\n", tool, line.c_str());
  return code;
}
}  // namespace

int run_main(const char* tool, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    return report(tool, e.what(), kExitUsage);
  } catch (const FileError& e) {
    return report(tool, e.what(), kExitFile);
  } catch (const ShapeError& e) {
    return report(tool, e.what(), kExitInput);
  } catch (const vk::Error& e) {  // DeviceError, VulkanError (vk_runtime's own base)
    return report(tool, e.what(), kExitDevice);
  } catch (const Error& e) {  // CudaError and any other effnet::Error
    return report(tool, e.what(), kExitDevice);
  } catch (const std::bad_alloc&) {
    return report(tool, "out of host memory", kExitDevice);
  } catch (const std::exception& e) {
    return report(tool, std::string("internal error: ") + e.what(), kExitInternal);
  }
}

std::optional<int> parse_cli(CLI::App& cli, int argc, char** argv) {
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");
  }
  return std::nullopt;
}

}  // namespace effnet::app
