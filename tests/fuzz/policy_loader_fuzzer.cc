// Fuzzes the policy loader with arbitrary YAML, and evaluates a few calls
// against whatever loads. The loader must return a Status for any input
// (never throw, crash or hang); a loaded policy must judge any call.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/policy.h"

namespace {

using namespace mcp_warden::policy;

const LoadOptions& options() {
  static const LoadOptions kOptions = [] {
    LoadOptions o;
    o.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
    o.file_system = std::make_shared<FakeFileSystem>("/home/fuzz", "/home/fuzz/work");
    return o;
  }();
  return kOptions;
}

void judge_some_calls(Policy& policy) {
  mcp_warden::FakeClock clock;
  const nlohmann::json args = {{"path", "~/.ssh/../x/./y"}, {"n", 5}, {"list", {"a", {{"k", "v"}}}}};
  ToolInfo tool;
  tool.name = "read_file";
  for (const char* name : {"read_file", "writeFile", ""}) {
    CallContext call{"server", name, &args, name[0] == 'r' ? &tool : nullptr, 500, "probation"};
    (void)policy.evaluate(call, clock);
  }
  (void)policy.always_denies("server", tool);
  (void)policy.server_settings("server").accepts_tool_change("read_file", std::string(64, 'a'));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  mcp_warden::Result<Policy> policy = Policy::parse(text, "fuzz.yaml", options());
  if (policy.is_ok()) judge_some_calls(*policy);
  return 0;
}
