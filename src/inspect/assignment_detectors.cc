// `password=...`-style assignments and credentials in URLs.
#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <string_view>

#include "text_scan.h"

namespace mcp_warden::inspect::internal {
namespace {

using D = DetectorId;
using C = Confidence;

// Names whose value is a secret when they end an assignment's key.
constexpr std::array<std::string_view, 22> kSecretNames = {
    "password",      "passwd",       "pwd",          "passphrase",   "pass",          "secret",
    "secret_key",    "secretkey",    "client_secret", "api_key",     "apikey",        "api-key",
    "access_key",    "accesskey",    "private_key",  "auth_token",   "access_token",  "refresh_token",
    "token",         "authorization", "bearer",      "credentials"};

// Keys ending in a secret name that are not secrets.
constexpr std::array<std::string_view, 8> kInnocentKeys = {
    "page_token", "pagetoken", "next_token", "nexttoken", "continuation_token", "sync_token", "bypass", "compass"};

// Values that stand for a secret rather than being one.
constexpr std::array<std::string_view, 30> kPlaceholders = {
    "string", "str",       "int",      "integer", "bool",     "boolean", "number",      "required",
    "optional", "null",    "none",     "nil",     "true",     "false",   "undefined",   "empty",
    "secret", "password",  "redacted", "hidden",  "changeme", "example", "placeholder", "your_password",
    "yourpassword", "mypassword", "your-password", "sample", "dummy", "notset"};

bool is_key_char(unsigned char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(to_lower(static_cast<unsigned char>(c)));
  return out;
}

// The key before the separator at `sep`: skips spaces and one closing quote.
std::string_view key_before(const Text& t, std::size_t sep) {
  std::size_t e = sep;
  while (e > 0 && (t.p[e - 1] == ' ' || t.p[e - 1] == '\t')) --e;
  if (e > 0 && (t.p[e - 1] == '"' || t.p[e - 1] == '\'')) --e;
  std::size_t b = e;
  while (b > 0 && e - b < 64 && is_key_char(t.p[b - 1])) --b;
  return t.view(b, e);
}

// True when the key (original spelling) ends in a secret name at a word
// boundary: start, a separator, or a camelCase capital.
bool names_secret(std::string_view key) {
  std::array<char, 64> buffer;
  if (key.size() > buffer.size()) return false;
  for (std::size_t k = 0; k < key.size(); ++k) buffer[k] = static_cast<char>(to_lower(static_cast<unsigned char>(key[k])));
  std::string_view low(buffer.data(), key.size());
  if (low.empty()) return false;
  for (std::string_view name : kSecretNames) {
    if (low.back() != name.back() || !low.ends_with(name)) continue;
    std::size_t at = low.size() - name.size();
    if (at == 0 || !is_alpha(static_cast<unsigned char>(key[at - 1])) || is_upper(static_cast<unsigned char>(key[at]))) {
      return std::none_of(kInnocentKeys.begin(), kInnocentKeys.end(),
                          [&](std::string_view bad) { return low.ends_with(bad); });
    }
  }
  return false;
}

bool is_aws_secret_name(std::string_view key) {
  std::string low = lower(key);
  low.erase(std::remove_if(low.begin(), low.end(), [](char c) { return c == '_' || c == '-' || c == '.'; }), low.end());
  return low.ends_with("secretaccesskey") || low == "awssecretkey" || low == "awssecret";
}

struct Value {
  std::size_t begin = 0;
  std::size_t end = 0;
};

bool ends_unquoted(unsigned char c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';' || c == '&' ||
         c == '"' || c == '\'' || c == '`' || c == ')' || c == '}' || c == ']' || c == '<' || c == '>';
}

// The value after the separator at `sep`, quoted or bare; an authorization
// scheme word ("Bearer ", "Basic ", "token ") is skipped.
Value value_after(const Text& t, std::size_t sep) {
  std::size_t k = sep + 1;
  if (t.at(k) == '=') ++k;
  while (t.at(k) == ' ' || t.at(k) == '\t') ++k;
  unsigned char quote = t.at(k);
  bool quoted = quote == '"' || quote == '\'';
  if (quoted) ++k;
  for (std::string_view scheme : {"bearer ", "basic ", "token "}) {
    if (t.starts_with_nocase(k, scheme)) k += scheme.size();
  }
  std::size_t e = k;
  while (e < t.n && e - k <= 256) {
    unsigned char c = t.p[e];
    if (quoted ? (c == quote || c == '\n' || c == '\\') : ends_unquoted(c)) break;
    ++e;
  }
  return {k, e};
}

bool looks_like_placeholder(std::string_view v) {
  unsigned char first = static_cast<unsigned char>(v[0]);
  if (first == '$' || first == '{' || first == '<' || first == '%' || first == '[' || first == '(' ||
      first == '/' || first == '~' || first == '*' || first == '#' || first == '@' || first == ':') {
    return true;
  }
  if (v.find("${") != std::string_view::npos || v.find("{{") != std::string_view::npos ||
      v.find('(') != std::string_view::npos || v.find("env.") != std::string_view::npos ||
      v.find("environ") != std::string_view::npos) {
    return true;
  }
  std::string low = lower(v);
  if (std::find(kPlaceholders.begin(), kPlaceholders.end(), low) != kPlaceholders.end()) return true;
  if (std::all_of(low.begin(), low.end(), [&](char c) { return c == low[0] || c == '*' || c == 'x'; })) return true;
  // A dotted attribute path such as self.password or config.db.secret.
  bool attribute = v.find('.') != std::string_view::npos &&
                   std::all_of(v.begin(), v.end(), [](char c) {
                     unsigned char u = static_cast<unsigned char>(c);
                     return is_lower(u) || c == '_' || c == '.';
                   });
  return attribute;
}

}  // namespace

std::span<const std::string_view> secret_names() { return kSecretNames; }

std::size_t check_assign(const Text& t, std::size_t i, Sink& sink) {
  std::size_t sep = i + 1;
  if (!sink.wants(Kind::kSecret)) return sep;
  if (t.at(sep) == ':' && t.at(sep + 1) == '/' && t.at(sep + 2) == '/') return sep;  // a URL's scheme
  std::string_view key = key_before(t, sep);
  if (key.empty() || !names_secret(key)) return sep;
  Value v = value_after(t, sep);
  std::string_view value = t.view(v.begin, v.end);
  if (value.size() < 6 || value.size() > 256 || looks_like_placeholder(value)) return std::max(sep, v.begin);
  bool aws = value.size() == 40 && is_aws_secret_name(key) &&
             std::all_of(value.begin(), value.end(), [](char c) {
               unsigned char u = static_cast<unsigned char>(c);
               return is_alnum(u) || c == '/' || c == '+';
             });
  if (aws) {
    sink.add(D::kAwsSecretAccessKey, C::kHigh, v.begin, v.end);
    return v.begin;
  }
  double entropy = shannon_entropy(value);
  if (entropy < 2.5) return v.begin;
  C confidence = value.size() >= 16 && entropy >= 3.5 ? C::kHigh : C::kMedium;
  sink.add(D::kSecretAssignment, confidence, v.begin, v.end);
  return v.begin;  // the value may also hold a vendor token or a card
}

namespace {

// "scheme://user:password@host": the password's span, or {0, 0}.
Value url_password(const Text& t, std::size_t at) {
  std::size_t b = at;
  std::size_t colon = 0;
  while (b > 0 && at - b < 256) {
    unsigned char c = t.p[b - 1];
    if (c == ':' && colon == 0) colon = b - 1;
    if (c == '/' || c == ' ' || c == '\n' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '@') break;
    --b;
  }
  if (colon == 0 || b < 3 || !t.starts_with(b - 3, "://") || colon + 1 >= at) return {};
  return {colon + 1, at};
}

}  // namespace

// Called by check_at for the '@' at `at`; true when a password was found.
bool check_url_credentials(const Text& t, std::size_t at, Sink& sink) {
  Value v = url_password(t, at);
  if (v.end == 0) return false;
  std::string_view pw = t.view(v.begin, v.end);
  if (pw.front() == '$' || pw.front() == '{' || pw.front() == '<' || pw.find("${") != std::string_view::npos ||
      std::all_of(pw.begin(), pw.end(), [](char c) { return c == '*' || c == 'x' || c == 'X'; })) {
    return true;  // a placeholder: a URL all the same, not an e-mail
  }
  sink.add(D::kUrlCredentials, pw.size() >= 4 ? C::kHigh : C::kMedium, v.begin, v.end);
  return true;
}

}  // namespace mcp_warden::inspect::internal
