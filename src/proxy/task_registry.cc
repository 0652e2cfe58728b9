#include "mcp_warden/proxy/task_registry.h"

namespace mcp_warden::proxy {

void TaskRegistry::bind(const std::string& task_id, TaskBinding binding) {
  auto [it, inserted] = tasks_.insert_or_assign(task_id, std::move(binding));
  if (!inserted) return;
  order_.push_back(task_id);
  if (order_.size() <= kMaxTasks) return;
  tasks_.erase(order_.front());
  order_.pop_front();
}

bool is_terminal_task_status(std::string_view status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

TaskBinding* TaskRegistry::find(const std::string& task_id) {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

const TaskBinding* TaskRegistry::find(const std::string& task_id) const {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

namespace {

class TaskStep final : public RequestStep {
 public:
  explicit TaskStep(const TaskRegistry& tasks) : tasks_(tasks) {}
  std::string_view name() const override { return "task"; }

  StepResult on_request(GovernedRequest& request, Resume) override {
    const GovernedMethod id = request.spec->id;
    const bool names_a_task =
        id == GovernedMethod::kTasksGet || id == GovernedMethod::kTasksResult || id == GovernedMethod::kTasksCancel;
    if (!names_a_task || request.decision.action == policy::Action::kDeny) return StepResult::kContinue;
    if (tasks_.find(request.task_id) != nullptr) return StepResult::kContinue;
    policy::Decision& d = request.decision;
    d.action = policy::Action::kDeny;
    d.rule = "unknown-task";
    d.credential_denial = false;
    d.reason = "mcp-warden knows no task \"" + request.task_id.substr(0, 200) + "\" created through it in this session; "
               "a client can only follow tasks that its own calls created.";
    return StepResult::kStop;
  }

 private:
  const TaskRegistry& tasks_;
};

}  // namespace

std::unique_ptr<RequestStep> make_task_step(const TaskRegistry& tasks) { return std::make_unique<TaskStep>(tasks); }

}  // namespace mcp_warden::proxy
