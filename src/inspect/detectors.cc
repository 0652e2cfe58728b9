#include "mcp_warden/inspect/detectors.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <string_view>
#include <tuple>

#include <re2/re2.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text_scan.h"

namespace mcp_warden::inspect {

using internal::Family;
using internal::Text;

struct Detectors::Tables {
  // family[a | b << 8] != 0 when the byte pair (a, b) is a trigger; bits is
  // the same as a bit set (8 KiB, stays in L1). fast_bits leaves out the
  // pairs whose validator cannot find anything there (see narrow()): the
  // pass find() runs; bits is what find_unfiltered() runs, to compare.
  std::array<uint64_t, 1024> bits{};
  std::array<uint64_t, 1024> fast_bits{};
  // True when the SSE2 superset (maybe_triggers16) marks every pair of
  // fast_bits, so the vector pass may look up only the pairs it marks.
  bool vector_pass = false;
  std::vector<uint16_t> family = std::vector<uint16_t>(65536, 0);
  std::unique_ptr<re2::RE2> override_instructions;
  std::unique_ptr<re2::RE2> conceal_from_user;

  void add(unsigned char a, unsigned char b, uint16_t fam) {
    unsigned v = a | (unsigned{b} << 8);
    family[v] |= fam;
    bits[v >> 6] |= uint64_t{1} << (v & 63);
  }
  void add(std::string_view pair, uint16_t fam) {
    add(static_cast<unsigned char>(pair[0]), static_cast<unsigned char>(pair[1]), fam);
  }
  // Every upper/lower-case spelling of a two-letter pair.
  void add_nocase(std::string_view pair, uint16_t fam) {
    for (int mask = 0; mask < 4; ++mask) {
      unsigned char a = static_cast<unsigned char>(pair[0]);
      unsigned char b = static_cast<unsigned char>(pair[1]);
      if (mask & 1) a = static_cast<unsigned char>(a - 32);
      if (mask & 2) b = static_cast<unsigned char>(b - 32);
      add(a, b, fam);
    }
  }
};

namespace {

constexpr std::string_view kOverridePattern =
    R"((?i)(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|my|of|these|those|every)\s+)*)"
    R"((?:(?:previous|prior|above|earlier|preceding|former|original|system|developer|safety|existing|other)\s+)*)"
    R"((?:instructions?|prompts?|rules|directions|guidelines|guardrails|messages|context|policies))";
constexpr std::string_view kConcealPattern =
    R"((?i)(?:(?:do\s+not|don't|dont|never|must\s+not)\s+(?:tell|inform|mention\s+(?:this|it)\s+to|)"
    R"(reveal\s+(?:this|it)\s+to|disclose\s+(?:this|it)\s+to|notify|alert|let)\s+the\s+user)"
    R"(|without\s+(?:telling|informing|notifying|alerting|asking)\s+the\s+user)\z)";

void add_number_triggers(Detectors::Tables& t) {
  for (unsigned char a = '0'; a <= '9'; ++a) {
    for (unsigned char b = '0'; b <= '9'; ++b) t.add(a, b, internal::kFamNumber);
    t.add('+', a, internal::kFamNumber);
    t.add('(', a, internal::kFamNumber);
  }
}

void add_at_and_assign_triggers(Detectors::Tables& t) {
  for (unsigned c = 0; c < 128; ++c) {
    unsigned char ch = static_cast<unsigned char>(c);
    if (internal::is_alnum(ch)) t.add('@', ch, internal::kFamAt);
    if (internal::is_alnum(ch) || ch == '_' || ch == '"' || ch == '\'' || ch == ' ' || ch == '\t') {
      t.add(ch, '=', internal::kFamAssign);
      t.add(ch, ':', internal::kFamAssign);
    }
  }
}

void add_token_triggers(Detectors::Tables& t) {
  for (std::string_view prefix : internal::token_prefixes()) {
    t.add(prefix.substr(internal::token_anchor(prefix), 2), internal::kFamToken);
  }
  t.add("yJ", internal::kFamJwt);
  t.add("-B", internal::kFamPem);
}

void add_hidden_and_instruction_triggers(Detectors::Tables& t) {
  t.add(0xE2, 0x80, internal::kFamHidden);  // U+2000..U+203F
  t.add(0xE2, 0x81, internal::kFamHidden);  // U+2040..U+207F
  t.add(0xEF, 0xBB, internal::kFamHidden);  // U+FEFF
  t.add(0xE1, 0xA0, internal::kFamHidden);  // U+180E
  t.add(0xF3, 0xA0, internal::kFamHidden);  // U+E0000..U+E0FFF
  for (unsigned char c = 'a'; c <= 'z'; ++c) {
    t.add('<', c, internal::kFamTag);
    t.add('<', static_cast<unsigned char>(c - 32), internal::kFamTag);
  }
  t.add('<', '|', internal::kFamTag);
  // Rare pairs inside the phrases' words: iGNore, diSRegard, foRGet,
  // oveRRide, and "the USer" for the conceal phrases (matched backwards).
  for (std::string_view pair : {"gn", "sr", "rg", "rr", "us"}) {
    t.add_nocase(pair, internal::kFamPhrase);
  }
}

// The last letters of the secret names an assignment's key must end in
// (password, pass, passphrase, secret, api_key, token, bearer, ...; see
// kSecretNames in assignment_detectors.cc), in both cases.
constexpr std::array<bool, 256> kKeyFinal = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("destynr")) {
    t[static_cast<unsigned char>(c)] = true;
    t[static_cast<unsigned char>(c - 32)] = true;
  }
  return t;
}();

