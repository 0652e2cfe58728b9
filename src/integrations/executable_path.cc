#include "mcp_warden/integrations/executable_path.h"

#include <string>
#include <system_error>

namespace mcp_warden::integrations {

Result<std::filesystem::path> current_executable_path() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return Status::io_error("cannot find the mcp-warden binary via /proc/self/exe: " + error.message());
  const std::string deleted = " (deleted)";
  const std::string text = path.string();
  if (text.size() > deleted.size() && text.ends_with(deleted)) {
    return Status::io_error("the running mcp-warden binary was deleted or replaced (" + text +
                            "); run the installed one");
  }
  return path;
}

}  // namespace mcp_warden::integrations
