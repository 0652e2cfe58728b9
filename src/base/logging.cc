#include "mcp_warden/base/logging.h"

#include <memory>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace mcp_warden {

Status setup_logging(const std::string& level, const std::string& file) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Status::invalid_argument("unknown log level \"" + level + "\" (use trace, debug, info, warn, error or off)");
  }
  try {
    std::shared_ptr<spdlog::logger> logger;
    if (file.empty()) {
      logger = std::make_shared<spdlog::logger>("mcp-warden", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>("mcp-warden", std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
    }
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [mcp-warden] [%l] %v");
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
  } catch (const spdlog::spdlog_ex& e) {
    return Status::io_error("cannot open log file " + file + ": " + e.what());
  }
  return Status::ok();
}

}  // namespace mcp_warden
