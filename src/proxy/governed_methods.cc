#include "mcp_warden/proxy/governed_methods.h"

#include <array>

namespace mcp_warden::proxy {
namespace {

using audit::EntryKind;
constexpr Direction kIn = Direction::kClientToServer;
constexpr Direction kOut = Direction::kServerToClient;

constexpr std::array<MethodSpec, 12> kMethods = {{
    {GovernedMethod::kToolsCall, "tools/call", kIn, SubjectKind::kToolName, CatalogKind::kTools,
     EntryKind::kToolCall, EntryKind::kToolResult},
    {GovernedMethod::kResourcesRead, "resources/read", kIn, SubjectKind::kResourceUri, CatalogKind::kResources,
     EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kResourcesSubscribe, "resources/subscribe", kIn, SubjectKind::kResourceUri,
     CatalogKind::kResources, EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kPromptsGet, "prompts/get", kIn, SubjectKind::kPromptName, CatalogKind::kPrompts,
     EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kCompletionComplete, "completion/complete", kIn, SubjectKind::kCompletionRef,
     CatalogKind::kPrompts, EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kTasksGet, "tasks/get", kIn, SubjectKind::kTaskId, CatalogKind::kNone, EntryKind::kRequest,
     EntryKind::kResponse},
    {GovernedMethod::kTasksResult, "tasks/result", kIn, SubjectKind::kTaskId, CatalogKind::kNone,
     EntryKind::kRequest, EntryKind::kToolResult},
    {GovernedMethod::kTasksList, "tasks/list", kIn, SubjectKind::kTaskId, CatalogKind::kNone, EntryKind::kRequest,
     EntryKind::kResponse},
    {GovernedMethod::kTasksCancel, "tasks/cancel", kIn, SubjectKind::kTaskId, CatalogKind::kNone,
     EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kSamplingCreateMessage, "sampling/createMessage", kOut, SubjectKind::kMethod,
     CatalogKind::kNone, EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kElicitationCreate, "elicitation/create", kOut, SubjectKind::kMethod, CatalogKind::kNone,
     EntryKind::kRequest, EntryKind::kResponse},
    {GovernedMethod::kRootsList, "roots/list", kOut, SubjectKind::kMethod, CatalogKind::kNone,
     EntryKind::kRequest, EntryKind::kResponse},
}};

std::string string_member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string completion_ref(const nlohmann::json& params) {
  if (!params.is_object()) return {};
  auto ref = params.find("ref");
  if (ref == params.end() || !ref->is_object()) return {};
  std::string name = string_member(*ref, "name");
  return name.empty() ? string_member(*ref, "uri") : name;
}

}  // namespace

std::span<const MethodSpec> governed_methods() { return kMethods; }

const MethodSpec* find_governed_method(std::string_view method, Direction direction) {
  for (const MethodSpec& spec : kMethods) {
    if (spec.direction == direction && spec.name == method) return &spec;
  }
  return nullptr;
}

const MethodSpec& spec_of(GovernedMethod method) { return kMethods[static_cast<std::size_t>(method)]; }

std::string_view direction_name(Direction direction) {
  return direction == Direction::kClientToServer ? "client_to_server" : "server_to_client";
}

std::string subject_of(const MethodSpec& spec, const nlohmann::json& params) {
  switch (spec.subject) {
    case SubjectKind::kToolName:
    case SubjectKind::kPromptName: return string_member(params, "name");
    case SubjectKind::kResourceUri: return string_member(params, "uri");
    case SubjectKind::kCompletionRef: return completion_ref(params);
    case SubjectKind::kTaskId: return string_member(params, "taskId");
    case SubjectKind::kMethod: return std::string(spec.name);
  }
  return {};
}

}  // namespace mcp_warden::proxy
