#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "mtl/multi_task_model.h"
#include "test_support.h"

using mtl::MultiTaskModel;

TEST_CASE("concurrent runs equal single-threaded runs bitwise") {
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 200;
  constexpr int kInputs = 6;

  const MultiTaskModel model = MultiTaskModel::load(mtl::test::fixture("tiny.pt"), mtl::test::test_options());
  std::vector<at::Tensor> inputs;
  std::vector<mtl::RunResult> expected;
  for (int i = 0; i < kInputs; ++i) {
    inputs.push_back(mtl::test::random_input(model, 100 + i));
    expected.push_back(model.run(inputs.back(), model.all_tasks()));
  }

  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::atomic<int> heads_checked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      for (int r = 0; r < kRequestsPerThread; ++r) {
        const int input = static_cast<int>(random() % kInputs);
        const mtl::TaskMask mask = mtl::TaskMask::from_bits(1 + random() % 15);  // a non-empty subset of 4 tasks
        try {
          const mtl::RunResult result = model.run(inputs[input], mask);
          if (result.mask != mask || static_cast<int>(result.tasks.size()) != mask.size()) {
            ++mismatches;
          }
          for (const mtl::TaskResult& task : result.tasks) {
            ++heads_checked;
            if (!mtl::test::bitwise_equal(task.outputs, expected[input].tasks[task.index].outputs)) {
              ++mismatches;
            }
          }
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  CHECK(failures.load() == 0);
  CHECK(mismatches.load() == 0);
  CHECK(heads_checked.load() > kThreads * kRequestsPerThread);
}
