#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include "mtl/error.h"
#include "mtl/multi_task_model.h"
#include "test_support.h"

using mtl::MultiTaskModel;
using mtl::test::bitwise_equal;
using mtl::test::fixture;
using mtl::test::test_options;

TEST_CASE("run skips heads outside the mask") {
  // head_boom raises whenever it runs, so success proves it was skipped.
  const MultiTaskModel model = MultiTaskModel::load(fixture("raising.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 1);

  const mtl::RunResult result = model.run(input, model.mask("cls,energy"));
  REQUIRE(result.tasks.size() == 2);
  CHECK(result.tasks[0].name == "cls");
  CHECK(result.tasks[1].name == "energy");
  CHECK(result.find("boom") == nullptr);
  CHECK(result.mask == model.mask("energy,cls"));
  CHECK(result.model_name == "raising");
  CHECK(result.model_version == "1.0.0");
  CHECK(result.tasks[0].outputs.at("logits").sizes() == at::IntArrayRef{3});
  CHECK(result.backbone_ms > 0.0);
  CHECK(result.total_ms >= result.backbone_ms);
}

TEST_CASE("run surfaces a raising head by name") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("raising.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 1);
  try {
    model.run(input, model.mask("cls,boom"));
    FAIL("the raising head did not surface");
  } catch (const mtl::Error& error) {
    const std::string message = error.what();
    CHECK(error.code() == mtl::ErrorCode::kInference);
    CHECK(message.find("head 'boom'") != std::string::npos);
    CHECK(message.find("head_boom was called") != std::string::npos);
  }
  // The model keeps serving after the failure.
  CHECK(model.run(input, model.mask("cls")).tasks.size() == 1);
}

TEST_CASE("run returns only requested tasks") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 2);
  const mtl::RunResult result = model.run(input, model.mask("depth,det"));
  REQUIRE(result.tasks.size() == 2);
  CHECK(result.tasks[0].name == "det");
  CHECK(result.tasks[0].index == 0);
  CHECK(result.tasks[1].name == "depth");
  CHECK(result.tasks[1].index == 3);
  CHECK(result.tasks[0].outputs.count("boxes") == 1);
  CHECK(result.tasks[1].outputs.at("depth").sizes() == at::IntArrayRef{32, 48});
  CHECK_FALSE(result.backbone_cached);
}

TEST_CASE("backbone then head equals run") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 3);
  const mtl::Features features = model.backbone(input);
  CHECK(features.names() == std::vector<std::string>{"c2", "c3"});

  const mtl::RunResult result = model.run(input, model.all_tasks());
  for (const mtl::TaskResult& task : result.tasks) {
    CAPTURE(task.name);
    CHECK(bitwise_equal(model.head(task.name, features), task.outputs));
    CHECK(bitwise_equal(model.head(task.index, features), task.outputs));
  }
  for (const auto& [name, tensor] : features.entries()) {
    CHECK(bitwise_equal(tensor, result.features.at(name)));
  }
}

TEST_CASE("run with every task equals forward") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 4);
  const auto forward = model.forward(input);
  const mtl::RunResult result = model.run(input, model.all_tasks());
  REQUIRE(forward.size() == result.tasks.size());
  for (const mtl::TaskResult& task : result.tasks) {
    CAPTURE(task.name);
    REQUIRE(forward.count(task.name) == 1);
    const mtl::TensorMap& expected = forward.at(task.name);
    REQUIRE(expected.size() == task.outputs.size());
    for (const auto& [key, tensor] : expected) {
      CAPTURE(key);
      // forward() runs the same optimized operations on the same data, so nothing but the method
      // boundaries differ and the results are identical.
      CHECK(bitwise_equal(tensor, task.outputs.at(key)));
    }
  }
}

TEST_CASE("head rejects unknown task and empty features") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const mtl::Features features = model.backbone(mtl::test::random_input(model, 5));
  CHECK_THROWS_WITH_AS(model.head("segm", features), doctest::Contains("det, seg, cls, depth"), mtl::Error);
  CHECK_THROWS_AS(model.head(9, features), mtl::Error);
  CHECK_THROWS_AS(model.head(-1, features), mtl::Error);
  CHECK_THROWS_AS(model.head("seg", mtl::Features()), mtl::Error);
}

TEST_CASE("head reports missing feature by name") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const mtl::Features features = model.backbone(mtl::test::random_input(model, 5));
  const mtl::Features partial({{"c2", features.at("c2")}});
  try {
    model.head("cls", partial);
    FAIL("a head ran without its feature");
  } catch (const mtl::Error& error) {
    CHECK(error.code() == mtl::ErrorCode::kInference);
    CHECK(std::string(error.what()).find("head 'cls'") != std::string::npos);
  }
}

TEST_CASE("run rejects empty and foreign masks") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 6);
  CHECK_THROWS_AS(model.run(input, mtl::TaskMask()), mtl::Error);
  CHECK_THROWS_WITH_AS(model.run(input, mtl::TaskMask{7}), doctest::Contains("only 4 tasks"), mtl::Error);
  CHECK_THROWS_WITH_AS(model.mask("det,nope"), doctest::Contains("'nope'"), mtl::Error);
}

TEST_CASE("run check mode catches a writing head") {
  mtl::LoadOptions options = test_options();
  options.verify_heads = false;  // let the bad head through load, to test the run-time check
  const MultiTaskModel model = MultiTaskModel::load(fixture("mutating.pt"), options);
  const at::Tensor input = mtl::test::random_input(model, 8);

  mtl::RunOptions checked;
  checked.check_features = true;
  CHECK_NOTHROW(model.run(input, model.mask("clean"), checked));
  CHECK_THROWS_WITH_AS(model.run(input, model.mask("dirty"), checked), doctest::Contains("head 'dirty'"), mtl::Error);
}

TEST_CASE("run rejects outputs breaking the convention") {
  // passthrough.pt's cls head returns 2 logits for 3 labels when input[0, 0, 0, 0] > 5.
  const MultiTaskModel model = MultiTaskModel::load(fixture("passthrough.pt"), test_options());
  at::Tensor input = at::zeros({1, 3, 32, 48});
  CHECK(model.run(input, model.mask("cls")).tasks[0].outputs.at("logits").numel() == 3);

  input[0][0][0][0] = 10.0f;
  try {
    model.run(input, model.mask("cls"));
    FAIL("outputs that break the convention were returned");
  } catch (const mtl::Error& error) {
    const std::string message = error.what();
    CHECK(error.code() == mtl::ErrorCode::kInference);
    CHECK(message.find("head 'cls'") != std::string::npos);
    CHECK(message.find("2 classes") != std::string::npos);
  }
  CHECK_THROWS_AS(model.head("cls", model.backbone(input)), mtl::Error);
}
