// 128 random bits as 32 hex digits (std::random_device): session ids and the
// unpredictable part of mcp-warden's own request ids. Internal to the proxy module.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace mcp_warden::proxy {

inline std::string random_hex128() {
  std::random_device device;
  std::uniform_int_distribution<uint32_t> word;
  char text[33];
  std::snprintf(text, sizeof text, "%08x%08x%08x%08x", word(device), word(device), word(device), word(device));
  return text;
}

}  // namespace mcp_warden::proxy
