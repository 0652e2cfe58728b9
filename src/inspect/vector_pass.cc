#include "vector_pass.h"

#if defined(MW_VECTOR_PASS)

#include <immintrin.h>

#include <array>

namespace mcp_warden::inspect::internal {
namespace {

// ---- SSE2: a compare per byte value ---------------------------------------

// The 16 pairs at p .. p + 15 (reads p[0 .. 16]) into bits shift .. shift +
// 15 of `m`. `other` marks: a lower-case letter before '_', '-' or '.' (the
// vendor anchors: "p_" of ghp_, "k-" of sk-, "s." of hooks.), a key-final
// letter (d e s t y n r, either case), a quote, a space or a tab before '='
// or ':' (assignments), '@', '<', "-B", a lead byte of an invisible code
// point (>= 0xE1), "AK"/"AS"/"AI", "yJ", and the phrase anchors gn, sr, rg,
// rr, us in either case.
void classify16(const unsigned char* p, unsigned shift, BlockMasks& m) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  auto either = [](__m128i x, __m128i y) { return _mm_or_si128(x, y); };
  auto both = [](__m128i x, __m128i y) { return _mm_and_si128(x, y); };
  // lo <= v < lo + len, as one signed compare of v - lo biased by 0x80.
  auto range = [](__m128i v, char lo, char len) {
    __m128i biased = _mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8(lo)), _mm_set1_epi8(static_cast<char>(0x80)));
    return _mm_cmplt_epi8(biased, _mm_set1_epi8(static_cast<char>(0x80 + len)));
  };
  auto bits = [shift](__m128i v) { return uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(v))} << shift; };
  const __m128i la = _mm_or_si128(a, _mm_set1_epi8(0x20));
  const __m128i lb = _mm_or_si128(b, _mm_set1_epi8(0x20));
  const __m128i space_a = eq(a, ' ');
  const __m128i dash_a = eq(a, '-');
  const __m128i s_a = eq(la, 's');
  const __m128i r_a = eq(la, 'r');
  __m128i o = both(range(a, 'a', 26), either(either(eq(b, '_'), eq(b, '-')), eq(b, '.')));
  __m128i key_final = either(either(either(eq(la, 'd'), eq(la, 'e')), either(s_a, eq(la, 't'))),
                             either(either(eq(la, 'y'), eq(la, 'n')), r_a));
  __m128i key_end = either(key_final, either(either(eq(a, '"'), eq(a, '\'')), either(space_a, eq(a, '\t'))));
  o = either(o, both(key_end, either(eq(b, '='), eq(b, ':'))));
  o = either(o, either(either(eq(a, '@'), eq(a, '<')), both(dash_a, eq(b, 'B'))));
  // a >= 0xE1: as signed bytes, -32 < a < 0.
  o = either(o, both(_mm_cmpgt_epi8(a, _mm_set1_epi8(-32)), _mm_cmplt_epi8(a, _mm_setzero_si128())));
  o = either(o, both(eq(a, 'A'), either(either(eq(b, 'K'), eq(b, 'S')), eq(b, 'I'))));
  o = either(o, both(eq(a, 'y'), eq(b, 'J')));
  __m128i phrase = either(both(eq(la, 'g'), eq(lb, 'n')), both(s_a, eq(lb, 'r')));
  phrase = either(phrase, either(both(r_a, either(eq(lb, 'g'), eq(lb, 'r'))), both(eq(la, 'u'), eq(lb, 's'))));
  m.other |= bits(either(o, phrase));
  m.sign |= bits(either(eq(a, '+'), eq(a, '(')));
  m.digit |= bits(range(a, '0', 10));
  m.upper |= bits(range(a, 'A', 26));
  m.sep |= bits(either(space_a, dash_a));
  m.dot |= bits(eq(a, '.'));
}

#if defined(MW_AVX2_PASS)

// ---- AVX2 and SSSE3: classes by nibble lookup -----------------------------
//
// Each byte gets a class byte from two 16-entry tables, one indexed by its
// low nibble and one by its high nibble, ANDed (the "shufti" technique): bit
// k is set for every byte whose low nibble and high nibble both occur in the
// set rule k lists, a superset of that set. One pair of tables classifies
// the first byte of a pair, another the second; a pair is marked when the two
// class bytes share a bit.

