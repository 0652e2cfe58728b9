// Differential fuzzing of the two ways to read a line: skim_message() must
// accept exactly what parse_message() accepts, refuse the rest with the same
// error (code, message, id), read the same header, and ensure_body() must
// then give the same body. Checked at the default depth limit and at a small
// one. Any disagreement aborts with both results on stderr.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "mcp_warden/rpc/message.h"

namespace {

using mcp_warden::rpc::JsonParseOptions;
using mcp_warden::rpc::Message;
using mcp_warden::rpc::MessageError;

std::string header(const std::variant<Message, MessageError>& result) {
  if (const auto* e = std::get_if<MessageError>(&result)) {
    return "error " + std::to_string(e->code) + " " + e->id.dump() + " " + e->message;
  }
  const auto& m = std::get<Message>(result);
  std::string text = "message " + std::to_string(static_cast<int>(m.kind)) + " " + m.id.dump() + " " +
                     m.method + " " + std::to_string(m.has_result) + std::to_string(m.has_error);
  for (const Message& element : m.batch) text += " [" + header(element) + "]";
  return text;
}

void disagree(const std::string& line, const std::string& what, const std::string& full, const std::string& skim) {
  std::fprintf(stderr, "skim and parse disagree on %s\nline: %s\nparse: %s\nskim:  %s\n", what.c_str(),
               line.c_str(), full.c_str(), skim.c_str());
  std::abort();
}

void check(const std::string& line, const JsonParseOptions& options) {
  auto full = mcp_warden::rpc::parse_message(line, options);
  auto skim = mcp_warden::rpc::skim_message(line, options);
  if (header(full) != header(skim)) disagree(line, "the header", header(full), header(skim));
  if (std::holds_alternative<MessageError>(full)) return;
  Message& skimmed = std::get<Message>(skim);
  const Message& parsed = std::get<Message>(full);
  if (skimmed.raw != line) disagree(line, "raw", line, skimmed.raw);
  if (!mcp_warden::rpc::ensure_body(skimmed).is_ok()) disagree(line, "ensure_body", "ok", "failed");
  if (skimmed.body != parsed.body) disagree(line, "the body", parsed.body.dump(), skimmed.body.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  check(line, JsonParseOptions{});
  JsonParseOptions shallow;
  shallow.max_depth = 4;
  check(line, shallow);
  return 0;
}
