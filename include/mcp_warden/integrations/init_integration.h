// init-integration: the whole command, minus command-line parsing (which
// src/cli/integration_commands.cc does with CLI11).
//
// resolve_targets() turns the chosen clients (their descriptors), an optional
// --config-path and an optional --project-dir into the files to visit, in
// order. run_init_integration() rewrites each (see config_rewriter.h), prints
// what it did entry by entry to `out`, reminds the user to restart each
// client whose files changed, and returns the process exit status:
//   0  every file found was handled (including "nothing to do"),
//   1  a file was refused or could not be written, an entry could not be
//      restored, or no config file was found at all.
// Files are independent: a refused file does not stop the others.
//
// Thread safety: runs on the caller's thread; touches only the files named.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/base/status.h"
#include "mcp_warden/integrations/client_descriptor.h"
#include "mcp_warden/integrations/config_rewriter.h"
#include "mcp_warden/integrations/file_system.h"

namespace mcp_warden::integrations {

inline constexpr const char* kDefaultPolicy = "strict";

struct IntegrationRequest {
  std::vector<ClientDescriptor> clients;             // in the order to visit
  bool all_clients = false;                          // --all: missing files are only noted, never created
  std::optional<std::filesystem::path> config_path;  // --config-path (one client only)
  std::optional<std::filesystem::path> project_dir;  // --project-dir: also its project files
  RewriteOptions rewrite;
};

struct ConfigTarget {
  const ClientDescriptor* client = nullptr;
  std::filesystem::path path;
  bool may_create = false;  // only a user-level Claude Desktop file asked for with --claude
};

struct IntegrationDeps {
  FileSystem& fs;
  const Clock& clock;
  const HostEnvironment& env;
};

// The files to visit. kInvalidArgument for --config-path with several
// clients. Paths whose placeholders cannot be expanded are left out with a
// note in `notes`.
Result<std::vector<ConfigTarget>> resolve_targets(const IntegrationRequest& request, const HostEnvironment& env,
                                                  std::vector<std::string>& notes);

// A --policy value as the wrapped entry must carry it: preset names as they
// are; a file path (it has a '/' or ends in .yaml/.yml) made absolute against
// `cwd`, since the client starts servers from a directory of its choosing.
std::string policy_argument(const std::string& policy, const std::filesystem::path& cwd);

int run_init_integration(const IntegrationRequest& request, const IntegrationDeps& deps, std::ostream& out);

}  // namespace mcp_warden::integrations
