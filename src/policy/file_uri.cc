#include "mcp_warden/policy/file_uri.h"

#include <vector>

namespace mcp_warden::policy {
namespace {

bool is_c0_or_space(char c) { return static_cast<unsigned char>(c) <= 0x20; }
bool is_tab_or_newline(char c) { return c == '\t' || c == '\n' || c == '\r'; }
bool is_slash(char c) { return c == '/' || c == '\\'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The URL Standard's pre-processing: C0 controls and spaces trimmed at both
// ends, ASCII tabs and newlines removed everywhere.
std::string preprocess(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_c0_or_space(text[begin])) ++begin;
  while (end > begin && is_c0_or_space(text[end - 1])) --end;
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    if (!is_tab_or_newline(text[i])) out.push_back(text[i]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int hi = text[i] == '%' && i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
    if (lo < 0) {
      out.push_back(text[i]);
      continue;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string lower_all(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

// "." or "%2e" (any case): the standard's single-dot segment.
bool is_single_dot(std::string_view s) { return s == "." || lower_all(s) == "%2e"; }
// "..", ".%2e", "%2e.", "%2e%2e" (any case).
bool is_double_dot(std::string_view s) {
  std::string l = lower_all(s);
  return l == ".." || l == ".%2e" || l == "%2e." || l == "%2e%2e";
}

// "C:" or "C|" (the standard's Windows drive letter).
bool is_drive_letter(std::string_view s) { return s.size() == 2 && is_alpha(s[0]) && (s[1] == ':' || s[1] == '|'); }

// Splits the path part at '/' and '\\', folds dot segments, decodes.
std::string fold_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = start;
    while (end < path.size() && !is_slash(path[end])) ++end;
    std::string_view seg = path.substr(start, end - start);
    if (is_double_dot(seg)) {
      if (!parts.empty() && !(parts.size() == 1 && is_drive_letter(parts[0]))) parts.pop_back();
    } else if (!is_single_dot(seg) && !seg.empty()) {
      parts.emplace_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& part : parts) {
    out.push_back('/');
    out += is_drive_letter(part) ? std::string{part[0], ':'} : percent_decode(part);
  }
  return out.empty() ? "/" : out;
}

// What follows "file:" once the query and fragment are gone: host and path.
FileUri split_authority(std::string_view rest) {
  FileUri uri;
  size_t slashes = 0;
  while (slashes < rest.size() && slashes < 2 && is_slash(rest[slashes])) ++slashes;
  if (slashes < 2) {  // "file:/x" or "file:x": no host
    uri.path = fold_path(rest.substr(slashes));
    return uri;
  }
  rest.remove_prefix(2);
  size_t host_end = 0;
  while (host_end < rest.size() && !is_slash(rest[host_end])) ++host_end;
  std::string_view host = rest.substr(0, host_end);
  if (is_drive_letter(host)) {
    uri.path = fold_path(rest);  // "file://C:/x": the drive is the path's first segment
    return uri;
  }
  uri.host = lower_all(percent_decode(host));
  if (uri.host == "localhost") uri.host.clear();
  uri.path = fold_path(rest.substr(host_end));
  return uri;
}

}  // namespace

bool looks_like_file_uri(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_c0_or_space(text[i])) ++i;
  for (char want : std::string_view("file:")) {
    while (i < text.size() && is_tab_or_newline(text[i])) ++i;
    if (i >= text.size() || lower(text[i]) != want) return false;
    ++i;
  }
  return true;
}

std::optional<FileUri> parse_file_uri(std::string_view text) {
  if (!looks_like_file_uri(text)) return std::nullopt;
  std::string url = preprocess(text);
  std::string_view rest = std::string_view(url).substr(5);
  rest = rest.substr(0, rest.find_first_of("?#"));
  return split_authority(rest);
}

}  // namespace mcp_warden::policy
