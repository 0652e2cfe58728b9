// E-mail addresses, invisible Unicode, instruction tags and phrases.
#include <algorithm>
#include <array>
#include <string_view>

#include <re2/re2.h>

#include "text_scan.h"

namespace mcp_warden::inspect::internal {
namespace {

using D = DetectorId;
using C = Confidence;

// ---- e-mail ---------------------------------------------------------------

bool is_local_char(unsigned char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(unsigned char c) { return is_alnum(c) || c == '.' || c == '-'; }

// File extensions that follow "name@2x." and the like: not top-level domains.
constexpr std::array<std::string_view, 16> kFileExtensions = {
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "js", "mjs", "ts", "css", "json", "map", "txt", "md", "html"};

// The end of the domain after '@' at `at`, or 0 when it is not one.
std::size_t domain_end(const Text& t, std::size_t at) {
  std::size_t len = run_length(t, at + 1, 253, is_domain_char);
  std::string_view domain = t.view(at + 1, at + 1 + len);
  while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
  std::size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return 0;
  std::string_view tld = domain.substr(dot + 1);
  if (tld.size() < 2 || tld.size() > 24) return 0;
  if (!std::all_of(tld.begin(), tld.end(), [](char c) { return is_alpha(static_cast<unsigned char>(c)); })) return 0;
  std::array<char, 24> buffer;
  for (std::size_t k = 0; k < tld.size(); ++k) buffer[k] = static_cast<char>(to_lower(static_cast<unsigned char>(tld[k])));
  std::string_view lower_tld(buffer.data(), tld.size());
  if (std::find(kFileExtensions.begin(), kFileExtensions.end(), lower_tld) != kFileExtensions.end()) return 0;
  if (domain.find("..") != std::string_view::npos || domain.front() == '.' || domain.front() == '-') return 0;
  return at + 1 + domain.size();
}

}  // namespace

std::size_t check_at(const Text& t, std::size_t i, Sink& sink) {
  if (sink.wants(Kind::kSecret) && check_url_credentials(t, i, sink)) return i + 1;
  if (!sink.wants(Kind::kEmail)) return i + 1;
  std::size_t b = i;
  while (b > 0 && i - b < 64 && is_local_char(t.p[b - 1])) --b;
  while (b < i && (t.p[b] == '.' || t.p[b] == '-' || t.p[b] == '+')) ++b;
  if (b == i || t.p[i - 1] == '.' || is_local_char(t.before(b))) return i + 1;
  if (b >= 3 && t.starts_with(b - 3, "://")) return i + 1;  // a URL's user name
  std::size_t end = domain_end(t, i);
  if (end == 0) return i + 1;
  // "git@github.com:org/repo.git" is an scp-style remote, not an address.
  if (t.at(end) == ':' && (is_alnum(t.at(end + 1)) || t.at(end + 1) == '/')) return end;
  sink.add(D::kEmail, C::kHigh, b, end);
  return end;
}

// ---- invisible Unicode ----------------------------------------------------

namespace {

enum class Invisible { kNone, kTag, kBidi, kZeroWidth, kMark };

// Classifies the code point whose UTF-8 encoding starts at `i`; `len` is its
// length in bytes.
Invisible classify(const Text& t, std::size_t i, std::size_t* len) {
  unsigned char a = t.at(i), b = t.at(i + 1), c = t.at(i + 2);
  *len = 3;
  if (a == 0xE2 && b == 0x80) {
    if (c >= 0x8B && c <= 0x8D) return Invisible::kZeroWidth;  // U+200B..U+200D
    if (c == 0x8E || c == 0x8F) return Invisible::kMark;       // LRM, RLM
    if (c >= 0xAA && c <= 0xAE) return Invisible::kBidi;       // U+202A..U+202E
  }
  if (a == 0xE2 && b == 0x81) {
    if (c >= 0xA0 && c <= 0xA4) return Invisible::kZeroWidth;  // U+2060..U+2064
    if (c >= 0xA6 && c <= 0xA9) return Invisible::kBidi;       // U+2066..U+2069
  }
  if (a == 0xEF && b == 0xBB && c == 0xBF) return Invisible::kMark;       // U+FEFF
  if (a == 0xE1 && b == 0xA0 && c == 0x8E) return Invisible::kZeroWidth;  // U+180E
  if (a == 0xF3 && b == 0xA0 && (c == 0x80 || c == 0x81) && (t.at(i + 3) & 0xC0) == 0x80) {
    *len = 4;
    return Invisible::kTag;  // U+E0000..U+E007F
  }
  return Invisible::kNone;
}

// The black flag U+1F3F4 (F0 9F 8F B4) starts subdivision flags, which are
// spelt with up to six tag letters and the cancel tag U+E007F.
bool after_black_flag(const Text& t, std::size_t i) {
  return i >= 4 && t.p[i - 4] == 0xF0 && t.p[i - 3] == 0x9F && t.p[i - 2] == 0x8F && t.p[i - 1] == 0xB4;
}

// A joiner between two non-ASCII characters (emoji sequences, Indic and
// Persian scripts) is part of the text, not hidden.
bool is_script_joiner(const Text& t, std::size_t i, std::size_t len) {
  bool joiner = t.at(i) == 0xE2 && t.at(i + 1) == 0x80 && (t.at(i + 2) == 0x8C || t.at(i + 2) == 0x8D);
  return joiner && t.before(i) >= 0x80 && t.at(i + len) >= 0x80;
}

}  // namespace

std::size_t check_hidden(const Text& t, std::size_t i, Sink& sink) {
  std::size_t k = i;
  std::size_t tags = 0, bidi = 0, zero = 0, marks = 0;
  while (k < t.n) {
    std::size_t len = 0;
    Invisible kind = classify(t, k, &len);
    if (kind == Invisible::kNone || is_script_joiner(t, k, len)) break;
    tags += kind == Invisible::kTag;
    bidi += kind == Invisible::kBidi;
    zero += kind == Invisible::kZeroWidth;
    marks += kind == Invisible::kMark;
    k += len;
  }
  if (k == i) return i + 1;
  bool flag = tags > 0 && tags <= 7 && bidi + zero + marks == 0 && after_black_flag(t, i) &&
              t.at(k - 3) == 0xA0 && t.at(k - 2) == 0x81 && t.at(k - 1) == 0xBF;
  if (flag) return k;
  C c = C::kLow;
  if (tags > 0) {
    c = C::kHigh;
  } else if (bidi > 0 || zero >= 3) {
    c = C::kMedium;
  } else if (marks > 0 && i == 0 && zero == 0) {
    c = C::kLow;  // a byte-order mark at the start of a text
  }
  sink.add(D::kInvisibleUnicode, c, i, k);
  return k;
}

// ---- instruction tags -----------------------------------------------------

namespace {

struct TagName {
  std::string_view name;
  C confidence;
};
constexpr std::array<TagName, 10> kTagNames = {{
    {"important", C::kHigh},
    {"system", C::kHigh},
    {"instructions", C::kHigh},
    {"instruction", C::kHigh},
    {"system_prompt", C::kHigh},
    {"system-prompt", C::kHigh},
    {"sys", C::kMedium},
    {"admin", C::kMedium},
    {"hidden", C::kMedium},
    {"override", C::kMedium},
}};

constexpr std::array<std::string_view, 6> kTemplateTokens = {
    "<|im_start|>", "<|im_end|>", "<|system|>", "<|endoftext|>", "<|begin_of_text|>", "<|start_header_id|>"};

// The end of the element opened at `open_end` ("</name>" within 8 KiB), else
// `open_end`. The memo remembers the last search, so each byte is searched
// for a closing tag a bounded number of times however many tags open.
std::size_t element_end(const Text& t, std::size_t open_end, std::string_view name, TagMemo& memo) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t limit = std::min(t.n, open_end + 8192);
  std::size_t close_len = name.size() + 3;
  std::size_t from = open_end;
  if (memo.from <= open_end && memo.next != kNone && memo.next >= open_end) {
    return memo.next + close_len <= limit ? memo.next + close_len : open_end;
  }
  if (memo.from <= open_end && memo.next == kNone) from = std::max(from, memo.to);
  std::size_t at = from;
  while (at < limit) {
    std::size_t k = t.view(at, limit).find("</");
    if (k == std::string_view::npos) break;
    k += at;
    if (k + close_len <= limit && t.starts_with_nocase(k + 2, name) && t.at(k + 2 + name.size()) == '>') {
      memo = {open_end, k + 1, k};
      return k + close_len;
    }
    at = k + 2;
  }
  memo = {open_end, std::max(from, limit >= close_len ? limit - close_len + 1 : 0), kNone};
  return open_end;
}

}  // namespace

std::size_t check_tag(const Text& t, std::size_t i, Sink& sink) {
  if (!sink.wants(Kind::kHiddenInstruction)) return i + 1;
  if (t.at(i + 1) == '|') {
    for (std::string_view token : kTemplateTokens) {
      if (t.starts_with(i, token)) {
        sink.add(D::kInstructionTag, C::kHigh, i, i + token.size());
        return i + token.size();
      }
    }
    return i + 1;
  }
  for (std::size_t n = 0; n < kTagNames.size(); ++n) {
    const TagName& tag = kTagNames[n];
    if (!t.starts_with_nocase(i + 1, tag.name)) continue;
    std::size_t k = i + 1 + tag.name.size();
    if (t.at(k) != '>') continue;
    std::size_t end = element_end(t, k + 1, tag.name, sink.tag_memo[n]);
    sink.add(D::kInstructionTag, tag.confidence, i, end);
    return end;
  }
  return i + 1;
}

// ---- instruction phrases --------------------------------------------------

namespace {

constexpr std::array<std::string_view, 4> kOverrideVerbs = {"ignore", "disregard", "forget", "override"};

// Words that may follow an override verb in a match (the regex's first
// word): checked before the regex runs, so "ignore ignore ignore..." is cheap.
constexpr std::array<std::string_view, 29> kOverrideNext = {
    "all", "any", "the", "your", "my", "of", "these", "those", "every", "previous", "prior", "above",
    "earlier", "preceding", "former", "original", "system", "developer", "safety", "existing", "other",
    "instruction", "prompt", "rules", "directions", "guidelines", "guardrails", "messages", "context"};

// True when the word after the one at `i` (after spaces) starts with one of `words`.
template <std::size_t N>
bool next_word_in(const Text& t, std::size_t i, const std::array<std::string_view, N>& words) {
  std::size_t k = i;
  while (k < t.n && is_alpha(t.p[k])) ++k;
  if (t.at(k) == '\'' || t.at(k) == 0xE2) return true;  // don't / don’t: let the regex decide
  std::size_t spaces = run_length(t, k, 8, [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n'; });
  if (spaces == 0) return false;
  k += spaces;
  if (t.starts_with_nocase(k, "not ")) k += 4;
  while (t.at(k) == ' ') ++k;
  for (std::string_view w : words) {
    if (t.starts_with_nocase(k, w)) return true;
  }
  return false;
}

// Runs `re` anchored at `i` on a window of at most 200 bytes.
std::size_t match_at(const Text& t, std::size_t i, const re2::RE2& re) {
  std::size_t end = std::min(t.n, i + 200);
  re2::StringPiece window(reinterpret_cast<const char*>(t.p) + i, end - i);
  re2::StringPiece match;
  if (!re.Match(window, 0, window.size(), re2::RE2::ANCHOR_START, &match, 1)) return 0;
  return i + match.size();
}

// Where a conceal phrase ending at `end` ("... the user") starts, or npos.
std::size_t match_ending_at(const Text& t, std::size_t end, const re2::RE2& re) {
  std::size_t begin = end > 120 ? end - 120 : 0;
  re2::StringPiece window(reinterpret_cast<const char*>(t.p) + begin, end - begin);
  re2::StringPiece match;
  if (!re.Match(window, 0, window.size(), re2::RE2::UNANCHORED, &match, 1)) return std::string_view::npos;
  return static_cast<std::size_t>(match.data() - reinterpret_cast<const char*>(t.p));
}

// The trigger is the "us" of "the user": the conceal phrase ends there.
std::size_t check_conceal(const Text& t, std::size_t i, const PhraseRegexes& re, Sink& sink) {
  if (i < 4 || !t.starts_with_nocase(i, "user") || is_alpha(t.at(i + 4)) || !t.starts_with_nocase(i - 4, "the ")) {
    return i + 1;
  }
  std::size_t begin = match_ending_at(t, i + 4, *re.conceal_from_user);
  if (begin == std::string_view::npos) return i + 1;
  sink.add(D::kInstructionPhrase, C::kMedium, begin, i + 4);
  return i + 4;
}

}  // namespace

// The trigger is a rare pair inside an override verb (iGNore, diSRegard,
// foRGet, oveRRide) or the "us" of "the user".
std::size_t check_phrase(const Text& t, std::size_t i, const PhraseRegexes& re, Sink& sink) {
  if (!sink.wants(Kind::kHiddenInstruction)) return i + 1;
  if (to_lower(t.p[i]) == 'u') return check_conceal(t, i, re, sink);
  for (std::string_view verb : kOverrideVerbs) {
    std::size_t offset = verb == "ignore" ? 1 : verb == "override" ? 3 : 2;
    if (i < offset) continue;
    std::size_t start = i - offset;
    if (!t.starts_with_nocase(start, verb) || is_alpha(t.before(start)) || is_alpha(t.at(start + verb.size()))) {
      continue;
    }
    if (!next_word_in(t, start, kOverrideNext)) return i + 1;
    if (std::size_t end = match_at(t, start, *re.override_instructions)) {
      sink.add(D::kInstructionPhrase, C::kHigh, start, end);
      return end;
    }
    return i + 1;
  }
  return i + 1;
}

}  // namespace mcp_warden::inspect::internal
