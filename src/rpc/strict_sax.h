// Strict SAX reading, shared by every reader of a judged line (the DOM
// builder behind parse_json_strict and the header skimmer behind
// skim_message), so that both refuse exactly the same lines in exactly the
// same words: the error texts, the driver that runs nlohmann's SAX parser
// without letting it throw, and the duplicate-key check for readers that
// build no DOM. Internal to the rpc module.
//
// Thread safety: the functions are stateless; an OpenObjectKeys belongs to
// one parse.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/base/status.h"

namespace mcp_warden::rpc::internal {

// The errors a strict reader reports, named as parse_json_strict documents.
Status malformed_json_at(std::size_t position, const nlohmann::detail::exception& e);
Status nested_too_deep(std::size_t max_depth);
Status duplicate_key(const std::string& key);
Status binary_value();

// Runs nlohmann's SAX parser over `text` (exactly one value; whitespace
// around it allowed, anything else after it refused). OK when the handler
// accepted every event; otherwise the handler's error(), or "malformed JSON"
// when it stopped without one. Never throws.
template <typename Handler>
Status run_strict_sax(std::string_view text, Handler& handler) {
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &handler, nlohmann::json::input_format_t::json,
                                   true, false);
  } catch (const std::exception& e) {  // allocation failure or a library bug
    return Status::invalid_argument(std::string("malformed JSON: ") + e.what());
  }
  if (ok) return Status::ok();
  if (!handler.error().is_ok()) return handler.error();
  return Status::invalid_argument("malformed JSON");
}

// The keys read so far in each object still open, innermost last, to find a
// duplicate the moment its second occurrence is read. Keys compare as their
// decoded bytes, as nlohmann's objects compare them. An object is searched
// linearly up to kLinearKeys keys, through a hash index beyond, so a line
// with a huge object is still read in linear time.
class OpenObjectKeys {
 public:
  OpenObjectKeys();
  ~OpenObjectKeys();
  OpenObjectKeys(const OpenObjectKeys&) = delete;
  OpenObjectKeys& operator=(const OpenObjectKeys&) = delete;

  // Forgets every key and object, ready for the next line; memory beyond a
  // typical message's is given back.
  void clear();
  void open();   // an object starts
  void close();  // the innermost object ends; its keys are forgotten
  // Records `key` in the innermost object; false if it is already there.
  bool insert(std::string_view key);

 private:
  static constexpr std::size_t kLinearKeys = 16;
  struct IndexHash {
    const OpenObjectKeys* owner;
    std::size_t operator()(std::size_t key) const;
  };
  struct IndexEqual {
    const OpenObjectKeys* owner;
    bool operator()(std::size_t a, std::size_t b) const;
  };
  using Index = std::unordered_set<std::size_t, IndexHash, IndexEqual>;
  struct Frame {
    std::size_t first_key = 0;   // into keys_
    std::size_t first_byte = 0;  // into bytes_
    std::unique_ptr<Index> index;  // once the object has more than kLinearKeys keys
  };
  struct KeySpan {
    std::size_t offset;  // into bytes_
    std::size_t size;
  };

  std::string_view key_at(std::size_t i) const { return std::string_view(bytes_).substr(keys_[i].offset, keys_[i].size); }
  bool last_key_is_new(Frame& frame);
  void build_index(Frame& frame);

  std::string bytes_;          // the keys of all open objects, back to back
  std::vector<KeySpan> keys_;  // in the order read
  std::vector<Frame> frames_;  // one per open object
};

}  // namespace mcp_warden::rpc::internal
