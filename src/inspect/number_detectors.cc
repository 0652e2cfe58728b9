// Numbers: payment cards, US SSNs, phone numbers, IBANs.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "text_scan.h"

namespace mcp_warden::inspect::internal {
namespace {

using D = DetectorId;
using C = Confidence;

// A number must not continue a longer token: no letter or digit around it,
// and no "1." / "-2" joining it to another number (versions, dates, ids).
bool number_starts(const Text& t, std::size_t b) {
  unsigned char c = t.before(b);
  if (is_alnum(c) || c == '_') return false;
  if ((c == '.' || c == '-' || c == '/' || c == ':') && b >= 2 && is_alnum(t.p[b - 2])) return false;
  return true;
}
bool number_ends(const Text& t, std::size_t e) {
  unsigned char c = t.at(e);
  if (is_alnum(c) || c == '_') return false;
  if ((c == '.' || c == '-' || c == '/' || c == ':') && is_alnum(t.at(e + 1))) return false;
  return true;
}

// Digit groups from `b`, separated by one `sep` (or none): the digits, the
// group lengths, and the end.
struct Groups {
  std::array<char, 48> buf;  // at most max_digits (19) + one group of 20
  std::size_t len = 0;
  std::array<std::size_t, 8> sizes{};
  std::size_t count = 0;
  std::size_t end = 0;
  unsigned char sep = 0;
  std::string_view digits() const { return {buf.data(), len}; }
};

Groups read_groups(const Text& t, std::size_t b, std::size_t max_digits) {
  Groups g;
  std::size_t k = b;
  while (g.count < g.sizes.size()) {
    std::size_t len = run_length(t, k, max_digits + 1, is_digit);
    if (len == 0) break;
    std::copy_n(t.p + k, len, g.buf.begin() + static_cast<std::ptrdiff_t>(g.len));
    g.len += len;
    g.sizes[g.count++] = len;
    k += len;
    g.end = k;
    if (g.len > max_digits) break;
    unsigned char c = t.at(k);
    bool sep_ok = (c == ' ' || c == '-' || c == '.') && (g.sep == 0 || g.sep == c) && is_digit(t.at(k + 1));
    if (!sep_ok) break;
    g.sep = c;
    ++k;
  }
  return g;
}

// ---- payment cards --------------------------------------------------------

bool card_grouping_ok(const Groups& g) {
  if (g.count == 1) return true;
  if (g.sep == '.') return false;
  auto is = [&](std::initializer_list<std::size_t> want) {
    return want.size() == g.count && std::equal(want.begin(), want.end(), g.sizes.begin());
  };
  return is({4, 4, 4, 4}) || is({4, 4, 4, 4, 3}) || is({4, 6, 5}) || is({4, 6, 4}) || is({4, 4, 5}) ||
         is({4, 4, 4, 1}) || is({4, 4, 4, 2}) || is({4, 4, 4, 3});
}

std::size_t try_card(const Text& t, std::size_t b, Sink& sink) {
  Groups g = read_groups(t, b, 19);
  std::size_t n = g.len;
  if (n < 13 || n > 19 || !card_grouping_ok(g) || !number_ends(t, g.end)) return 0;
  if (!card_issuer_known(g.digits()) || !luhn_valid(g.digits())) return 0;
  sink.add(D::kPaymentCard, C::kHigh, b, g.end);
  return g.end;
}

// ---- SSN ------------------------------------------------------------------

int number_at(const Text& t, std::size_t b, std::size_t len) {
  int v = 0;
  for (std::size_t k = 0; k < len; ++k) v = v * 10 + (t.p[b + k] - '0');
  return v;
}

bool ssn_issuable(int area, int group, int serial) {
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  // Numbers published as examples and voided by the SSA.
  if ((area == 78 && group == 5 && serial == 1120) || (area == 219 && group == 9 && serial == 9999)) return false;
  return !(area == 123 && group == 45 && serial == 6789);
}

bool ssn_context_before(const Text& t, std::size_t b) {
  std::size_t from = b > 40 ? b - 40 : 0;
  std::string low;
  for (std::size_t k = from; k < b; ++k) low.push_back(static_cast<char>(to_lower(t.p[k])));
  return low.find("ssn") != std::string::npos || low.find("social security") != std::string::npos ||
         low.find("social-security") != std::string::npos;
}

std::size_t try_ssn(const Text& t, std::size_t b, Sink& sink) {
  Groups g = read_groups(t, b, 9);
  if (g.count != 3 || g.sizes[0] != 3 || g.sizes[1] != 2 || g.sizes[2] != 4 || g.sep == '.') return 0;
  if (!number_ends(t, g.end)) return 0;
  if (!ssn_issuable(number_at(t, b, 3), number_at(t, b + 4, 2), number_at(t, b + 7, 4))) return 0;
  bool context = ssn_context_before(t, b);
  C c = context ? C::kHigh : (g.sep == '-' ? C::kMedium : C::kLow);
  sink.add(D::kSsn, c, b, g.end);
  return g.end;
}

// ---- phone numbers ---------------------------------------------------------

// "+CC ..." (E.164: 8 to 15 digits in groups of 1 to 8, separated by one
// space, '-' or '.', the first group possibly in parentheses).
std::size_t try_international(const Text& t, std::size_t b, Sink& sink) {
  if (t.at(b) != '+' || !number_starts(t, b)) return 0;
  std::size_t k = b + 1;
  std::size_t digits = 0;
  std::size_t groups = 0;
  while (true) {
    bool paren = t.at(k) == '(';
    if (paren) ++k;
    std::size_t len = run_length(t, k, 9, is_digit);
    if (len == 0 || len > 8 || (paren && t.at(k + len) != ')')) break;
    digits += len;
    ++groups;
    k += len + (paren ? 1 : 0);
    unsigned char c = t.at(k);
    bool more = (c == ' ' || c == '-' || c == '.') && (is_digit(t.at(k + 1)) || t.at(k + 1) == '(');
    if (!more) break;
    ++k;
  }
  if (digits < 8 || digits > 15 || groups < 2 || t.at(b + 1) == '0' || !number_ends(t, k)) return 0;
  sink.add(D::kPhone, C::kMedium, b, k);
  return k;
}

// North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, NXX.NXX.XXXX, with an
// optional leading "1-"/"1 "/"+1 ".
std::size_t try_nanp(const Text& t, std::size_t b, Sink& sink) {
  std::size_t k = b;
  bool paren = t.at(k) == '(';
  if (paren) ++k;
  if (run_length(t, k, 4, is_digit) != 3 || t.at(k) < '2') return 0;
  std::size_t area_end = k + 3;
  k = area_end;
  unsigned char sep1;
  if (paren) {
    if (t.at(k) != ')') return 0;
    ++k;
    if (t.at(k) == ' ') ++k;
    sep1 = '-';
  } else {
    sep1 = t.at(k);
    if (sep1 != '-' && sep1 != '.' && sep1 != ' ') return 0;
    ++k;
  }
  if (run_length(t, k, 4, is_digit) != 3 || t.at(k) < '2') return 0;
  k += 3;
  if (t.at(k) != sep1 && !(paren && t.at(k) == '-')) return 0;
  ++k;
  if (run_length(t, k, 5, is_digit) != 4 || !number_ends(t, k + 4)) return 0;
  std::size_t begin = b;
  if (b >= 2 && t.p[b - 2] == '1' && (t.p[b - 1] == '-' || t.p[b - 1] == ' ' || t.p[b - 1] == '.')) {
    begin = b - 2;
    if (begin >= 1 && t.p[begin - 1] == '+') --begin;
  }
  if (!number_starts(t, begin)) return 0;
  C c = (sep1 == ' ' && !paren) ? C::kLow : C::kMedium;
  sink.add(D::kPhone, c, begin, k + 4);
  return k + 4;
}

// ---- IBAN -----------------------------------------------------------------

struct IbanCountry {
  char code[3];
  uint8_t length;
};
constexpr std::array<IbanCountry, 54> kIbanCountries = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
    {"BR", 29}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18},
    {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30},
    {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31},
    {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24},
}};