// "x=" and "x:" wake the assignment check only when the key could end in a
// secret name: with x a letter, digit or '_', the key ends in x itself. The
// pairs left out are assignment-only pairs, so no other family misses them.
void narrow(Detectors::Tables& t) {
  t.fast_bits = t.bits;
  for (unsigned c = 0; c < 256; ++c) {
    unsigned char ch = static_cast<unsigned char>(c);
    if (!(internal::is_alnum(ch) || ch == '_') || kKeyFinal[ch]) continue;
    for (unsigned char sep : {'=', ':'}) {
      unsigned v = ch | (unsigned{sep} << 8);
      if (t.family[v] == internal::kFamAssign) t.fast_bits[v >> 6] &= ~(uint64_t{1} << (v & 63));
    }
  }
}

#if defined(__SSE2__)
// A cheap superset of the narrowed table, tested on the 16 pairs at p .. p + 15
// at once (reads p[0 .. 16]; bit k for the pair at p + k): a lower-case letter
// before '_', '-' or '.' (the vendor anchors: "p_" of ghp_, "k-" of sk-, "s."
// of hooks.), a letter, a quote, a space or a tab before '=' or ':'
// (assignments), '+' or '(' before a digit, two digits, '@', '<', "-B", a lead
// byte of an invisible code point (>= 0xE1), "AK"/"AS"/"AI", "yJ", and the
// phrase anchors (gn, sr, rg, rr, us in either case, taken as {g,s,r,u} x
// {n,r,g,s}). table_within_superset() checks it against the table.
inline uint64_t maybe_triggers16(const unsigned char* p) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  auto either = [](__m128i x, __m128i y) { return _mm_or_si128(x, y); };
  auto both = [](__m128i x, __m128i y) { return _mm_and_si128(x, y); };
  // lo <= v < lo + len, as one unsigned compare of v - lo (biased to signed).
  auto range = [](__m128i v, char lo, char len) {
    __m128i biased = _mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8(lo)), _mm_set1_epi8(static_cast<char>(0x80)));
    return _mm_cmplt_epi8(biased, _mm_set1_epi8(static_cast<char>(0x80 + len)));
  };
  const __m128i la = _mm_or_si128(a, _mm_set1_epi8(0x20));
  const __m128i lb = _mm_or_si128(b, _mm_set1_epi8(0x20));
  const __m128i digit_b = range(b, '0', 10);
  __m128i m = both(range(a, 'a', 26), either(either(eq(b, '_'), eq(b, '-')), eq(b, '.')));
  __m128i key_end = either(either(range(la, 'a', 26), eq(a, '"')), either(eq(a, '\''), either(eq(a, ' '), eq(a, '\t'))));
  m = either(m, both(key_end, either(eq(b, '='), eq(b, ':'))));
  m = either(m, both(either(eq(a, '+'), eq(a, '(')), digit_b));
  m = either(m, both(range(a, '0', 10), digit_b));
  m = either(m, either(either(eq(a, '@'), eq(a, '<')), both(eq(a, '-'), eq(b, 'B'))));
  // a >= 0xE1: as signed bytes, -32 < a < 0.
  m = either(m, both(_mm_cmpgt_epi8(a, _mm_set1_epi8(-32)), _mm_cmplt_epi8(a, _mm_setzero_si128())));
  m = either(m, both(eq(a, 'A'), either(either(eq(b, 'K'), eq(b, 'S')), eq(b, 'I'))));
  m = either(m, both(eq(a, 'y'), eq(b, 'J')));
  __m128i phrase_a = either(either(eq(la, 'g'), eq(la, 's')), either(eq(la, 'r'), eq(la, 'u')));
  __m128i phrase_b = either(either(eq(lb, 'n'), eq(lb, 'r')), either(eq(lb, 'g'), eq(lb, 's')));
  m = either(m, both(phrase_a, phrase_b));
  return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(m)));
}

