#include "arg_loader.h"

#include <utility>

#include "path_roles.h"
#include "yaml_util.h"

namespace mcp_warden::policy::internal {
namespace {

struct OpName { const char* key; ArgOp op; };
constexpr OpName kOps[] = {
    {"equals", ArgOp::kEquals}, {"in", ArgOp::kIn}, {"glob", ArgOp::kGlob},
    {"regex", ArgOp::kRegex}, {"prefix", ArgOp::kPrefix}, {"under", ArgOp::kUnder},
    {"path_glob", ArgOp::kPathGlob}, {"max_length", ArgOp::kMaxLength},
    {"gt", ArgOp::kGt}, {"lt", ArgOp::kLt}};

// RFC 6901: "" or "/"-separated tokens with ~1 for '/' and ~0 for '~'.
bool split_json_pointer(const std::string& text, std::vector<std::string>* tokens) {
  if (!text.empty() && text.front() != '/') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '/') {
      tokens->emplace_back();
    } else if (text[i] != '~') {
      tokens->back().push_back(text[i]);
    } else if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      tokens->back().push_back(text[++i] == '0' ? '~' : '/');
    } else {
      return false;
    }
  }
  return true;
}

Status read_path(const std::string& origin, const YAML::Node& node, ArgCondition* cond) {
  if (!node["path"]) return error_at(origin, node, "argument condition has no path");
  Result<std::string> path = read_string(origin, node["path"], "path");
  if (!path.is_ok()) return path.status();
  cond->path_text = *path;
  if (*path == "*") {
    cond->any_string = true;
    return Status::ok();
  }
  if (!split_json_pointer(*path, &cond->pointer)) {
    return error_at(origin, node["path"], "path \"" + *path + "\" is not \"*\" or a JSON Pointer (e.g. /path)");
  }
  return Status::ok();
}

// Finds the single operator key of `node`.
Result<OpName> find_op(const std::string& origin, const YAML::Node& node) {
  std::optional<OpName> found;
  for (const OpName& op : kOps) {
    if (!node[op.key]) continue;
    if (found) {
      return error_at(origin, node, std::string("argument condition has two operators (") +
                                        found->key + " and " + op.key + "); use two conditions");
    }
    found = op;
  }
  if (!found) {
    return error_at(origin, node, "argument condition has no operator (equals, in, glob, regex, "
                                  "prefix, under, path_glob, max_length, gt or lt)");
  }
  return *found;
}

Status read_number(const std::string& origin, const YAML::Node& node, const char* key,
                   ArgCondition* cond) {
  nlohmann::json value = node.IsScalar() ? yaml_to_json(node) : nlohmann::json();
  if (!value.is_number()) return error_at(origin, node, std::string(key) + " must be a number");
  cond->number = value.get<double>();
  if (cond->op == ArgOp::kMaxLength && cond->number < 0) {
    return error_at(origin, node, "max_length must not be negative");
  }
  return Status::ok();
}

Status read_regex(const std::string& origin, const YAML::Node& node, ArgCondition* cond) {
  Result<std::string> text = read_string(origin, node, "regex");
  if (!text.is_ok()) return text.status();
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<RE2>(*text, options);
  if (!re->ok()) {
    return error_at(origin, node, "invalid RE2 regex \"" + *text + "\": " + re->error());
  }
  cond->regex = std::move(re);
  return Status::ok();
}

Status read_patterns(const std::string& origin, const YAML::Node& node,
                     const PathNormalizer& normalizer, ArgCondition* cond) {
  Result<std::vector<std::string>> list = read_string_list(origin, node, "path_glob");
  if (!list.is_ok()) return list.status();
  for (const std::string& text : *list) {
    Result<PathPattern> pattern = PathPattern::parse(text, normalizer.case_insensitive());
    if (!pattern.is_ok()) return error_at(origin, node, pattern.status().message());
    cond->patterns.add(std::move(pattern).value());
    cond->texts.push_back(text);  // for Policy::secret_path_globs()
    std::string example = representative_path(text);
    cond->examples.push_back(normalizer.case_insensitive() ? fold_case(example) : example);
  }
  return Status::ok();
}

