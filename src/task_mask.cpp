#include "mtl/task_mask.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtl/error.h"

namespace mtl {
namespace {

void check_index(int index) {
  if (index < 0 || index >= TaskMask::kMaxTasks) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task index {} is out of range; expected 0 to {}", index, TaskMask::kMaxTasks - 1));
  }
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) {
    return "";
  }
  const auto last = text.find_last_not_of(" \t\n\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

TaskMask::TaskMask(std::initializer_list<int> indices) {
  for (int index : indices) {
    check_index(index);
    bits_ |= uint64_t{1} << index;
  }
}

TaskMask TaskMask::all(int task_count) {
  if (task_count < 0 || task_count > kMaxTasks) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task count {} is out of range; a model has 0 to {} tasks", task_count, kMaxTasks));
  }
  return from_bits(task_count == kMaxTasks ? ~uint64_t{0} : (uint64_t{1} << task_count) - 1);
}

TaskMask TaskMask::parse(const std::string& spec, const std::vector<std::string>& known) {
  const std::string known_list = known.empty() ? "(none)" : fmt::format("{}", fmt::join(known, ", "));
  if (trim(spec) == "all") {
    return all(static_cast<int>(known.size()));
  }

  TaskMask mask;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string name = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (name.empty()) {
      continue;
    }
    const auto found = std::find(known.begin(), known.end(), name);
    if (found == known.end()) {
      throw Error(ErrorCode::kInvalidArgument,
                  fmt::format("unknown task '{}' in task list '{}'; known tasks: {} (or 'all')", name, spec, known_list));
    }
    mask = mask.with(static_cast<int>(found - known.begin()));
  }

  if (mask.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("task list '{}' names no task; give one or more of: {} (or 'all')", spec, known_list));
  }
  return mask;
}

TaskMask TaskMask::with(int index) const {
  check_index(index);
  return from_bits(bits_ | (uint64_t{1} << index));
}

TaskMask TaskMask::without(int index) const {
  check_index(index);
  return from_bits(bits_ & ~(uint64_t{1} << index));
}

std::string TaskMask::to_string(const std::vector<std::string>& names) const {
  std::string joined;
  for (int index : *this) {
    if (!joined.empty()) {
      joined += ',';
    }
    joined += index < static_cast<int>(names.size()) ? names[index] : fmt::format("#{}", index);
  }
  return joined;
}

}  // namespace mtl
