#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <doctest/doctest.h>

#include <algorithm>

#include "mtl/error.h"
#include "mtl/multi_task_model.h"
#include "test_support.h"

using mtl::MultiTaskModel;
using mtl::test::fixture;
using mtl::test::test_options;

namespace {

bool has_method(const MultiTaskModel& model, const std::string& name) {
  const auto methods = model.methods();
  return std::any_of(methods.begin(), methods.end(), [&](const mtl::MethodInfo& method) { return method.name == name; });
}

}  // namespace

TEST_CASE("model load reads manifest and methods") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  CHECK(model.manifest().model_name == "tiny");
  CHECK(model.manifest().model_version == "1.0.0");
  CHECK(model.version_string() == "tiny 1.0.0");
  CHECK(model.task_names() == std::vector<std::string>{"det", "seg", "cls", "depth"});
  CHECK(model.tasks()[0].kind == mtl::TaskKind::kDetection);
  CHECK(model.tasks()[1].critical);
  CHECK(model.manifest().input.height == 32);
  CHECK(model.manifest().input.width == 48);
  CHECK(model.manifest().backbone_digest.rfind("sha256:", 0) == 0);
  CHECK(model.backbone_digest().rfind("xxh3:", 0) == 0);
  CHECK(model.task_index("cls") == 2);
  CHECK(model.has_forward());

  // Optimization must keep every method, not only forward.
  for (const char* name : {"backbone", "head_det", "head_seg", "head_cls", "head_depth", "forward"}) {
    CAPTURE(name);
    CHECK(has_method(model, name));
  }
}

TEST_CASE("model load from buffer equals file load") {
  const std::string bytes = mtl::test::read_file(fixture("tiny.pt"));
  const MultiTaskModel from_buffer = MultiTaskModel::load_from_buffer(bytes.data(), bytes.size(), test_options(), "tiny");
  const MultiTaskModel from_file = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  CHECK(from_buffer.source() == "tiny");
  CHECK(from_buffer.task_names() == from_file.task_names());

  const at::Tensor input = mtl::test::random_input(from_file, 7);
  const mtl::RunResult a = from_buffer.run(input, from_buffer.all_tasks());
  const mtl::RunResult b = from_file.run(input, from_file.all_tasks());
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    CAPTURE(a.tasks[i].name);
    CHECK(mtl::test::bitwise_equal(a.tasks[i].outputs, b.tasks[i].outputs));
  }
}

TEST_CASE("model without manifest discovers tasks and warns") {
  mtl::test::LogCapture log;
  mtl::LoadOptions options = test_options();
  options.log_sink = log.sink();
  const MultiTaskModel model = MultiTaskModel::load(fixture("no_manifest.pt"), options);

  CHECK_FALSE(model.manifest().from_file);
  std::vector<std::string> names = model.task_names();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"cls", "depth", "det", "seg"});
  CHECK(model.manifest().input.channels == 3);
  CHECK(model.manifest().input.dynamic_size);
  CHECK(model.backbone_digest().rfind("xxh3:", 0) == 0);
  CHECK(log.contains(mtl::LogLevel::kWarning, "no mtl/manifest.json"));

  // Any input size works, and the outputs equal the model with a manifest.
  const MultiTaskModel with_manifest = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(with_manifest, 3);
  const mtl::RunResult bare = model.run(input, model.mask("cls"));
  const mtl::RunResult full = with_manifest.run(input, with_manifest.mask("cls"));
  CHECK(at::allclose(bare.tasks[0].outputs.at("logits"), full.tasks[0].outputs.at("logits"), 1e-5, 1e-6));
}

TEST_CASE("model load is silent without sink problems") {
  mtl::test::LogCapture log;
  mtl::LoadOptions options = test_options();
  options.log_sink = log.sink();
  MultiTaskModel::load(fixture("tiny.pt"), options);
  CHECK_FALSE(log.contains(mtl::LogLevel::kWarning, ""));
}

