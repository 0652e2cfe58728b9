#include "mcp_warden/integrations/jsonc.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "mcp_warden/integrations/config_document.h"

namespace mcp_warden::integrations {
namespace {

using nlohmann::ordered_json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the string literal that starts at `i` (a '"').
std::size_t string_end(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// Blanks comments; returns false for an unterminated block comment at `open`.
bool blank_comments(std::string& s, StrippedJsonc& out, std::size_t& open) {
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '"') {
      i = string_end(s, i);
      continue;
    }
    bool line = s.compare(i, 2, "//") == 0;
    bool block = s.compare(i, 2, "/*") == 0;
    if (!line && !block) {
      ++i;
      continue;
    }
    out.had_comments = true;
    std::size_t end = line ? s.find('\n', i) : s.find("*/", i + 2);
    if (block && end == std::string::npos) {
      open = i;
      return false;
    }
    end = end == std::string::npos ? s.size() : end + (block ? 2 : 0);
    for (std::size_t j = i; j < end; ++j) {
      if (s[j] != '\n' && s[j] != '\r') s[j] = ' ';
    }
    i = end;
  }
  return true;
}

void blank_trailing_commas(std::string& s, StrippedJsonc& out) {
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '"') {
      i = string_end(s, i);
      continue;
    }
    if (s[i] == ',') {
      std::size_t next = skip_space(s, i + 1);
      if (next < s.size() && (s[next] == '}' || s[next] == ']')) {
        s[i] = ' ';
        out.had_trailing_commas = true;
      }
    }
    ++i;
  }
}