// maybe_triggers16() for the 64 pairs at p .. p + 63 (reads p[0 .. 64]).
inline uint64_t maybe_triggers64(const unsigned char* p) {
  return maybe_triggers16(p) | maybe_triggers16(p + 16) << 16 | maybe_triggers16(p + 32) << 32 |
         maybe_triggers16(p + 48) << 48;
}

// True when maybe_triggers16() marks every pair of the narrowed table, so
// the vector pass may look up only the pairs it marks.
bool table_within_superset(const Detectors::Tables& t) {
  std::array<unsigned char, 17> pair{};
  for (unsigned v = 0; v < 65536; ++v) {
    if (!((t.fast_bits[v >> 6] >> (v & 63)) & 1)) continue;
    pair[0] = static_cast<unsigned char>(v & 0xFF);
    pair[1] = static_cast<unsigned char>(v >> 8);
    if (!(maybe_triggers16(pair.data()) & 1)) return false;
  }
  return true;
}
#endif

// For the pairs that stay ('"=', ' :', ...): the key before the separator at
// i + 1 (spaces and one closing quote skipped, as check_assign reads it) must
// end in a key-final letter, else check_assign would return i + 1 unseen.
bool key_may_name_secret(const Text& text, std::size_t i) {
  std::size_t e = i + 1;
  while (e > 0 && (text.p[e - 1] == ' ' || text.p[e - 1] == '\t')) --e;
  if (e > 0 && (text.p[e - 1] == '"' || text.p[e - 1] == '\'')) --e;
  return e > 0 && kKeyFinal[text.p[e - 1]];
}

std::unique_ptr<re2::RE2> compile(std::string_view pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  return std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
}

// True when the pair starting at `k` is in `bits`.
inline bool pair_hit(const std::array<uint64_t, 1024>& bits, const unsigned char* p, std::size_t k) {
  unsigned v = p[k] | (unsigned{p[k + 1]} << 8);
  return (bits[v >> 6] >> (v & 63)) & 1;
}

