// Helpers shared by the policy unit tests: load options that use the source
// tree's presets and a fake file system, and loaders that report failures.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "mcp_warden/policy/policy.h"

namespace mcp_warden::policy::testing {

// Presets from the source tree; paths resolve against a fake home
// /home/alice and working directory /home/alice/work.
inline LoadOptions test_options() {
  LoadOptions options;
  options.presets_dir = std::string(MCP_WARDEN_SOURCE_DIR) + "/policies";
  options.file_system = std::make_shared<FakeFileSystem>("/home/alice", "/home/alice/work");
  return options;
}

// `yaml` loaded as "test.yaml"; a load failure fails the test.
inline Policy must_parse(const std::string& yaml) {
  Result<Policy> policy = Policy::parse(yaml, "test.yaml", test_options());
  EXPECT_TRUE(policy.is_ok()) << policy.status().to_string();
  return std::move(policy).value();
}

// The load error of `yaml` (as "test.yaml"); loading fails the test.
inline std::string load_error(const std::string& yaml) {
  Result<Policy> policy = Policy::parse(yaml, "test.yaml", test_options());
  EXPECT_FALSE(policy.is_ok()) << "loaded although it should not";
  return policy.is_ok() ? "" : policy.status().message();
}

}  // namespace mcp_warden::policy::testing
