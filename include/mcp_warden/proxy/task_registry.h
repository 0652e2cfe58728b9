// TaskRegistry: the tasks created through this proxy (MCP 2025-11-25 tasks:
// a task-augmented tools/call answered with a CreateTaskResult), each bound
// to the tools/call that created it.
//
// The task step (make_task_step) denies tasks/get, tasks/result and
// tasks/cancel for a task id this proxy never saw created: a client reaches
// only its own tasks, and tasks/result's outcome is recorded against the
// call that created the task. Bounded: past kMaxTasks the oldest binding is
// forgotten (its task then counts as unknown).
//
// Owned by the Session; used only on the relay thread. In memory only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mcp_warden/proxy/pipeline.h"

namespace mcp_warden::proxy {

struct TaskBinding {
  int64_t call_seq = -1;  // the creating tools/call's audit entry
  std::string tool;
  bool final_recorded = false;  // its terminal status has its tool_result entry
};

// completed, failed, cancelled: the statuses a task never leaves.
bool is_terminal_task_status(std::string_view status);

class TaskRegistry {
 public:
  static constexpr std::size_t kMaxTasks = 4096;

  void bind(const std::string& task_id, TaskBinding binding);
  const TaskBinding* find(const std::string& task_id) const;
  TaskBinding* find(const std::string& task_id);
  bool empty() const { return tasks_.empty(); }

 private:
  std::unordered_map<std::string, TaskBinding> tasks_;
  std::deque<std::string> order_;
};

// The judging step that binds tasks/* requests to their tasks (see above).
std::unique_ptr<RequestStep> make_task_step(const TaskRegistry& tasks);

}  // namespace mcp_warden::proxy
