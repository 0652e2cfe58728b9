#include "mcp_warden/inspect/detectors.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <string_view>
#include <tuple>

#include <re2/re2.h>


#include "text_scan.h"
#include "vector_pass.h"

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
  // True when the vector pass (classify, candidates) marks every
  // pair of fast_bits it must, so only the pairs it marks are looked up.
  bool vector_pass = false;
#if defined(MW_VECTOR_PASS)
  // With vector_pass: the widest classifier the CPU has and the caller allows.
  internal::ClassifyFn classify = internal::classify_sse2;
#endif
  // The last two letters of the secret names (see key_may_name_secret).
  std::array<uint32_t, 26> name_ends{};
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

#if defined(MW_VECTOR_PASS)
using internal::BlockMasks;
using internal::ClassifyFn;

// The digit, separator and dot classes of the (up to) 16 bytes after a
// block, which the digit-run filter reads ahead (zero past the text).
struct Lookahead {
  uint64_t digit = 0;
  uint64_t sep = 0;
  uint64_t dot = 0;
};

inline Lookahead lookahead16(const Text& text, std::size_t at) {
  Lookahead l;
  if (at + 17 <= text.n) {
    BlockMasks m = internal::classify16_sse2(text.p + at);
    return {m.digit, m.sep, m.dot};
  }
  for (std::size_t k = 0; k < 16 && at + k < text.n; ++k) {
    unsigned char c = text.p[at + k];
    l.digit |= uint64_t{internal::is_digit(c)} << k;
    l.sep |= uint64_t{c == ' ' || c == '-'} << k;
    l.dot |= uint64_t{c == '.'} << k;
  }
  return l;
}

// Bits of `lo` (64 positions) followed by `hi`, moved so that bit s says
// what position s + k holds (0 < k < 64).
inline uint64_t ahead(uint64_t lo, uint64_t hi, unsigned k) { return (lo >> k) | (hi << (64 - k)); }

// The digit pairs of the block at `base` worth a call to check_number: the
// rule of digit_run_may_hold_number, for 64 positions at once.
inline uint64_t number_run_starts(const Text& text, std::size_t base, const BlockMasks& m, const Lookahead& next) {
  __extension__ using u128 = unsigned __int128;
  auto d = [&](unsigned k) { return ahead(m.digit, next.digit, k); };
  const uint64_t prev_digit = base >= 1 && internal::is_digit(text.p[base - 1]) ? 1 : 0;
  const uint64_t start = m.digit & ~((m.digit << 1) | prev_digit) & d(1);
  if (start == 0) return 0;
  const uint64_t upper_1 = (m.upper << 1) | (base >= 1 && internal::is_upper(text.p[base - 1]) ? 1 : 0);
  const uint64_t upper_2 = (upper_1 << 1) | (base >= 2 && internal::is_upper(text.p[base - 2]) ? 1 : 0);
  const uint64_t three = start & d(2);
  const uint64_t len3 = three & ~d(3) & ahead(m.sep | m.dot, next.sep | next.dot, 3) & d(4) & d(5);
  const uint64_t len4 = three & d(3) & ~d(4) & ahead(m.sep, next.sep, 4) & d(5) & d(6) & d(7) & d(8);
  const u128 x = m.digit | (u128{next.digit} << 64);
  const u128 x2 = x & (x >> 1);
  const u128 x4 = x2 & (x2 >> 2);
  const u128 x8 = x4 & (x4 >> 4);
  const uint64_t at_least_13 = static_cast<uint64_t>(x8 & (x4 >> 8) & (x >> 12));
  return start & ((upper_1 & upper_2) | len3 | len4 | at_least_13);
}

// The pairs of the block at `base` the pass looks up: `other`, '+' or '('
// before a digit, and the digit runs a number may start.
inline uint64_t candidates(const Text& text, std::size_t base, const BlockMasks& m, const Lookahead& next) {
  return m.other | (m.sign & ahead(m.digit, next.digit, 1)) | number_run_starts(text, base, m, next);
}

// True when candidates() over `classify` marks every pair of the narrowed
// table but two digits (a digit run is marked where a number may start), so
// the vector pass may look up only the pairs it marks.
bool table_within_superset(const Detectors::Tables& t, ClassifyFn classify) {
  std::array<unsigned char, 65> pair{};
  BlockMasks m;
  for (unsigned v = 0; v < 65536; ++v) {
    if (!((t.fast_bits[v >> 6] >> (v & 63)) & 1)) continue;
    pair[0] = static_cast<unsigned char>(v & 0xFF);
    pair[1] = static_cast<unsigned char>(v >> 8);
    if (internal::is_digit(pair[0]) && internal::is_digit(pair[1])) continue;
    Text text{pair.data(), pair.size()};
    classify(pair.data(), 1, &m);
    if (!(candidates(text, 0, m, Lookahead{}) & 1)) return false;
  }
  return true;
}

// The vector pass's masks for the text's full blocks (64 pair positions at a
// multiple of 64, the pair at base + 63 inside the text), classified up to
// kBatch blocks per call so the classifier's constants are set up once for
// them all.
class BlockBatch {
 public:
  BlockBatch(const Text& text, const Detectors::Tables& t) : text_(text), classify_(t.classify) {}

  // candidates() for the full block at `base`.
  uint64_t candidates_at(std::size_t base) {
    std::size_t j = base / 64;
    if (j < first_ || j >= first_ + count_) refill(j);
    Lookahead next;
    if (j + 1 < first_ + count_) {
      const BlockMasks& n = masks_[j + 1 - first_];
      next = {n.digit, n.sep, n.dot};
    } else {
      next = lookahead16(text_, base + 64);
    }
    return candidates(text_, base, masks_[j - first_], next);
  }