// Index just past the JSON value that starts at `i` in valid JSON.
std::size_t value_end(std::string_view s, std::size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return string_end(s, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < s.size() && !is_space(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
    return i;
  }
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = string_end(s, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    ++i;
  }
  return i;
}

struct Member {
  std::string key;
  std::size_t key_start = 0;
  std::size_t value_start = 0;
  std::size_t value_end = 0;
};

std::vector<Member> members_of(std::string_view s, std::size_t open) {
  std::vector<Member> members;
  std::size_t i = skip_space(s, open + 1);
  while (i < s.size() && s[i] == '"') {
    Member m;
    m.key_start = i;
    std::size_t key_end = string_end(s, i);
    m.key = ordered_json::parse(s.substr(i, key_end - i)).get<std::string>();
    m.value_start = skip_space(s, skip_space(s, key_end) + 1);
    m.value_end = value_end(s, m.value_start);
    members.push_back(std::move(m));
    i = skip_space(s, members.back().value_end);
    if (i < s.size() && s[i] == ',') i = skip_space(s, i + 1);
  }
  return members;
}

std::string child_where(const std::string& where, const std::string& key) {
  std::string quoted = ordered_json(key).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  return where.empty() ? quoted : where + " > " + quoted;
}

struct Edit {
  std::size_t start, end;
  std::string text;
  int order;
};

class Patcher {
 public:
  Patcher(std::string_view original, std::string_view stripped, const TextStyle& style, std::string origin)
      : original_(original), stripped_(stripped), style_(style), origin_(std::move(origin)),
        newline_(style.crlf ? "\r\n" : "\n"),
        unit_(style.indent_char == '\t' ? std::string(1, '\t') : std::string(style.indent, ' ')) {}

  Status patch(const ordered_json& before, const ordered_json& after, std::size_t start, std::size_t end,
               const std::string& where) {
    if (before == after) return Status::ok();
    if (before.is_object() && after.is_object()) return patch_object(before, after, start, where);
    Status kept = keeps_comments(start, end, where);
    if (!kept.is_ok()) return kept;
    return add(start, end, render(after, indent_at(start)));
  }

  Result<std::string> apply() {
    std::stable_sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) {
      return a.start != b.start ? a.start > b.start : a.order > b.order;
    });
    std::string text(original_);
    for (const Edit& e : edits_) text.replace(e.start, e.end - e.start, e.text);
    return text;
  }

 private:
  Status patch_object(const ordered_json& before, const ordered_json& after, std::size_t open,
                      const std::string& where) {
    std::vector<Member> members = members_of(stripped_, open);
    for (std::size_t j = 0; j < members.size(); ++j) {
      if (after.contains(members[j].key)) continue;
      Status removed = remove(members, j, where);
      if (!removed.is_ok()) return removed;
    }
    const Member* previous = nullptr;
    for (const auto& [key, value] : after.items()) {
      auto found = std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.key == key; });
      if (found == members.end()) {
        Status inserted = insert(members, previous, open, key, value);
        if (!inserted.is_ok()) return inserted;
        continue;
      }
      Status patched = patch(before.at(key), value, found->value_start, found->value_end, child_where(where, key));
      if (!patched.is_ok()) return patched;
      previous = &*found;
    }
    return Status::ok();
  }

  Status remove(const std::vector<Member>& members, std::size_t j, const std::string& where) {
    std::size_t start = j > 0 ? members[j - 1].value_end : members[j].key_start;
    std::size_t end = j > 0 || j + 1 == members.size() ? members[j].value_end : members[j + 1].key_start;
    if (j == 0 && j + 1 == members.size()) start = members[j].key_start;
    Status kept = keeps_comments(start, end, child_where(where, members[j].key));
    if (!kept.is_ok()) return kept;
    return add(start, end, "");
  }

  Status insert(const std::vector<Member>& members, const Member* previous, std::size_t open,
                const std::string& key, const ordered_json& value) {
    bool one_line = style_.one_line || (!members.empty() && same_line(open, members.front().key_start));
    std::string indent = members.empty() ? indent_at(open) + unit_ : indent_at(members.front().key_start);
    std::string member = dump(ordered_json(key)) + ": " + render(value, indent);
    if (previous != nullptr) {
      return add(previous->value_end, previous->value_end, "," + (one_line ? " " : newline_ + indent) + member);
    }
    std::string after = members.empty() ? "" : ",";
    return add(open + 1, open + 1, (one_line ? "" : newline_ + indent) + member + after + (one_line ? " " : ""));
  }

  bool same_line(std::size_t a, std::size_t b) const {
    return original_.substr(a, b - a).find('\n') == std::string_view::npos;
  }

  std::string indent_at(std::size_t pos) const {
    std::size_t line = original_.rfind('\n', pos == 0 ? 0 : pos - 1);
    line = line == std::string_view::npos ? 0 : line + 1;
    std::size_t end = line;
    while (end < original_.size() && (original_[end] == ' ' || original_[end] == '\t')) ++end;
    return std::string(original_.substr(line, end - line));
  }

  // Scalars and arrays of scalars on one line; objects laid out over lines.
  std::string render(const ordered_json& value, const std::string& indent) {
    bool flat = !value.is_structured() ||
                (value.is_array() && std::none_of(value.begin(), value.end(),
                                                   [](const ordered_json& v) { return v.is_structured(); }));
    if (flat && value.is_array()) {
      std::string out = "[";
      for (const ordered_json& item : value) out += (out.size() > 1 ? ", " : "") + dump(item);
      return out + "]";
    }
    if (flat) return dump(value);
    std::string text = value.dump(style_.indent, style_.indent_char, false);
    std::string out;
    for (char c : text) {
      if (c == '\n') out += newline_ + indent;
      else out += c;
    }
    return out;
  }

  std::string dump(const ordered_json& value) {
    try {
      return value.dump(-1, ' ', false);
    } catch (const std::exception& e) {
      error_ = Status::invalid_argument(std::string("cannot write the config: ") + e.what());
      return "null";
    }
  }

  Status keeps_comments(std::size_t start, std::size_t end, const std::string& where) const {
    for (std::size_t i = start; i < end; ++i) {
      if (original_[i] != stripped_[i] && original_[i] != ',') {
        return Status::invalid_argument(describe_position(origin_, original_, i) + ": a comment inside " + (where.empty() ? std::string("the file") : where) +
                                        " would be lost by this change; move it outside that value (or remove "
                                        "it) and run again; nothing was written");
      }
    }
    return Status::ok();
  }

  Status add(std::size_t start, std::size_t end, std::string text) {
    if (!error_.is_ok()) return error_;
    edits_.push_back(Edit{start, end, std::move(text), static_cast<int>(edits_.size())});
    return Status::ok();
  }

  std::string_view original_;
  std::string_view stripped_;
  const TextStyle& style_;
  std::string origin_;
  std::string newline_;
  std::string unit_;
  std::vector<Edit> edits_;
  Status error_;
};

}  // namespace

Result<StrippedJsonc> strip_jsonc(std::string_view text, const std::string& origin) {
  StrippedJsonc out;
  out.json = std::string(text);
  std::size_t open = 0;
  if (!blank_comments(out.json, out, open)) {
    return Status::invalid_argument(describe_position(origin, text, open) + ": unterminated /* comment");
  }
  blank_trailing_commas(out.json, out);
  return out;
}

Result<std::string> patch_jsonc(std::string_view original, std::string_view stripped, const ordered_json& before,
                                const ordered_json& after, const TextStyle& style, const std::string& origin) {
  try {
    Patcher patcher(original, stripped, style, origin);
    std::size_t start = skip_space(stripped, style.byte_order_mark ? 3 : 0);
    Status patched = patcher.patch(before, after, start, value_end(stripped, start), "");
    if (!patched.is_ok()) return patched;
    Result<std::string> text = patcher.apply();
    if (!text) return text;
    // The edited text must read back as exactly the intended tree, or nothing is written.
    auto check = strip_jsonc(*text, origin);
    if (!check || ordered_json::parse(check->json) != after) {
      return Status::invalid_argument(origin + ": the edited text would not read back as intended; nothing was "
                                               "written (please report this file's shape)");
    }
    return text;
  } catch (const std::exception& e) {
    return Status::invalid_argument(origin + ": cannot rewrite: " + e.what());
  }
}

}  // namespace mcp_warden::integrations