// The pair table's bits for the 64 pair positions from `base` (bit k for the
// pair at base + k), without a branch per pair; `count` <= 64 positions are
// looked at. A full block is read 16 pairs at a time, unrolled, and a group
// without a trigger (the usual case in prose) costs an OR of its lookups.
inline uint64_t hit_mask(const std::array<uint64_t, 1024>& bits, const unsigned char* p, std::size_t base,
                         std::size_t count) {
  uint64_t mask = 0;
  if (count == 64) {
    for (std::size_t g = 0; g < 64; g += 16) {
      uint64_t group = 0;
#pragma GCC unroll 16
      for (std::size_t k = 0; k < 16; ++k) group |= uint64_t{pair_hit(bits, p, base + g + k)} << k;
      mask |= group << g;
    }
  } else {
    for (std::size_t k = 0; k < count; ++k) mask |= uint64_t{pair_hit(bits, p, base + k)} << k;
  }
  return mask;
}

template <bool kFast>
std::size_t dispatch(const Detectors::Tables& t, const Text& text, std::size_t i, internal::Sink& sink) {
  if constexpr (kFast) {
    // The most common trigger in text without findings (ids, dates, versions,
    // hashes): a digit run no number shape starts with, passed over here
    // without a call; check_number would resume at its last digit too.
    if (internal::is_digit(text.p[i]) && internal::is_digit(text.p[i + 1])) {
      std::size_t run = 2 + internal::run_length(text, i + 2, text.n, internal::is_digit);
      if (!internal::number_may_start(text, i, run)) return i + run - 1;
    }
  }
  uint16_t fam = t.family[text.p[i] | (unsigned{text.p[i + 1]} << 8)];
  std::size_t resume = i + 1;
  auto run = [&](std::size_t r) { resume = std::max(resume, r); };
  if (fam & internal::kFamNumber) run(internal::check_number(text, i, sink));
  if (fam & internal::kFamAt) run(internal::check_at(text, i, sink));
  if ((fam & internal::kFamAssign) && (!kFast || key_may_name_secret(text, i))) {
    run(internal::check_assign(text, i, sink));
  }
  if (fam & internal::kFamToken) run(internal::check_token(text, i, sink));
  if (fam & internal::kFamJwt) run(internal::check_jwt(text, i, sink));
  if (fam & internal::kFamPem) run(internal::check_pem(text, i, sink));
  if (fam & internal::kFamHidden) run(internal::check_hidden(text, i, sink));
  if (fam & internal::kFamTag) run(internal::check_tag(text, i, sink));
  if (fam & internal::kFamPhrase) {
    internal::PhraseRegexes re{t.override_instructions.get(), t.conceal_from_user.get()};
    run(internal::check_phrase(text, i, re, sink));
  }
  return resume;
}

// Visits, in order, every trigger pair at or after where the previous
// validator said to resume (kFast: the narrowed table, by blocks; else the
// full table, pair by pair). The table is read 64 pair positions at a time
// into a bit mask, and the mask's set bits are visited in order, so a block
// with many triggers is read once, not once per trigger.
template <bool kFast>
void scan(const Detectors::Tables& t, std::string_view s, internal::Sink& sink) {
  Text text{reinterpret_cast<const unsigned char*>(s.data()), s.size()};
  if constexpr (!kFast) {
    // The reference: every pair position in turn, the full table.
    std::size_t i = 0;
    while (i + 1 < text.n && !sink.done) i = pair_hit(t.bits, text.p, i) ? dispatch<false>(t, text, i, sink) : i + 1;
    return;
  }
  const std::array<uint64_t, 1024>& bits = t.fast_bits;
  std::size_t pairs = text.n - 1;  // pair positions 0 .. n - 2 (n >= 2)
  std::size_t base = 0;
  while (base < pairs) {
    std::size_t count = std::min<std::size_t>(64, pairs - base);
    // Candidate positions: with SSE2, the vector superset (each candidate is
    // then looked up in the table); otherwise the table's own bits.
    uint64_t mask;
#if defined(__SSE2__)
    if (count == 64 && t.vector_pass) {
      mask = maybe_triggers64(text.p + base);  // reads up to p[base + 64], a pair's second byte
    } else {
      mask = hit_mask(bits, text.p, base, count);
    }
#else
    mask = hit_mask(bits, text.p, base, count);
#endif
    std::size_t next_base = base + 64;
    while (mask != 0) {
      std::size_t i = base + static_cast<std::size_t>(std::countr_zero(mask));
      if (!pair_hit(bits, text.p, i)) {
        mask &= mask - 1;
        continue;
      }
      std::size_t resume = dispatch<kFast>(t, text, i, sink);
      if (sink.done) return;
      if (resume >= base + 64) {
        next_base = resume;
        break;
      }
      mask &= ~uint64_t{0} << (resume - base);
    }
    base = next_base;
  }
}

}  // namespace