 private:
  static constexpr std::size_t kBatch = 8;

  void refill(std::size_t j) {
    first_ = j;
    count_ = std::min(kBatch, (text_.n - 65 - 64 * j) / 64 + 1);  // blocks with 64 k + 65 <= n
    classify_(text_.p + 64 * j, count_, masks_.data());
  }

  const Text& text_;
  ClassifyFn classify_;
  std::array<BlockMasks, kBatch> masks_;
  std::size_t first_ = 0;
  std::size_t count_ = 0;
};
#endif

// At an assignment pair whose separator is at i + 1: the key before it
// (spaces and one closing quote skipped, as check_assign reads it) must end
// in the last two letters of a secret name (name_ends), else check_assign
// would return i + 1 having found nothing.
bool key_may_name_secret(const Detectors::Tables& t, const Text& text, std::size_t i) {
  std::size_t e = i + 1;
  while (e > 0 && (text.p[e - 1] == ' ' || text.p[e - 1] == '\t')) --e;
  if (e > 0 && (text.p[e - 1] == '"' || text.p[e - 1] == '\'')) --e;
  if (e < 2) return false;
  unsigned char a = internal::to_lower(text.p[e - 2]);
  unsigned char b = internal::to_lower(text.p[e - 1]);
  return internal::is_lower(a) && internal::is_lower(b) && ((t.name_ends[b - 'a'] >> (a - 'a')) & 1);
}

// name_ends[y - 'a'] has bit x - 'a' when a secret name ends in "xy"; every
// name ends in two letters (names_secret compares lower-cased keys).
void add_name_ends(Detectors::Tables& t) {
  for (std::string_view name : internal::secret_names()) {
    unsigned char a = static_cast<unsigned char>(name[name.size() - 2]);
    unsigned char b = static_cast<unsigned char>(name.back());
    assert(internal::is_lower(a) && internal::is_lower(b));
    t.name_ends[b - 'a'] |= uint32_t{1} << (a - 'a');
  }
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
      if (!internal::digit_run_may_hold_number(text, i, run)) return i + run - 1;
    }
  }
  uint16_t fam = t.family[text.p[i] | (unsigned{text.p[i + 1]} << 8)];
  std::size_t resume = i + 1;
  auto run = [&](std::size_t r) { resume = std::max(resume, r); };
  if (fam & internal::kFamNumber) run(internal::check_number(text, i, sink));
  if (fam & internal::kFamAt) run(internal::check_at(text, i, sink));
  if ((fam & internal::kFamAssign) && (!kFast || key_may_name_secret(t, text, i))) {
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
#if defined(MW_VECTOR_PASS)
  BlockBatch batch(text, t);
#endif
  std::size_t pairs = text.n - 1;  // pair positions 0 .. n - 2 (n >= 2)
  std::size_t from = 0;            // where the previous validator said to resume
  while (from < pairs) {
    std::size_t base = from & ~std::size_t{63};
    std::size_t count = std::min<std::size_t>(64, pairs - base);
    // Candidate positions: the vector pass's marks (each is then looked up
    // in the table), or the table's own bits (the text's last block, or no
    // vector pass).
#if defined(MW_VECTOR_PASS)
    uint64_t mask = count == 64 && t.vector_pass ? batch.candidates_at(base) : hit_mask(bits, text.p, base, count);
#else
    uint64_t mask = hit_mask(bits, text.p, base, count);
#endif
    mask &= ~uint64_t{0} << (from - base);
    from = base + 64;
    while (mask != 0) {
      std::size_t i = base + static_cast<std::size_t>(std::countr_zero(mask));
      if (!pair_hit(bits, text.p, i)) {
        mask &= mask - 1;
        continue;
      }
      std::size_t resume = dispatch<kFast>(t, text, i, sink);
      if (sink.done) return;
      if (resume >= base + 64) {
        from = resume;
        break;
      }
      mask &= ~uint64_t{0} << (resume - base);
    }
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

namespace {

#if defined(MW_AVX2_PASS)
// The widest classifier the CPU has and `pass` allows, if the table is
// within its superset (else the SSE2 one stays).
void choose_classifier(Detectors::Tables& t, Detectors::VectorPass pass) {
  using VectorPass = Detectors::VectorPass;
  if (!t.vector_pass) return;
  if (pass == VectorPass::kWidest && internal::cpu_has_avx2()) {
    bool ok = table_within_superset(t, internal::classify_avx2);
    assert(ok && "a trigger pair outside classify_avx2(): extend its pair rules");
    if (ok) t.classify = internal::classify_avx2;
  } else if (pass != VectorPass::kBaseline && internal::cpu_has_ssse3()) {
    bool ok = table_within_superset(t, internal::classify_ssse3);
    assert(ok && "a trigger pair outside classify_ssse3(): extend its pair rules");
    if (ok) t.classify = internal::classify_ssse3;
  }
}
#endif

}  // namespace

Detectors::Detectors(VectorPass pass) {
  auto t = std::make_unique<Tables>();
  add_number_triggers(*t);
  add_at_and_assign_triggers(*t);
  add_token_triggers(*t);
  add_hidden_and_instruction_triggers(*t);
  narrow(*t);
  add_name_ends(*t);
#if defined(MW_VECTOR_PASS)
  t->vector_pass = table_within_superset(*t, internal::classify_sse2);
  assert(t->vector_pass && "a trigger pair outside classify_sse2(): extend it");
#if defined(MW_AVX2_PASS)
  choose_classifier(*t, pass);
#endif
#endif
  (void)pass;
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
