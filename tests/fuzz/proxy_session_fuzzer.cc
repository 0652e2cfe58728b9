// Drives one governed Session (the strict preset, a fake audit log, an
// optional fake trust keeper, a fake clock) with an exchange written as
// lines, and aborts the moment it breaks a promise the proxy makes whatever
// either side sends:
//
//   1. no exception leaves the Session;
//   2. every line it writes, to either side, is one JSON-RPC message: valid
//      JSON (nlohmann, as the other side will read it), an object or an
//      array, no newline inside;
//   3. no governed request (governed_methods.h) reaches the other side
//      unless the audit log committed a record allowing that id and subject
//      first (each record admits one forward; a batch carrying one, or a
//      tools/call notification, never passes); a server request reaches
//      the client only the same way;
//   4. the client gets at most one reply per request it sent: the Session
//      never answers an id that is not pending any more (answering a
//      request the client sent twice, twice, is fine), never relays the
//      server's answer to a call it already timed out, and never keeps a
//      request pending after the client has its answer;
//   4b. a server's answer reaches the client only for a request the server
//      received and has not answered yet: never for one held for the
//      catalog, denied, answered by mcp-warden, or never sent;
//   5. nothing hangs: at the end, with the audit log committing everything
//      and the server answering mcp-warden's own tools/list, no message is
//      still held back from the server.
//
// Input: lines separated by '\n'. The first byte of a line is the step, the
// rest its payload:
//   C<line>   the client sends <line>          S<line>  the server sends <line>
//   c<line>   the client sends an oversized line whose head and tail are <line>
//   s<line>   the same from the server
//   A         the audit log commits every queued record, in order
//   a         ... commits the oldest queued record     F  ... fails the oldest
//   K         the trust keeper finishes every queued catalog comparison
//   E         expire_overdue_calls()                   X  the server exited
//   L<result> the server answers each of mcp-warden's own requests it has
//             not answered (its tools/list) with <result> ({"tools":[]} if empty)
//   U         the server could not be started (set_server_unavailable)
//   +<n>      the clock advances n ms (no digits: 1000 ms)
//   P<result> the client answers each of mcp-warden's own questions it has
//             not answered (elicitation/create) with <result>
//             ({"action":"accept","content":{"decision":"once"}} if empty)
// Any other first byte makes the line a comment. If the first line starts
// with '#', its letters choose options: t = a trust keeper (score 300, so
// the low tier tightens; tools named "blocked_*" are blocked), o = audit
// fail-open, n = no footer, d = show denied tools, q = a policy extending
// strict whose response rule asks about answers holding an e-mail address
// (so answers are held for a person). call_timeout_ms and ask_timeout_ms
// are 1000. At the end no answer may still be held once every question is
// declined.
// Any violation prints what happened to stderr and aborts.
//
// tests/fuzz/crashes/proxy_session/ holds inputs that reproduce bugs not yet
// fixed (CTest does not replay it); move each into corpus/proxy_session/ with
// its fix. To fuzz: build the libraries with clang and
// -fsanitize=fuzzer-no-link, link this file with -fsanitize=fuzzer (see the
// commit that added it), then run it on a copy of the corpus.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "mcp_warden/base/clock.h"
#include "mcp_warden/policy/path_normalizer.h"
#include "mcp_warden/policy/policy.h"
#include "mcp_warden/proxy/call_auditor.h"
#include "mcp_warden/proxy/governed_methods.h"
#include "mcp_warden/proxy/session.h"
#include "mcp_warden/proxy/trust_keeper.h"
#include "mcp_warden/rpc/json_parse.h"
#include "mcp_warden/rpc/message.h"