std::size_t iban_length(unsigned char a, unsigned char b) {
  for (const IbanCountry& c : kIbanCountries) {
    if (c.code[0] == a && c.code[1] == b) return c.length;
  }
  return 0;
}

// Reads an IBAN at `b` (country letters), compact or in groups of four
// separated by single spaces.
std::size_t try_iban(const Text& t, std::size_t b, Sink& sink) {
  std::size_t want = iban_length(t.at(b), t.at(b + 1));
  if (want == 0 || !is_digit(t.at(b + 2)) || !is_digit(t.at(b + 3)) || !number_starts(t, b)) return 0;
  std::string compact;
  std::size_t k = b;
  while (compact.size() < want && k < t.n) {
    unsigned char c = t.p[k];
    if (is_upper(c) || is_digit(c)) {
      compact.push_back(static_cast<char>(c));
      ++k;
    } else if (c == ' ' && compact.size() % 4 == 0 && (is_upper(t.at(k + 1)) || is_digit(t.at(k + 1)))) {
      ++k;
    } else {
      break;
    }
  }
  if (compact.size() != want || is_alnum(t.at(k)) || !iban_valid(compact)) return 0;
  sink.add(D::kIban, C::kHigh, b, k);
  return k;
}

}  // namespace

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (std::size_t k = digits.size(); k-- > 0;) {
    int d = digits[k] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool card_issuer_known(std::string_view d) {
  auto prefix = [&](std::size_t len) { return std::stoi(std::string(d.substr(0, len))); };
  std::size_t n = d.size();
  int p1 = d[0] - '0';
  int p2 = prefix(2);
  int p3 = prefix(3);
  int p4 = prefix(4);
  int p6 = prefix(6);
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                                   // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;          // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                           // American Express
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 && n <= 19;                                                        // Discover
  }
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14 && n <= 19;  // Diners
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;                            // JCB
  if (p2 == 62) return n >= 16 && n <= 19;                                            // UnionPay
  if (p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 || p4 == 6761 ||
      p4 == 6762 || p4 == 6763) {
    return n >= 12 && n <= 19;                                                        // Maestro
  }
  return false;
}

