#include <doctest/doctest.h>

#include <vector>

#include "mtl/error.h"
#include "mtl/task_mask.h"

using mtl::TaskMask;

namespace {
const std::vector<std::string> kTasks = {"det", "seg", "tags", "depth"};

std::vector<int> indices_of(TaskMask mask) { return std::vector<int>(mask.begin(), mask.end()); }
}  // namespace

TEST_CASE("task mask parses names in task order") {
  const TaskMask mask = TaskMask::parse(" seg , det", kTasks);
  CHECK(mask.size() == 2);
  CHECK(mask.contains(0));
  CHECK(mask.contains(1));
  CHECK_FALSE(mask.contains(2));
  CHECK(indices_of(mask) == std::vector<int>{0, 1});
  CHECK(mask.to_string(kTasks) == "det,seg");
}

TEST_CASE("task mask counts a repeated name once") {
  CHECK(TaskMask::parse("det,det,,det", kTasks) == TaskMask{0});
}

TEST_CASE("task mask all covers every task") {
  CHECK(TaskMask::parse("all", kTasks) == TaskMask{0, 1, 2, 3});
  CHECK(TaskMask::all(4).size() == 4);
  CHECK(TaskMask::all(64).size() == 64);
  CHECK(TaskMask::all(0).empty());
  CHECK_THROWS_AS(TaskMask::all(65), mtl::Error);
}

TEST_CASE("task mask rejects unknown name listing known") {
  try {
    TaskMask::parse("det,sgmentation", kTasks);
    FAIL("an unknown task name was accepted");
  } catch (const mtl::Error& error) {
    const std::string message = error.what();
    CHECK(error.code() == mtl::ErrorCode::kInvalidArgument);
    CHECK(message.find("'sgmentation'") != std::string::npos);
    CHECK(message.find("det, seg, tags, depth") != std::string::npos);
  }
}

TEST_CASE("task mask rejects empty list") {
  CHECK_THROWS_AS(TaskMask::parse("", kTasks), mtl::Error);
  CHECK_THROWS_AS(TaskMask::parse(" , ", kTasks), mtl::Error);
}

TEST_CASE("task mask set operations") {
  const TaskMask a{0, 1};
  const TaskMask b{1, 2};
  CHECK((a | b) == TaskMask{0, 1, 2});
  CHECK((a & b) == TaskMask{1});
  CHECK((a - b) == TaskMask{0});
  CHECK((a ^ b) == TaskMask{0, 2});
  CHECK((a | b).includes(a));
  CHECK_FALSE(a.includes(b));
  CHECK(a.with(3) == TaskMask{0, 1, 3});
  CHECK(a.without(0) == TaskMask{1});
  TaskMask c = a;
  c |= b;
  c -= TaskMask{2};
  CHECK(c == a);
}

TEST_CASE("task mask rejects index outside range") {
  CHECK_THROWS_AS(TaskMask({64}), mtl::Error);
  CHECK_THROWS_AS(TaskMask({-1}), mtl::Error);
  CHECK_THROWS_AS(TaskMask{}.with(70), mtl::Error);
  CHECK_FALSE(TaskMask{}.contains(64));
}

TEST_CASE("task mask iterates high indices") {
  const TaskMask mask = TaskMask::from_bits((uint64_t{1} << 63) | 1u);
  CHECK(indices_of(mask) == std::vector<int>{0, 63});
}