struct PairRule {
  const char* first;
  const char* second;
};

// One bit each: vendor anchors before '_', before '-' or '.'; assignment
// keys; "-B", "AK" "AS" "AI", "yJ"; the phrase anchors gn, sr, r{g,r}, us.
constexpr std::array<PairRule, 8> kPairRules = {{
    {"pousrbkcmf", "_"},
    {"tbparseik", "-."},
    {"destynrDESTYNR\"' \t", "=:"},
    {"-Ay", "BKSIJ"},
    {"gG", "nN"},
    {"sS", "rR"},
    {"rR", "gGrR"},
    {"uU", "sS"},
}};

struct NibbleTables {
  alignas(32) std::array<unsigned char, 32> first_low{};
  alignas(32) std::array<unsigned char, 32> first_high{};
  alignas(32) std::array<unsigned char, 32> second_low{};
  alignas(32) std::array<unsigned char, 32> second_high{};
};

constexpr NibbleTables kNibbles = [] {
  NibbleTables t;
  auto add = [](std::array<unsigned char, 32>& low, std::array<unsigned char, 32>& high, const char* set,
                unsigned char bit) {
    for (const char* c = set; *c != 0; ++c) {
      unsigned char u = static_cast<unsigned char>(*c);
      for (unsigned lane = 0; lane < 32; lane += 16) {  // the same table in both 128-bit lanes
        low[lane + (u & 15)] |= bit;
        high[lane + (u >> 4)] |= bit;
      }
    }
  };
  for (std::size_t k = 0; k < kPairRules.size(); ++k) {
    unsigned char bit = static_cast<unsigned char>(1u << k);
    add(t.first_low, t.first_high, kPairRules[k].first, bit);
    add(t.second_low, t.second_high, kPairRules[k].second, bit);
  }
  return t;
}();

__attribute__((target("avx2"))) inline __m256i load32(const unsigned char* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

__attribute__((target("avx2"))) inline __m256i nibble_classes(__m256i v, __m256i low_table, __m256i high_table) {
  const __m256i low_nibbles = _mm256_set1_epi8(0x0F);
  __m256i low = _mm256_and_si256(v, low_nibbles);
  __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibbles);
  return _mm256_and_si256(_mm256_shuffle_epi8(low_table, low), _mm256_shuffle_epi8(high_table, high));
}

__attribute__((target("avx2"))) inline __m256i eq(__m256i v, char c) {
  return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c));
}

__attribute__((target("avx2"))) inline uint64_t bits32(__m256i v, unsigned shift) {
  return uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(v))} << shift;
}

// The 32 pairs at p .. p + 31 (reads p[0 .. 32]) into bits shift .. shift +
// 31 of `m`: the pair rules, and '@', '<' and the lead bytes >= 0xE1 before
// anything, by compare.
__attribute__((target("avx2"))) inline void classify32(const unsigned char* p, unsigned shift, BlockMasks& m) {
  const __m256i a = load32(p);
  const __m256i b = load32(p + 1);
  const __m256i first = nibble_classes(a, load32(kNibbles.first_low.data()), load32(kNibbles.first_high.data()));
  const __m256i second = nibble_classes(b, load32(kNibbles.second_low.data()), load32(kNibbles.second_high.data()));
  const __m256i no_rule = _mm256_cmpeq_epi8(_mm256_and_si256(first, second), _mm256_setzero_si256());
  // a >= 0xE1: as signed bytes, -32 < a < 0.
  __m256i lead = _mm256_and_si256(_mm256_cmpgt_epi8(a, _mm256_set1_epi8(-32)),
                                  _mm256_cmpgt_epi8(_mm256_setzero_si256(), a));
  __m256i any_next = _mm256_or_si256(_mm256_or_si256(eq(a, '@'), eq(a, '<')), lead);
  m.other |= (bits32(no_rule, shift) ^ (uint64_t{0xFFFFFFFF} << shift)) | bits32(any_next, shift);
  const __m256i digit = _mm256_and_si256(_mm256_cmpgt_epi8(a, _mm256_set1_epi8('0' - 1)),
                                         _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), a));
  const __m256i upper = _mm256_and_si256(_mm256_cmpgt_epi8(a, _mm256_set1_epi8('A' - 1)),
                                         _mm256_cmpgt_epi8(_mm256_set1_epi8('Z' + 1), a));
  m.sign |= bits32(_mm256_or_si256(eq(a, '+'), eq(a, '(')), shift);
  m.digit |= bits32(digit, shift);
  m.upper |= bits32(upper, shift);
  m.sep |= bits32(_mm256_or_si256(eq(a, ' '), eq(a, '-')), shift);
  m.dot |= bits32(eq(a, '.'), shift);
}