namespace {

using nlohmann::json;
using namespace mcp_warden;

[[noreturn]] void violation(const std::string& what, const std::string& line) {
  std::fprintf(stderr, "proxy_session_fuzzer: %s\nline: %s\n", what.c_str(), line.c_str());
  std::fflush(stderr);
  std::abort();
}

// Paths are judged lexically: no file system is looked at while fuzzing.
struct LexicalFileSystem final : policy::FileSystem {
  std::string home_dir() const override { return "/home/user"; }
  std::string current_dir() const override { return "/home/user/project"; }
  bool resolve_into(const std::string& absolute_path, std::string* out) const override {
    *out = absolute_path;
    return true;
  }
};

policy::Policy& strict_policy() {
  static policy::Policy* policy = [] {
    policy::LoadOptions options;
    options.file_system = std::make_shared<LexicalFileSystem>();
    auto loaded = policy::Policy::load("strict", options);
    if (!loaded.is_ok()) violation("cannot load the strict preset: " + loaded.status().to_string(), "");
    return new policy::Policy(std::move(loaded).value());
  }();
  return *policy;
}

// strict, plus a response rule that holds answers for a person.
policy::Policy& asking_policy() {
  static policy::Policy* policy = [] {
    policy::LoadOptions options;
    options.file_system = std::make_shared<LexicalFileSystem>();
    auto loaded = policy::Policy::parse(
        "version: 1\nname: fuzz-ask\nextends: strict\nresponses:\n"
        "  - {name: ask-mail, match: {content: [email]}, action: ask}\n",
        "fuzz-ask.yaml", options);
    if (!loaded.is_ok()) violation("cannot load the asking policy: " + loaded.status().to_string(), "");
    return new policy::Policy(std::move(loaded).value());
  }();
  return *policy;
}

bool forwards(const std::string& decision) { return decision == "allow" || decision == "log" || decision == "warn"; }

std::string key_of(const json& id) { return rpc::id_key(id); }

// What the harness knows about both sides, shared by the fakes.
struct World {
  bool fail_open = false;
  // (direction, id key) → subjects whose forwarding records were committed, not yet used.
  std::map<std::pair<int, std::string>, std::multiset<std::string>> forward_credits;
  // id key → requests the client sent with it and has no reply to yet.
  std::map<std::string, int> open_client_requests;
  std::set<std::string> timed_out;            // ids answered with a timeout error
  std::set<std::string> internal_unanswered;  // mcp-warden's own requests to the server
  std::set<std::string> questions_unanswered;  // mcp-warden's own requests to the client
  std::set<std::string> server_request_ids;    // ids of every request the server sent
  // The step being run, for classifying replies to the client.
  char step = 0;
  bool exempt_replies = false;                // replies to an invalid client line
  std::set<std::string> relayed_ids;          // responses in the server line of this step
  std::multiset<std::string> at_server;       // client requests the server received and has not answered
  std::set<std::string> answerable;           // of relayed_ids, those the server had received
  std::optional<proxy::PendingRequests> pending_before;  // the Session's table before this step
};

struct FakeAuditor final : proxy::CallAuditor {
  explicit FakeAuditor(World& world) : world_(world) {}
  void record(audit::NewEntry entry, Done done) override { queued.emplace_back(std::move(entry), std::move(done)); }
  bool settle_oldest(bool ok) {
    if (queued.empty()) return false;
    auto [entry, done] = std::move(queued.front());
    queued.pop_front();
    bool governed = entry.kind == audit::EntryKind::kToolCall || entry.kind == audit::EntryKind::kRequest;
    if (governed && forwards(entry.decision) && (ok || world_.fail_open)) {
      int direction = entry.kind == audit::EntryKind::kRequest &&
                              json::parse(entry.payload, nullptr, false).value("direction", "") == "server_to_client"
                          ? 1 : 0;
      world_.forward_credits[{direction, entry.request_id}].insert(entry.tool);
    }
    if (ok) {
      done(next_seq++);
    } else {
      done(Status::io_error("disk full"));
    }
    return true;
  }
  std::deque<std::pair<audit::NewEntry, Done>> queued;
  int64_t next_seq = 1;
  World& world_;
};

struct FakeTrust final : proxy::TrustKeeper {
  int score() const override { return 300; }
  std::optional<std::string> blocked_reason(const std::string& tool) const override {
    if (tool.rfind("blocked_", 0) == 0) return "its definition changed";
    return std::nullopt;
  }
  void record(trust::EventKind, const std::string&, const std::string&) override {}
  void observe_catalog(json, std::function<void()> done) override { queued.push_back(std::move(done)); }
  bool finish_all() {
    bool any = !queued.empty();
    while (!queued.empty()) {
      auto done = std::move(queued.front());
      queued.pop_front();
      done();
    }
    return any;
  }
  std::deque<std::function<void()>> queued;
};

json parse_or_discard(std::string_view line) { return json::parse(line.begin(), line.end(), nullptr, false); }

bool is_response(const json& m) {
  return m.is_object() && !m.contains("method") && (m.contains("result") || m.contains("error"));
}

// Invariant 3, for one request the other side is about to receive.
void check_governed_request(World& world, const json& m, proxy::Direction direction, const std::string& line) {
  if (!m.is_object()) return;
  auto method = m.find("method");
  if (method == m.end() || !method->is_string()) return;
  const proxy::MethodSpec* spec = proxy::find_governed_method(method->get<std::string>(), direction);
  if (spec == nullptr) return;
  if (!m.contains("id")) {
    if (spec->id == proxy::GovernedMethod::kToolsCall) violation("a tools/call notification reached the server", line);
    return;
  }
  std::string subject = proxy::subject_of(*spec, m.contains("params") ? m["params"] : json());
  auto credits = world.forward_credits.find({direction == proxy::Direction::kServerToClient ? 1 : 0, key_of(m["id"])});
  if (credits == world.forward_credits.end() || credits->second.count(subject) == 0) {
    violation("a governed request reached the other side without a committed record allowing it", line);
  }
  credits->second.erase(credits->second.find(subject));
}

void check_call_to_server(World& world, const json& m, const std::string& line) {
  check_governed_request(world, m, proxy::Direction::kClientToServer, line);
  if (!m.is_object() || !m.contains("method") || !m.contains("id") || m["id"].is_null()) return;
  world.at_server.insert(key_of(m["id"]));  // mcp-warden's own too: their answers are consumed
}

void check_to_server(World& world, const std::string& line) {
  json m = parse_or_discard(line);
  if (m.is_discarded() || !(m.is_object() || m.is_array())) violation("invalid JSON-RPC line to the server", line);
  if (line.find('\n') != std::string::npos) violation("a newline inside a line to the server", line);
  if (m.is_array()) {
    for (const json& element : m) check_call_to_server(world, element, line);
  } else {
    check_call_to_server(world, m, line);
  }
  if (m.is_object() && m.contains("id") && m["id"].is_string() &&
      m["id"].get<std::string>().rfind(proxy::kInternalIdPrefix, 0) == 0 && m.contains("method")) {
    world.internal_unanswered.insert(key_of(m["id"]));
  }
}

// Invariant 4, for one response the client is about to receive.
void check_reply_to_client(World& world, const json& reply, const std::string& line) {
  if (!reply.contains("id") || reply["id"].is_null()) return;
  // An error about a line the client sent broken or too long is not the
  // answer to any pending request, even when it carries a pending id.
  if (world.exempt_replies) return;
  std::string key = key_of(reply["id"]);
  bool relayed = world.step == 'S' && world.relayed_ids.count(key) > 0;
  if (relayed && world.answerable.count(key) == 0) {
    violation("the server's answer to a request it never received (held, denied, answered or unknown) reached the client",
              line);
  }
  int& open = world.open_client_requests[key];
  if (open > 0) {
    --open;
    if (world.step == 'E' && reply.contains("error")) {
      world.timed_out.insert(key);
    }
    return;
  }
  if (!relayed) violation("mcp-warden answered a request id that is not pending", line);
  if (world.timed_out.count(key) > 0) violation("the server's late answer to a timed-out call was relayed", line);
  if (world.pending_before && world.pending_before->contains(reply["id"])) {
    violation("a request stayed pending in the Session after the client had its answer", line);
  }
  // Otherwise: the server answered something never asked or answered twice;
  // the Session relays such a line as it is.
}

void check_to_client(World& world, const std::string& line) {
  json m = parse_or_discard(line);
  if (m.is_discarded() || !(m.is_object() || m.is_array())) violation("invalid JSON-RPC line to the client", line);
  if (line.find('\n') != std::string::npos) violation("a newline inside a line to the client", line);
  // mcp-warden's own question (an id of its form the server never used) is no server request.
  const bool own_question = m.is_object() && m.contains("method") && m.contains("id") && m["id"].is_string() &&
                            m["id"].get<std::string>().rfind(proxy::kInternalIdPrefix, 0) == 0 &&
                            world.server_request_ids.count(key_of(m["id"])) == 0;
  if (own_question) world.questions_unanswered.insert(key_of(m["id"]));
  if (m.is_object() && !own_question) check_governed_request(world, m, proxy::Direction::kServerToClient, line);
  if (m.is_array()) {
    for (const json& element : m) {
      if (is_response(element)) check_reply_to_client(world, element, line);
    }
  } else if (is_response(m)) {
    check_reply_to_client(world, m, line);
  }
}

struct CheckingOutput final : proxy::SessionOutput {
  explicit CheckingOutput(World& world) : world_(world) {}
  void send_to_client(std::string line) override { check_to_client(world_, line); }
  void send_to_server(std::string line) override {
    check_to_server(world_, line);
    to_server.push_back(std::move(line));
  }
  std::vector<std::string> to_server;
  World& world_;
};

// Notes the requests in a client line (as nlohmann reads it) that await a reply.
void note_client_requests(World& world, std::string_view line) {
  world.exempt_replies = !rpc::parse_json_strict(line).is_ok();
  if (world.exempt_replies) return;
  json m = parse_or_discard(line);
  auto note = [&](const json& message) {
    if (!message.is_object() || !message.contains("id") || message["id"].is_null() || is_response(message)) return;
    std::string key = key_of(message["id"]);
    ++world.open_client_requests[key];
    world.timed_out.erase(key);
  };
  if (m.is_array()) {
    for (const json& element : m) note(element);
  } else {
    note(m);
  }
}

void note_server_responses(World& world, std::string_view line) {
  world.answerable.clear();
  json m = parse_or_discard(line);
  auto note = [&](const json& message) {
    if (message.is_object() && message.contains("method") && message.contains("id")) {
      world.server_request_ids.insert(key_of(message["id"]));
    }
    if (!is_response(message) || !message.contains("id")) return;
    std::string key = key_of(message["id"]);
    world.relayed_ids.insert(key);
    world.internal_unanswered.erase(key);
    auto at_server = world.at_server.find(key);
    if (at_server == world.at_server.end()) return;
    world.at_server.erase(at_server);
    world.answerable.insert(key);
  };
  if (m.is_array()) {
    for (const json& element : m) note(element);
  } else {
    note(m);
  }
}

io::OversizedFrame oversized(std::string_view payload, std::size_t limit) {
  io::OversizedFrame frame;
  frame.size = limit + 1 + payload.size();
  frame.head = std::string(payload.substr(0, io::FrameReader::kKeptHeadBytes));
  frame.tail = std::string(payload.substr(payload.size() - std::min(payload.size(), io::FrameReader::kKeptTailBytes)));
  return frame;
}

int64_t millis_of(std::string_view payload) {
  int64_t ms = 0;
  for (char c : payload.substr(0, 7)) {
    if (c < '0' || c > '9') break;
    ms = ms * 10 + (c - '0');
  }
  return payload.empty() || payload[0] < '0' || payload[0] > '9' ? 1000 : ms;
}

class Harness {
 public:
  Harness(std::string_view options_line)
      : output_(world_), auditor_(world_), session_(options(options_line), output_, clock_, governance(options_line)) {
    world_.fail_open = options_line.find('o') != std::string_view::npos;
  }

