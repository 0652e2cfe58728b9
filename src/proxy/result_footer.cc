#include "mcp_warden/proxy/result_footer.h"

#include "mcp_warden/rpc/reply.h"
#include "mcp_warden/trust/footer.h"

namespace mcp_warden::proxy {

using nlohmann::json;

bool flagged_as_error(const json& result) {
  auto it = result.find("isError");
  return it != result.end() && !(it->is_boolean() && !it->get<bool>());
}

std::string ResultFooter::text(const PendingRequest& request) const {
  return text_from(policy_.name(), request.reason, request);
}

std::string ResultFooter::text_from(std::string_view policy_name, std::string_view reason,
                                    const PendingRequest& request) const {
  std::string text;
  if (trust_ != nullptr) {
    text = trust::footer_text(policy_name, trust_->score(), request.audit_seq);
  } else {
    text = "\xF0\x9F\x94\x92 mcp-warden \xC2\xB7 policy ";
    text.append(policy_name);
    if (request.audit_seq >= 0) text += " \xC2\xB7 audit #" + std::to_string(request.audit_seq);
  }
  if (request.action == policy::Action::kWarn) text.append(" \xC2\xB7 warning: ").append(reason);
  return text;
}

// JSON escaping is per character, so the footer's JSON is its pieces
// escaped one by one: only the policy's name and a warning's reason can hold
// anything to escape, and the name's escaping is kept from call to call.
std::string ResultFooter::json_text(const PendingRequest& request) {
  const std::string& name = policy_.name();
  if (escaped_policy_name_.first != name || escaped_policy_name_.second.empty()) {
    const std::string quoted = rpc::dump_wire(name);
    escaped_policy_name_ = {name, quoted.substr(1, quoted.size() - 2)};
  }
  std::string reason;
  if (request.action == policy::Action::kWarn) {
    reason = rpc::dump_wire(request.reason);
    reason = reason.substr(1, reason.size() - 2);
  }
  return "\"" + text_from(escaped_policy_name_.second, reason, request) + "\"";
}

bool ResultFooter::splice_raw(const PendingRequest& request, const rpc::ResultLayout& layout, std::string& raw) {
  bool flagged = layout.result_is_object && layout.is_error_flagged;
  if (!enabled_ || !layout.result_is_object || flagged || !layout.content_end) return false;
  // {"text":…,"type":"text"} as dump_wire() writes the object, without building one.
  std::string item = "{\"text\":" + json_text(request) + ",\"type\":\"text\"}";
  raw.insert(*layout.content_end, layout.content_empty ? item : "," + item);
  return true;
}

bool ResultFooter::decorate(const PendingRequest& request, json& result) const {
  if (!result.is_object() || flagged_as_error(result)) return false;
  bool changed = false;
  if (request.action == policy::Action::kWarn) {
    json& meta = result["_meta"];
    if (meta.is_null()) meta = json::object();
    if (meta.is_object()) {
      json& mark = meta["mcp-warden"];  // may already list redactions
      if (!mark.is_object()) mark = json::object();
      mark["action"] = "warn";
      mark["reason"] = request.reason;
      mark["audit_seq"] = request.audit_seq;
      changed = true;
    }
  }
  auto content = result.find("content");
  if (enabled_ && content != result.end() && content->is_array()) {
    content->push_back(json{{"type", "text"}, {"text", text(request)}});
    changed = true;
  }
  return changed;
}

}  // namespace mcp_warden::proxy