// ---- SSSE3: the same nibble lookup, 16 bytes at a time --------------------

__attribute__((target("ssse3"))) inline __m128i nibble_classes16(__m128i v, const unsigned char* low_table,
                                                                  const unsigned char* high_table) {
  const __m128i low_nibbles = _mm_set1_epi8(0x0F);
  __m128i low = _mm_and_si128(v, low_nibbles);
  __m128i high = _mm_and_si128(_mm_srli_epi16(v, 4), low_nibbles);
  return _mm_and_si128(_mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(low_table)), low),
                       _mm_shuffle_epi8(_mm_load_si128(reinterpret_cast<const __m128i*>(high_table)), high));
}

// classify32() for the 16 pairs at p .. p + 15 (reads p[0 .. 16]).
__attribute__((target("ssse3"))) inline void classify16_nibbles(const unsigned char* p, unsigned shift,
                                                                 BlockMasks& m) {
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
  auto eq = [](__m128i v, char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
  auto bits = [shift](__m128i v) { return uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(v))} << shift; };
  const __m128i first = nibble_classes16(a, kNibbles.first_low.data(), kNibbles.first_high.data());
  const __m128i second = nibble_classes16(b, kNibbles.second_low.data(), kNibbles.second_high.data());
  const __m128i no_rule = _mm_cmpeq_epi8(_mm_and_si128(first, second), _mm_setzero_si128());
  // a >= 0xE1: as signed bytes, -32 < a < 0.
  __m128i lead = _mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8(-32)), _mm_cmplt_epi8(a, _mm_setzero_si128()));
  __m128i any_next = _mm_or_si128(_mm_or_si128(eq(a, '@'), eq(a, '<')), lead);
  m.other |= (bits(no_rule) ^ (uint64_t{0xFFFF} << shift)) | bits(any_next);
  m.sign |= bits(_mm_or_si128(eq(a, '+'), eq(a, '(')));
  m.digit |= bits(_mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(a, _mm_set1_epi8('9' + 1))));
  m.upper |= bits(_mm_and_si128(_mm_cmpgt_epi8(a, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(a, _mm_set1_epi8('Z' + 1))));
  m.sep |= bits(_mm_or_si128(eq(a, ' '), eq(a, '-')));
  m.dot |= bits(eq(a, '.'));
}

#endif

}  // namespace

BlockMasks classify16_sse2(const unsigned char* p) {
  BlockMasks m;
  classify16(p, 0, m);
  return m;
}

void classify_sse2(const unsigned char* p, std::size_t blocks, BlockMasks* out) {
  for (std::size_t j = 0; j < blocks; ++j, p += 64) {
    BlockMasks m;
    for (unsigned k = 0; k < 64; k += 16) classify16(p + k, k, m);
    out[j] = m;
  }
}

#if defined(MW_AVX2_PASS)
__attribute__((target("avx2"))) void classify_avx2(const unsigned char* p, std::size_t blocks, BlockMasks* out) {
  for (std::size_t j = 0; j < blocks; ++j, p += 64) {
    BlockMasks m;
    classify32(p, 0, m);
    classify32(p + 32, 32, m);
    out[j] = m;
  }
}

__attribute__((target("ssse3"))) void classify_ssse3(const unsigned char* p, std::size_t blocks,
                                                      BlockMasks* out) {
  for (std::size_t j = 0; j < blocks; ++j, p += 64) {
    BlockMasks m;
    for (unsigned k = 0; k < 64; k += 16) classify16_nibbles(p + k, k, m);
    out[j] = m;
  }
}

bool cpu_has_avx2() { return __builtin_cpu_supports("avx2"); }
bool cpu_has_ssse3() { return __builtin_cpu_supports("ssse3"); }
#endif

}  // namespace mcp_warden::inspect::internal

#endif
