// Status and Result<T>: errors as values across module boundaries.
//
// Every function that can fail for reasons outside the program (I/O, bad
// input, a library exception caught at the adapter) returns a Status or a
// Result<T>. Exceptions never cross a module boundary on the data plane; they
// may reach main() only for start-up and configuration errors.
//
// Thread safety: value types; safe to copy and move between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace mcp_warden {

// A coarse error category; the message carries the detail a person needs.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed (bad JSON, bad YAML, ...)
  kNotFound,         // a file, row or entry does not exist
  kIoError,          // the OS refused: read/write/spawn failed, disk full, ...
  kCorruption,       // stored data fails an integrity check
  kBusy,             // a lock could not be taken within the retry budget
  kFailedPrecondition,  // the operation is not valid in the current state
  kLimitExceeded,    // a configured size, depth or rate limit was hit
  kInternal,         // a bug: an invariant of ours was broken
};

// Returns a stable lower-case name for `code`, e.g. "invalid_argument".
const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status io_error(std::string m) { return {ErrorCode::kIoError, std::move(m)}; }
  static Status corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status busy(std::string m) { return {ErrorCode::kBusy, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
  static Status limit_exceeded(std::string m) { return {ErrorCode::kLimitExceeded, std::move(m)}; }
  static Status internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: <message>", or "ok".
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Either a T or a non-OK Status. Accessing value() of an error is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(state_).is_ok() && "Result from an OK Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; Status::ok() when this holds a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace mcp_warden
