#include "mcp_warden/inspect/command.h"

#include <fstream>
#include <iostream>
#include <algorithm>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/detectors.h"
#include "mcp_warden/inspect/scan.h"

namespace mcp_warden::inspect {
namespace {

using nlohmann::json;

struct Located {
  Finding finding;
  std::string where;
  std::string preview;
};

bool parse_kinds(const std::string& list, KindSet* out, std::ostream& err) {
  if (list.empty()) {
    *out = KindSet::all();
    return true;
  }
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name == "personal_data") {
      for (Kind k : {Kind::kSsn, Kind::kIban, Kind::kEmail, Kind::kPhone}) out->add(k);
      continue;
    }
    std::optional<Kind> kind = parse_kind(name);
    if (!kind) {
      err << "mcp-warden inspect: unknown kind \"" << name
          << "\" (secret, payment_card, ssn, iban, email, phone, hidden_instruction, personal_data)\n";
      return false;
    }
    out->add(*kind);
  }
  return true;
}

bool read_input(const std::string& path, std::istream& in, std::string* text, std::ostream& err) {
  if (path == "-") {
    text->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    err << "mcp-warden inspect: cannot read " << path << "\n";
    return false;
  }
  text->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return true;
}

std::string line_column(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t k = 0; k < offset && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++line;
      line_start = k + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(offset - line_start + 1);
}

std::vector<Located> inspect_text(const std::string& text, KindSet kinds, Confidence min) {
  std::vector<Located> out;
  for (const Finding& f : Detectors::builtin().find(text, kinds, min)) {
    out.push_back({f, line_column(text, f.begin), masked_preview(std::string_view(text).substr(f.begin, f.size()))});
  }
  return out;
}

// The string an occurrence was found in (the key itself for a key).
std::string_view occurrence_text(const json& doc, const Occurrence& o) {
  if (!o.in_key) return doc.at(json::json_pointer(o.where)).get_ref<const std::string&>();
  std::size_t slash = o.where.rfind('/');
  const json& parent = doc.at(json::json_pointer(o.where.substr(0, slash)));
  for (auto it = parent.begin(); it != parent.end(); ++it) {
    json::json_pointer member(o.where);
    if (json::json_pointer(o.where.substr(0, slash)) / it.key() == member) return it.key();
  }
  return {};
}

std::vector<Located> inspect_json(const json& doc, KindSet kinds, Confidence min) {
  ScanOptions options;
  options.kinds = kinds;
  options.min_confidence = min;
  options.max_occurrences = std::numeric_limits<std::size_t>::max();
  std::vector<Located> out;
  for (const Occurrence& o : scan(doc, Detectors::builtin(), options).occurrences) {
    std::string_view s = occurrence_text(doc, o);
    std::string preview = o.end <= s.size() ? masked_preview(s.substr(o.begin, o.end - o.begin)) : "";
    out.push_back({Finding{o.detector, o.kind, o.confidence, o.begin, o.end},
                   o.where + (o.in_key ? " (key)" : ""), preview});
  }
  return out;
}

void print_text(const std::vector<Located>& found, std::ostream& out) {
  for (const Located& l : found) {
    out << kind_name(l.finding.kind) << "\t" << detector_info(l.finding.detector).name << "\t" << l.where << "\t"
        << confidence_name(l.finding.confidence) << "\t" << l.preview << "\n";
  }
  out << found.size() << (found.size() == 1 ? " finding\n" : " findings\n");
}

void print_json(const std::vector<Located>& found, std::ostream& out) {
  json list = json::array();
  for (const Located& l : found) {
    list.push_back({{"kind", kind_name(l.finding.kind)},
                    {"detector", detector_info(l.finding.detector).name},
                    {"where", l.where},
                    {"confidence", confidence_name(l.finding.confidence)},
                    {"begin", l.finding.begin},
                    {"end", l.finding.end},
                    {"preview", l.preview}});
  }
  out << json{{"findings", list}, {"count", found.size()}}.dump(2, ' ', false, json::error_handler_t::replace)
      << "\n";
}

}  // namespace

std::string masked_preview(std::string_view value) {
  auto shown = [](char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x7F ? ch : '*';
  };
  std::string out;
  if (value.size() < 12) {
    out.assign(value.size(), '*');
  } else {
    for (char c : value.substr(0, 4)) out.push_back(shown(c));
    out.append(std::min<std::size_t>(value.size() - 6, 14), '*');
    for (char c : value.substr(value.size() - 2)) out.push_back(shown(c));
  }
  return out + " (" + std::to_string(value.size()) + ")";
}

int run_inspect_command(const InspectCommand& command, std::istream& in, std::ostream& out, std::ostream& err) {
  KindSet kinds;
  std::string text;
  if (!parse_kinds(command.kinds, &kinds, err) || !read_input(command.path, in, &text, err)) return 2;
  Confidence min = command.all ? Confidence::kLow : Confidence::kMedium;
  json doc = json::parse(text, nullptr, false);
  bool structured = !doc.is_discarded() && doc.is_structured();
  std::vector<Located> found = structured ? inspect_json(doc, kinds, min) : inspect_text(text, kinds, min);
  if (command.json) {
    print_json(found, out);
  } else {
    print_text(found, out);
  }
  return found.empty() ? 0 : 1;
}

}  // namespace mcp_warden::inspect