namespace internal {

void Sink::add(DetectorId id, Confidence c, std::size_t begin, std::size_t end) {
  const DetectorInfo& info = detector_info(id);
  if (!wants(info.kind) || c < min_confidence || begin >= end) return;
  out->push_back(Finding{id, info.kind, c, begin, end});
  if (stop_at_first) done = true;
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<uint32_t, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0.0;
  double n = static_cast<double>(s.size());
  for (uint32_t c : counts) {
    if (c == 0) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace internal

Detectors::Detectors() {
  auto t = std::make_unique<Tables>();
  add_number_triggers(*t);
  add_at_and_assign_triggers(*t);
  add_token_triggers(*t);
  add_hidden_and_instruction_triggers(*t);
  narrow(*t);
#if defined(__SSE2__)
  t->vector_pass = table_within_superset(*t);
  assert(t->vector_pass && "a trigger pair outside maybe_triggers16(): extend it");
#endif
  t->override_instructions = compile(kOverridePattern);
  t->conceal_from_user = compile(kConcealPattern);
  tables_ = std::move(t);
}

Detectors::~Detectors() = default;

const Detectors& Detectors::builtin() {
  static const Detectors instance;
  return instance;
}

namespace {

// Runs the pass and puts the new findings of `out` in order, one finding per
// span and kind: the most specific detector (the lowest id: vendor formats
// come before secret_assignment) is kept.
template <bool kFast>
void collect(const Detectors::Tables& t, std::string_view text, KindSet kinds, Confidence min_confidence,
             std::vector<Finding>& out) {
  if (kinds.empty() || text.size() < 2) return;
  std::size_t first = out.size();
  internal::Sink sink{kinds, min_confidence, &out};
  scan<kFast>(t, text, sink);
  auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  auto before = [](const Finding& a, const Finding& b) {
    return std::tie(a.begin, a.end, a.kind, a.detector) < std::tie(b.begin, b.end, b.kind, b.detector);
  };
  if (!std::is_sorted(begin, out.end(), before)) std::sort(begin, out.end(), before);  // usually found in order
  out.erase(std::unique(begin, out.end(),
                        [](const Finding& a, const Finding& b) {
                          return a.begin == b.begin && a.end == b.end && a.kind == b.kind;
                        }),
            out.end());
}

}  // namespace

void Detectors::find(std::string_view text, KindSet kinds, Confidence min_confidence,
                     std::vector<Finding>& out) const {
  collect<true>(*tables_, text, kinds, min_confidence, out);
}

std::vector<Finding> Detectors::find_unfiltered(std::string_view text, KindSet kinds,
                                                Confidence min_confidence) const {
  std::vector<Finding> out;
  collect<false>(*tables_, text, kinds, min_confidence, out);
  return out;
}

std::vector<Finding> Detectors::find(std::string_view text, KindSet kinds, Confidence min_confidence) const {
  std::vector<Finding> out;
  find(text, kinds, min_confidence, out);
  return out;
}

bool Detectors::contains(std::string_view text, KindSet kinds, Confidence min_confidence) const {
  if (kinds.empty() || text.size() < 2) return false;
  std::vector<Finding> out;
  internal::Sink sink{kinds, min_confidence, &out, true};
  scan<true>(*tables_, text, sink);
  return !out.empty();
}

}  // namespace mcp_warden::inspect