bool iban_valid(std::string_view compact) {
  if (compact.size() < 15 || compact.size() > 34) return false;
  std::string moved = std::string(compact.substr(4)) + std::string(compact.substr(0, 4));
  int rem = 0;
  for (char ch : moved) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (is_upper(c)) {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

// At two digits, "+d" or "(d": the number that starts here (or, for an IBAN,
// two letters earlier). Resumes after a finding, else after the digit run.
// The length of the first digit run decides which shapes can start here
// (number_may_start), so a run no shape can begin with is passed over without
// reading it again.
std::size_t check_number(const Text& t, std::size_t i, Sink& sink) {
  std::size_t b = i;
  bool marked = t.p[i] == '+' || t.p[i] == '(';
  std::size_t first_run = run_length(t, i + (marked ? 1 : 0), t.n, is_digit);
  // Without a finding, resume on the run's last digit, so a pair it starts
  // ("2=" in "secret2=...") is still looked at.
  std::size_t run_end = std::max(i + 1, i + (marked ? 1 : 0) + first_run - 1);
  if (marked) {
    if (sink.wants(Kind::kPhone)) {
      if (std::size_t e = t.p[i] == '+' ? try_international(t, b, sink) : try_nanp(t, b, sink)) return e;
    }
    return run_end;
  }
  if (!number_may_start(t, b, first_run)) return run_end;
  if (b >= 2 && is_upper(t.p[b - 2]) && is_upper(t.p[b - 1]) && sink.wants(Kind::kIban)) {
    if (std::size_t e = try_iban(t, b - 2, sink)) return e;
  }
  bool three = first_run == 3;
  bool card_start = first_run == 4 || (first_run >= 13 && first_run <= 19);
  if (!three && !card_start) return run_end;
  if (!number_starts(t, b)) {
    std::size_t e = three && sink.wants(Kind::kPhone) ? try_nanp(t, b, sink) : 0;  // "1-800-..."
    return e ? e : run_end;
  }
  if (card_start && sink.wants(Kind::kPaymentCard)) {
    if (std::size_t e = try_card(t, b, sink)) return e;
  }
  if (three && sink.wants(Kind::kSsn)) {
    if (std::size_t e = try_ssn(t, b, sink)) return e;
  }
  if (three && sink.wants(Kind::kPhone)) {
    if (std::size_t e = try_nanp(t, b, sink)) return e;
  }
  return run_end;
}

}  // namespace mcp_warden::inspect::internal
