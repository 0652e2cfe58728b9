// mcp-warden-bench-layers: the mcp-warden proxy with only some safeguards on,
// so the benchmark can tell what each one costs (docs/performance.md).
//
//   mcp-warden-bench-layers relay  [-- CMD ARGS...]   plain relay (issue 2's "relay alone")
//   mcp-warden-bench-layers policy [--policy P] -- CMD ARGS...
//                                              policy judges, nothing recorded (issue 3)
//
// The same run_proxy(), ProxyRunner and Session as `mcp-warden proxy`; only
// ProxyOptions::layers differs. This is a measuring instrument, not a product:
// it is never installed, and `mcp-warden` itself has no way to turn a
// safeguard off.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>

#include "mcp_warden/base/logging.h"
#include "mcp_warden/proxy/proxy_runner.h"

int main(int argc, char** argv) {
  namespace proxy = mcp_warden::proxy;
  std::signal(SIGPIPE, SIG_IGN);
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);  // as mcp-warden does
  CLI::App app{"mcp-warden with only some safeguards on, for benchmarks", "mcp-warden-bench-layers"};
  std::string layer;
  std::string log_level = "warn";
  proxy::ProxyOptions options;
  app.add_option("layer", layer, "relay (no policy, audit or trust) or policy (policy only, nothing recorded)")
      ->required()
      ->check(CLI::IsMember({"relay", "policy"}));
  app.add_option("--policy", options.policy, "strict|moderate|permissive or a policy YAML file")->default_val("strict");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")->default_val("warn");
  app.add_option("command", options.command, "The MCP server's command line (after --)")->required();
  CLI11_PARSE(app, argc, argv);
  options.layers = layer == "relay" ? proxy::Layers::kRelayOnly : proxy::Layers::kPolicyOnly;
  try {
    mcp_warden::Status logging = mcp_warden::setup_logging(log_level, "");
    if (!logging) throw std::runtime_error(logging.message());
    return proxy::run_proxy(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-warden-bench-layers: %s\n", e.what());
    return 2;
  }
}
