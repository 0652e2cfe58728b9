# INTERFACE target carrying sanitizer flags, from MCP_WARDEN_SANITIZE
# (a list such as "address;undefined").
add_library(mcp_warden_sanitizers INTERFACE)
if(MCP_WARDEN_SANITIZE)
  list(JOIN MCP_WARDEN_SANITIZE "," _mw_sanitizers)
  target_compile_options(mcp_warden_sanitizers INTERFACE
    -fsanitize=${_mw_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(mcp_warden_sanitizers INTERFACE -fsanitize=${_mw_sanitizers})
endif()