TEST_CASE("backbone digest matches across head-only changes") {
  const MultiTaskModel v1 = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const MultiTaskModel v2 = MultiTaskModel::load(fixture("tiny_v2.pt"), test_options());
  const MultiTaskModel raising = MultiTaskModel::load(fixture("raising.pt"), test_options());
  CHECK(v1.backbone_digest() == v2.backbone_digest());
  CHECK(v1.manifest().model_version != v2.manifest().model_version);
  CHECK(raising.backbone_digest() != v1.backbone_digest());
}

TEST_CASE("model load rejects head writing into features") {
  try {
    MultiTaskModel::load(fixture("mutating.pt"), test_options());
    FAIL("a head that writes into its features was accepted");
  } catch (const mtl::Error& error) {
    const std::string message = error.what();
    CHECK(error.code() == mtl::ErrorCode::kInvalidModel);
    CHECK(message.find("'dirty'") != std::string::npos);
    CHECK(message.find("'c3'") != std::string::npos);
  }
}

TEST_CASE("model load warns about head raising on warm-up") {
  mtl::test::LogCapture log;
  mtl::LoadOptions options = test_options();
  options.log_sink = log.sink();
  const MultiTaskModel model = MultiTaskModel::load(fixture("raising.pt"), options);
  CHECK(log.contains(mtl::LogLevel::kWarning, "head 'boom'"));
  CHECK(model.task_count() == 3);
}

TEST_CASE("model load applies intra-op thread option") {
  mtl::LoadOptions options = test_options();
  options.intra_op_threads = 2;
  MultiTaskModel::load(fixture("tiny.pt"), options);
  CHECK(at::get_num_threads() == 2);
  options.intra_op_threads = 1;
  MultiTaskModel::load(fixture("tiny.pt"), options);
  CHECK(at::get_num_threads() == 1);
}

TEST_CASE("model load without optimization matches optimized") {
  mtl::LoadOptions plain_options = test_options();
  plain_options.optimize = false;
  const MultiTaskModel plain = MultiTaskModel::load(fixture("tiny.pt"), plain_options);
  const MultiTaskModel optimized = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(plain, 11);
  const mtl::RunResult a = plain.run(input, plain.mask("seg,cls,depth"));
  const mtl::RunResult b = optimized.run(input, optimized.mask("seg,cls,depth"));
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    for (const auto& [key, tensor] : a.tasks[i].outputs) {
      CAPTURE(key);
      CHECK(at::allclose(tensor, b.tasks[i].outputs.at(key), 1e-4, 1e-5));
    }
  }
}

TEST_CASE("model load optimizes every method") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  // Batch norm is folded into the convolutions, and convolutions run on oneDNN's layout, in the
  // backbone and in the heads alike, not only in forward.
  CHECK(model.graph("backbone").find("aten::batch_norm") == std::string::npos);
  for (const char* method : {"backbone", "head_seg", "head_det", "forward"}) {
    CAPTURE(method);
    CHECK(model.graph(method).find("mkldnn") != std::string::npos);
  }

  mtl::LoadOptions plain_options = test_options();
  plain_options.optimize = false;
  const MultiTaskModel plain = MultiTaskModel::load(fixture("tiny.pt"), plain_options);
  CHECK(plain.graph("head_seg").find("mkldnn") == std::string::npos);
  CHECK_THROWS_WITH_AS(model.graph("head_nope"), doctest::Contains("head_seg"), mtl::Error);
}

TEST_CASE("model load freezes an unfrozen archive") {
  const MultiTaskModel unfrozen = MultiTaskModel::load(fixture("unfrozen.pt"), test_options());
  const MultiTaskModel frozen = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  CHECK(unfrozen.task_names() == frozen.task_names());
  const at::Tensor input = mtl::test::random_input(frozen, 21);
  const mtl::RunResult a = unfrozen.run(input, unfrozen.mask("seg,cls,depth"));
  const mtl::RunResult b = frozen.run(input, frozen.mask("seg,cls,depth"));
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    for (const auto& [key, tensor] : a.tasks[i].outputs) {
      CAPTURE(key);
      CHECK(at::allclose(tensor, b.tasks[i].outputs.at(key), 1e-4, 1e-5));
    }
  }
}
