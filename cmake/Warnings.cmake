# INTERFACE target carrying the project's warning flags.
add_library(mcp_warden_warnings INTERFACE)
target_compile_options(mcp_warden_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2
  -Wimplicit-fallthrough)
if(MCP_WARDEN_WERROR)
  target_compile_options(mcp_warden_warnings INTERFACE -Werror)
endif()
