// The URI step: a resource request whose URI is not well formed is denied
// before anything else can misread it (fail closed): the server, a URL
// parser or the path rules might each read a broken URI differently.
#include <cctype>

#include "mcp_warden/proxy/governance_steps.h"

namespace mcp_warden::proxy {
namespace {

bool valid_scheme(std::string_view uri, std::size_t* colon) {
  *colon = uri.find(':');
  if (*colon == std::string_view::npos || *colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  for (char c : uri.substr(1, *colon - 1)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool valid_characters(std::string_view uri) {
  for (std::size_t i = 0; i < uri.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(uri[i]);
    if (c <= 0x20 || c == 0x7f) return false;
    if (c != '%') continue;
    if (i + 2 >= uri.size() || !std::isxdigit(static_cast<unsigned char>(uri[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      return false;
    }
  }
  return true;
}

// Empty, or a decimal port number up to 65535.
bool valid_port(std::string_view port) {
  if (port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// An authority's host is a name without brackets, or an IP literal in
// closed brackets (hex digits, ':' and '.', RFC 3986 section 3.2.2); a
// port, if any, follows the last ':' after the host.
bool valid_authority(std::string_view authority) {
  std::size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  std::size_t open = host.find('[');
  std::size_t close = host.find(']');
  if (open == std::string_view::npos) {
    if (close != std::string_view::npos) return false;
    std::size_t colon = host.rfind(':');
    return colon == std::string_view::npos || valid_port(host.substr(colon + 1));
  }
  if (open != 0 || close == std::string_view::npos) return false;
  for (char c : host.substr(1, close - 1)) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
  }
  std::string_view rest = host.substr(close + 1);
  if (rest.empty()) return true;
  return rest.front() == ':' && valid_port(rest.substr(1));
}

class UriStep final : public RequestStep {
 public:
  std::string_view name() const override { return "uri"; }

  StepResult on_request(GovernedRequest& request, Resume) override {
    if (request.spec->subject != SubjectKind::kResourceUri || request.decision.action == policy::Action::kDeny) return StepResult::kContinue;
    if (well_formed(request.subject)) return StepResult::kContinue;
    policy::Decision& d = request.decision;
    d.action = policy::Action::kDeny;
    d.rule = "malformed-uri";
    d.credential_denial = false;
    d.reason = "the resource URI is not well formed (RFC 3986: a scheme, percent-escapes of two hex digits, no "
               "spaces or control characters, a bracketed host closed), so mcp-warden cannot judge what it names; "
               "send a well-formed URI.";
    return StepResult::kStop;
  }

 private:
  static bool well_formed(std::string_view uri) {
    std::size_t colon = 0;
    if (uri.empty() || !valid_scheme(uri, &colon) || !valid_characters(uri)) return false;
    std::string_view rest = uri.substr(colon + 1);
    if (rest.substr(0, 2) != "//") return true;
    rest = rest.substr(2);
    return valid_authority(rest.substr(0, rest.find_first_of("/?#\\")));
  }
};

}  // namespace

std::unique_ptr<RequestStep> make_uri_step() { return std::make_unique<UriStep>(); }

}  // namespace mcp_warden::proxy
