// The RequestPipeline's contract: judges in order, kStop skips to the record
// step, kPending parks until resumed (also when resumed at once), the
// record step always runs, Finish is called exactly once per request.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "mcp_warden/proxy/governed_methods.h"
#include "mcp_warden/proxy/pipeline.h"

namespace mcp_warden::proxy {
namespace {

struct ScriptedStep : RequestStep {
  ScriptedStep(std::string name, std::vector<std::string>& log, StepResult result)
      : name_(std::move(name)), log_(log), result_(result) {}
  std::string_view name() const override { return name_; }
  StepResult on_request(GovernedRequest& request, Resume resume) override {
    log_.push_back(name_);
    if (result_ == StepResult::kStop) request.decision.action = policy::Action::kDeny;
    if (result_ == StepResult::kPending) {
      if (resume_at_once) {
        resume();
      } else {
        held.push_back(std::move(resume));
      }
    }
    return result_;
  }
  std::string name_;
  std::vector<std::string>& log_;
  StepResult result_;
  bool resume_at_once = false;
  std::vector<Resume> held;
};

std::unique_ptr<GovernedRequest> new_request() {
  auto request = std::make_unique<GovernedRequest>();
  request->spec = &spec_of(GovernedMethod::kResourcesRead);
  request->decision.action = policy::Action::kAllow;
  return request;
}

TEST(RequestPipelineTest, JudgesRunInOrderThenTheRecordStepThenFinish) {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<RequestStep>> judges;
  judges.push_back(std::make_unique<ScriptedStep>("a", log, StepResult::kContinue));
  judges.push_back(std::make_unique<ScriptedStep>("b", log, StepResult::kContinue));
  int finished = 0;
  RequestPipeline pipeline(std::move(judges), std::make_unique<ScriptedStep>("record", log, StepResult::kContinue),
                           [&](GovernedRequest&) { log.push_back("finish"), ++finished; });
  pipeline.run(new_request());
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "record", "finish"}));
  EXPECT_EQ(finished, 1);
}

TEST(RequestPipelineTest, StopSkipsTheRemainingJudgesButNotTheRecordStep) {
  std::vector<std::string> log;
  std::vector<std::unique_ptr<RequestStep>> judges;
  judges.push_back(std::make_unique<ScriptedStep>("deny", log, StepResult::kStop));
  judges.push_back(std::make_unique<ScriptedStep>("later", log, StepResult::kContinue));
  policy::Action seen = policy::Action::kAllow;
  RequestPipeline pipeline(std::move(judges), std::make_unique<ScriptedStep>("record", log, StepResult::kContinue),
                           [&](GovernedRequest& r) { seen = r.decision.action; });
  pipeline.run(new_request());
  EXPECT_EQ(log, (std::vector<std::string>{"deny", "record"}));
  EXPECT_EQ(seen, policy::Action::kDeny);
}

TEST(RequestPipelineTest, APendingStepParksTheRequestUntilItResumes) {
  std::vector<std::string> log;
  auto record = std::make_unique<ScriptedStep>("record", log, StepResult::kPending);
  ScriptedStep* record_step = record.get();
  int finished = 0;
  RequestPipeline pipeline({}, std::move(record), [&](GovernedRequest&) { ++finished; });
  pipeline.run(new_request());
  pipeline.run(new_request());
  EXPECT_EQ(finished, 0);
  EXPECT_EQ(pipeline.parked(), 2u);
  ASSERT_EQ(record_step->held.size(), 2u);
  record_step->held[1]();
  EXPECT_EQ(finished, 1) << "requests resume independently";
  record_step->held[0]();
  EXPECT_EQ(finished, 2);
  EXPECT_EQ(pipeline.parked(), 0u);
  record_step->held[0]();  // a second resume is ignored
  EXPECT_EQ(finished, 2);
}

TEST(RequestPipelineTest, AStepThatResumesBeforeReturningGoesOnAtOnce) {
  std::vector<std::string> log;
  auto record = std::make_unique<ScriptedStep>("record", log, StepResult::kPending);
  record->resume_at_once = true;
  int finished = 0;
  RequestPipeline pipeline({}, std::move(record), [&](GovernedRequest&) { ++finished; });
  pipeline.run(new_request());
  EXPECT_EQ(finished, 1);
  EXPECT_EQ(pipeline.parked(), 0u);
}

// A step whose work runs another request through the same pipeline, and
// that inner request's step resumes the outer one before either returns:
// the outer request must go on (resumed early), not be parked for ever.
struct NestingStep : RequestStep {
  std::string_view name() const override { return "nesting"; }
  StepResult on_request(GovernedRequest& request, Resume resume) override {
    if (request.subject == "outer") {
      outer_resume = std::move(resume);
      auto inner = new_request();
      inner->subject = "inner";
      pipeline->run(std::move(inner));
      return StepResult::kPending;
    }
    outer_resume();  // the inner request resumes the outer one
    return StepResult::kContinue;
  }
  RequestPipeline* pipeline = nullptr;
  Resume outer_resume;
};

TEST(RequestPipelineTest, AResumeFromInsideANestedRunIsAnEarlyResume) {
  std::vector<std::string> log;
  auto nesting = std::make_unique<NestingStep>();
  NestingStep* step = nesting.get();
  std::vector<std::unique_ptr<RequestStep>> judges;
  judges.push_back(std::move(nesting));
  std::vector<std::string> finished;
  RequestPipeline pipeline(std::move(judges), std::make_unique<ScriptedStep>("record", log, StepResult::kContinue),
                           [&](GovernedRequest& r) { finished.push_back(r.subject); });
  step->pipeline = &pipeline;
  auto outer = new_request();
  outer->subject = "outer";
  pipeline.run(std::move(outer));
  EXPECT_EQ(finished, (std::vector<std::string>{"inner", "outer"}));
  EXPECT_EQ(pipeline.parked(), 0u);
}

TEST(GovernedMethodsTest, EveryMethodIsFoundInItsOwnDirectionOnly) {
  for (const MethodSpec& spec : governed_methods()) {
    EXPECT_EQ(find_governed_method(spec.name, spec.direction), &spec);
    Direction other = spec.direction == Direction::kClientToServer ? Direction::kServerToClient : Direction::kClientToServer;
    EXPECT_EQ(find_governed_method(spec.name, other), nullptr) << spec.name;
    EXPECT_EQ(&spec_of(spec.id), &spec);
  }
  EXPECT_EQ(find_governed_method("ping", Direction::kClientToServer), nullptr);
}

TEST(GovernedMethodsTest, SubjectsComeFromTheRightParams) {
  using nlohmann::json;
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kResourcesRead), json{{"uri", "file:///a"}}), "file:///a");
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kPromptsGet), json{{"name", "p"}}), "p");
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kCompletionComplete), json{{"ref", {{"type", "ref/resource"}, {"uri", "file:///{x}"}}}}),
            "file:///{x}");
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kTasksGet), json{{"taskId", "t"}}), "t");
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kRootsList), json()), "roots/list");
  EXPECT_EQ(subject_of(spec_of(GovernedMethod::kResourcesRead), json("not an object")), "");
}

}  // namespace
}  // namespace mcp_warden::proxy