// `under:` directories are expanded (~, $HOME, file://) and normalised now.
Status read_under(const std::string& origin, const YAML::Node& node,
                  const PathNormalizer& normalizer, ArgCondition* cond) {
  Result<std::vector<std::string>> list = read_string_list(origin, node, "under");
  if (!list.is_ok()) return list.status();
  for (const std::string& text : *list) {
    std::string dir = lexically_normal(normalizer.expand(text));
    if (dir.empty() || dir.front() != '/') {
      return error_at(origin, node, "under \"" + text + "\" must be an absolute path (or start with ~)");
    }
    cond->texts.push_back(normalizer.case_insensitive() ? fold_case(dir) : dir);
  }
  return Status::ok();
}

Status read_values(const std::string& origin, const YAML::Node& node, ArgCondition* cond) {
  if (cond->op == ArgOp::kEquals) {
    cond->values = nlohmann::json::array({yaml_to_json(node)});
    return Status::ok();
  }
  if (!node.IsSequence()) return error_at(origin, node, "in must be a list of values");
  cond->values = yaml_to_json(node);
  return Status::ok();
}

Status read_operand(const std::string& origin, const YAML::Node& node,
                    const PathNormalizer& normalizer, ArgCondition* cond) {
  switch (cond->op) {
    case ArgOp::kEquals:
    case ArgOp::kIn: return read_values(origin, node, cond);
    case ArgOp::kRegex: return read_regex(origin, node, cond);
    case ArgOp::kPathGlob: return read_patterns(origin, node, normalizer, cond);
    case ArgOp::kUnder: return read_under(origin, node, normalizer, cond);
    case ArgOp::kMaxLength:
    case ArgOp::kGt:
    case ArgOp::kLt: return read_number(origin, node, cond->op == ArgOp::kGt ? "gt" : cond->op == ArgOp::kLt ? "lt" : "max_length", cond);
    case ArgOp::kGlob:
    case ArgOp::kPrefix: break;
  }
  Result<std::vector<std::string>> list =
      read_string_list(origin, node, cond->op == ArgOp::kGlob ? "glob" : "prefix");
  if (!list.is_ok()) return list.status();
  cond->texts = std::move(list).value();
  if (cond->op == ArgOp::kGlob) cond->globs = make_globs(cond->texts);
  return Status::ok();
}

Result<ArgCondition> parse_arg_condition(const std::string& origin, const YAML::Node& node,
                                         const PathNormalizer& normalizer) {
  Status s = check_keys(origin, node, "argument condition",
                        {"path", "not", "equals", "in", "glob", "regex", "prefix", "under",
                         "path_glob", "max_length", "gt", "lt"});
  ArgCondition cond;
  if (s.is_ok()) s = read_path(origin, node, &cond);
  if (!s.is_ok()) return s;
  Result<OpName> op = find_op(origin, node);
  if (!op.is_ok()) return op.status();
  cond.op = op->op;
  s = read_operand(origin, node[op->key], normalizer, &cond);
  if (s.is_ok() && node["not"]) {
    Result<bool> negate = read_bool(origin, node["not"], "not");
    if (!negate.is_ok()) return negate.status();
    cond.negate = *negate;
  }
  if (!s.is_ok()) return s;
  return cond;
}

}  // namespace

Status parse_arg_conditions(const std::string& origin, const YAML::Node& node,
                            const PathNormalizer& normalizer, std::vector<ArgCondition>* out) {
  if (!node.IsSequence()) return error_at(origin, node, "args must be a list of conditions");
  for (const auto& item : node) {
    Result<ArgCondition> cond = parse_arg_condition(origin, item, normalizer);
    if (!cond.is_ok()) return cond.status();
    out->push_back(std::move(cond).value());
  }
  return Status::ok();
}

}  // namespace mcp_warden::policy::internal