  void run(char step, std::string_view payload) {
    world_.step = step;
    world_.exempt_replies = false;
    world_.relayed_ids.clear();
    world_.pending_before.reset();
    try {
      dispatch(step, payload);
    } catch (const std::exception& e) {
      violation(std::string("an exception left the Session: ") + e.what(), std::string(payload));
    } catch (...) {
      violation("an unknown exception left the Session", std::string(payload));
    }
  }

  // Invariant 5: a cooperative audit log and server release everything.
  void drain() {
    for (int round = 0; round < 64; ++round) {
      bool progressed = false;
      while (auditor_.settle_oldest(true)) progressed = true;
      if (trust_ && trust_->finish_all()) progressed = true;
      if (answer_internal_requests("")) progressed = true;
      if (!progressed) break;
    }
    if (session_.holding_messages()) violation("messages are still held back after every record committed", "");
    answer_questions(R"({"action":"decline"})");
    while (auditor_.settle_oldest(true)) {
    }
    if (session_.bytes_held_for_client() != 0) violation("an answer is still held after every question was declined", "");
  }

 private:
  static proxy::SessionOptions options(std::string_view options_line) {
    proxy::SessionOptions o;
    o.server_name = "filesystem";
    o.session_id = "fuzz";
    o.max_message_bytes = 1 << 20;
    o.call_timeout_ms = 1000;
    o.ask_timeout_ms = 1000;
    o.audit_fail_open = options_line.find('o') != std::string_view::npos;
    o.footer = options_line.find('n') == std::string_view::npos;
    o.show_denied_tools = options_line.find('d') != std::string_view::npos;
    return o;
  }

