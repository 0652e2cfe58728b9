#include "mcp_warden/approval/question.h"

#include <array>

#include "mcp_warden/audit/redact.h"

namespace mcp_warden::approval {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxValueChars = 120;
constexpr std::size_t kMaxArgumentsChars = 800;
constexpr std::array<std::string_view, 10> kAnswerNames = {"allow_once", "allow_session", "deny",    "decline",
                                                           "cancel",     "malformed",     "client_error", "no_answer",
                                                           "timeout",    "withdrawn"};

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string shortened(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text.resize(limit);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();  // whole UTF-8
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return text + "…";
}

// "path = \"/tmp/a\", content = \"hi\"": each top-level argument, redacted and shortened.
std::string arguments_text(const json* arguments) {
  if (arguments == nullptr || arguments->is_null()) return "(none)";
  auto redacted = audit::redact_secrets(*arguments);
  if (!redacted) return "(not shown: they could not be redacted)";
  if (!redacted->is_object()) return shortened(dump(*redacted), kMaxArgumentsChars);
  std::string text;
  for (const auto& [key, value] : redacted->items()) {
    if (!text.empty()) text += ", ";
    text += key + " = " + shortened(dump(value), kMaxValueChars);
  }
  return text.empty() ? "(none)" : shortened(text, kMaxArgumentsChars);
}

template <typename Facts>
std::string trust_text(const Facts& facts) {
  if (!facts.trust_score) return "";
  return "\nTrust: " + std::to_string(*facts.trust_score) + "/1000" +
         (facts.trust_tier ? " (" + *facts.trust_tier + ")" : std::string());
}

json decision_field(const char* once, const char* session, const char* deny) {
  json choices = json::array({json{{"const", "once"}, {"title", once}},
                              json{{"const", "session"}, {"title", session}},
                              json{{"const", "deny"}, {"title", deny}}});
  return json{{"type", "string"}, {"title", "Your decision"}, {"oneOf", std::move(choices)}};
}

json form(std::string message, json field) {
  json schema = {{"type", "object"}, {"properties", {{"decision", std::move(field)}}}, {"required", {"decision"}}};
  return json{{"mode", "form"}, {"message", std::move(message)}, {"requestedSchema", std::move(schema)}};
}

// "2 email, 1 phone".
std::string found_text(const std::vector<std::pair<std::string, std::size_t>>& found) {
  std::string text;
  for (const auto& [kind, count] : found) {
    if (!text.empty()) text += ", ";
    text += std::to_string(count) + " " + kind;
  }
  return text.empty() ? "(nothing listed)" : text;
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Answer read_accept(const json& result) {
  auto content = result.find("content");
  if (content == result.end() || !content->is_object() || content->size() != 1) return Answer::kMalformed;
  std::string decision = string_at(*content, "decision");
  if (decision == "once") return Answer::kAllowOnce;
  if (decision == "session") return Answer::kAllowSession;
  if (decision == "deny") return Answer::kDenied;
  return Answer::kMalformed;
}

}  // namespace

json elicitation_params(const QuestionFacts& facts) {
  // Either direction: a request to the server, or one the server sends the client.
  std::string what = facts.method == "tools/call"
                         ? "server \"" + facts.server + "\" is asked to run the tool \"" + facts.subject + "\""
                         : "a " + facts.method + " request about \"" + facts.subject + "\" (server \"" +
                               facts.server + "\") waits for your decision";
  std::string message = "mcp-warden: " + what + ".\nArguments: " + arguments_text(facts.arguments) + trust_text(facts) +
                        "\nWhy you are asked: " + facts.reason + "\nAllow it?";
  return form(std::move(message), decision_field("Allow once", "Allow for this session", "Deny"));
}

// The rule's reason, naming the rule when the reason does not.
std::string rule_text(const ResultFacts& facts) {
  const std::string named = "response rule \"" + facts.rule + "\"";
  if (facts.reason.empty()) return named;
  if (facts.reason.find(named) != std::string::npos) return facts.reason;
  return facts.reason + " (" + named + ")";
}

json result_elicitation_params(const ResultFacts& facts) {
  std::string message = "mcp-warden: server \"" + facts.server + "\" answered " + facts.method + " \"" +
                        shortened(facts.subject, kMaxValueChars) + "\", and the answer holds " + found_text(facts.found) +
                        " (values not shown)." + trust_text(facts) + "\nWhy you are asked: " + rule_text(facts) +
                        "\nDeliver the answer to the assistant?";
  return form(std::move(message),
              decision_field("Deliver it", "Deliver this tool's answers for this session", "Withhold it"));
}

std::string_view answer_name(Answer answer) { return kAnswerNames.at(static_cast<std::size_t>(answer)); }

bool approves(Answer answer) { return answer == Answer::kAllowOnce || answer == Answer::kAllowSession; }

Answer read_answer(const json& response) {
  if (!response.is_object()) return Answer::kMalformed;
  if (response.contains("error")) return Answer::kClientError;
  auto result = response.find("result");
  if (result == response.end() || !result->is_object()) return Answer::kMalformed;
  std::string action = string_at(*result, "action");
  if (action == "accept") return read_accept(*result);
  if (action == "decline") return Answer::kDeclined;
  if (action == "cancel") return Answer::kCancelled;
  return Answer::kMalformed;
}

}  // namespace mcp_warden::approval
