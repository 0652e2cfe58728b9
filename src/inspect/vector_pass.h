// Internal to mcp_warden_inspect: the first pass's byte classification, 64
// bytes at a time, with SSE2 (the x86-64 baseline), or SSSE3 or AVX2 (chosen
// at run time where the CPU has them). The build sets no -march; only these
// functions are compiled for SSSE3 or AVX2, and they are called only after
// __builtin_cpu_supports() said the CPU has it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mcp_warden::inspect::internal {

// What the pass learns about the 64 bytes at p (bit k for p + k):
// `other`, a cheap superset of the narrowed trigger pairs at p + k that
// neither are two digits (number_candidates decides on those from `digit`,
// `upper`, `sep` and `dot`) nor start with '+' or '(' (`sign`: those are
// triggers before a digit). Every bit but `other`'s is exact.
struct BlockMasks {
  uint64_t other = 0;
  uint64_t sign = 0;   // '+' or '('
  uint64_t digit = 0;
  uint64_t upper = 0;
  uint64_t sep = 0;    // ' ' or '-'
  uint64_t dot = 0;
};

#if defined(__SSE2__) && defined(__SIZEOF_INT128__)
#define MW_VECTOR_PASS 1
// Classifies `blocks` blocks of 64 bytes from p into out[0 .. blocks - 1];
// reads p[0 .. 64 * blocks] (the last pair's second byte). Both return the
// same masks but `other`, a superset that table_within_superset() checks.
using ClassifyFn = void (*)(const unsigned char* p, std::size_t blocks, BlockMasks* out);
void classify_sse2(const unsigned char* p, std::size_t blocks, BlockMasks* out);
// The first 16 bits of one block's masks; reads p[0 .. 16].
BlockMasks classify16_sse2(const unsigned char* p);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MW_AVX2_PASS 1
void classify_avx2(const unsigned char* p, std::size_t blocks, BlockMasks* out);
void classify_ssse3(const unsigned char* p, std::size_t blocks, BlockMasks* out);
bool cpu_has_avx2();
bool cpu_has_ssse3();
#endif
#endif

}  // namespace mcp_warden::inspect::internal