  proxy::Governance governance(std::string_view options_line) {
    if (options_line.find('t') != std::string_view::npos) trust_ = std::make_unique<FakeTrust>();
    bool asks = options_line.find('q') != std::string_view::npos;
    return proxy::Governance{asks ? &asking_policy() : &strict_policy(), &auditor_, trust_.get()};
  }

  // The client answers mcp-warden's open questions with `result`.
  void answer_questions(std::string_view result) {
    auto open = std::move(world_.questions_unanswered);
    world_.questions_unanswered.clear();
    std::string body = result.empty() ? std::string(R"({"action":"accept","content":{"decision":"once"}})")
                                      : std::string(result);
    for (const std::string& id : open) run('C', R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + body + "}");
  }

  // The server answers mcp-warden's own requests with `result`; true if any.
  bool answer_internal_requests(std::string_view result) {
    auto internal = std::move(world_.internal_unanswered);
    world_.internal_unanswered.clear();
    std::string body = result.empty() ? std::string(R"({"tools":[]})") : std::string(result);
    for (const std::string& id : internal) run('S', R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + body + "}");
    return !internal.empty();
  }

  void dispatch(char step, std::string_view payload) {
    switch (step) {
      case 'C':
        note_client_requests(world_, payload);
        return session_.on_client_line(std::string(payload));
      case 'S':
        note_server_responses(world_, payload);
        world_.pending_before = session_.client_pending();
        return session_.on_server_line(std::string(payload));
      case 'c':
        world_.exempt_replies = true;  // the client cannot tell which request an error about a dropped line is for
        return session_.on_client_oversized(oversized(payload, session_.options().max_message_bytes));
      case 's':
        return session_.on_server_oversized(oversized(payload, session_.options().max_message_bytes));
      case 'A':
        while (auditor_.settle_oldest(true)) {
        }
        return;
      case 'a':
        auditor_.settle_oldest(true);
        return;
      case 'F':
        auditor_.settle_oldest(false);
        return;
      case 'K':
        if (trust_) trust_->finish_all();
        return;
      case 'E':
        return session_.expire_overdue_calls();
      case 'L':
        answer_internal_requests(payload);
        return;
      case 'P':
        return answer_questions(payload);
      case 'X':
        return session_.fail_pending_client_requests("the MCP server exited");
      case 'U':
        return session_.set_server_unavailable("the MCP server could not be started");
      case '+':
        return clock_.advance_micros(millis_of(payload) * 1000);
      default:
        return;
    }
  }

  World world_;
  FakeClock clock_;
  CheckingOutput output_;
  FakeAuditor auditor_;
  std::unique_ptr<FakeTrust> trust_;
  proxy::Session session_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)quiet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    lines.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  std::string_view options_line = !lines.empty() && !lines[0].empty() && lines[0][0] == '#' ? lines[0] : "";
  Harness harness(options_line);
  for (std::string_view line : lines) {
    if (!line.empty()) harness.run(line[0], line.substr(1));
  }
  harness.drain();
  return 0;
}
