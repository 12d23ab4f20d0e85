// The committed reference archives, checked against what PyTorch recorded when they were exported:
// their manifests, their outputs on three evaluation scenes, and their metrics on the whole
// evaluation split, computed here by mtl's own evaluators. Also the deployment gate on them.
#include <ATen/ATen.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "mtl/eval/gate_policy.h"
#include "mtl/image.h"
#include "mtl/model_evaluation.h"
#include "mtl/model_gate.h"
#include "mtl/multi_task_model.h"
#include "mtl/preprocess.h"
#include "test_support.h"

using mtl::MultiTaskModel;
using nlohmann::json;

namespace {

std::string archive(const std::string& stem) { return mtl::test::source_path("models/" + stem + ".pt"); }

json read_json(const std::string& path) { return json::parse(mtl::test::read_file(path)); }

const mtl::eval::EvalDataset& eval_split() {
  static const mtl::eval::EvalDataset dataset = mtl::eval::EvalDataset::load(MTL_EVAL_SPLIT_DIR);
  return dataset;
}

// Evaluations are slow (1,000 scenes), so each archive is evaluated once per test binary run.
const mtl::EvaluationReport& evaluation_of(const std::string& stem) {
  static std::map<std::string, mtl::EvaluationReport> reports;
  auto found = reports.find(stem);
  if (found == reports.end()) {
    const MultiTaskModel model = MultiTaskModel::load(archive(stem), mtl::test::test_options());
    found = reports.emplace(stem, mtl::evaluate_model(model, eval_split())).first;
  }
  return found->second;
}

double metric(const mtl::EvaluationReport& report, const std::string& task, const std::string& name) {
  const mtl::eval::TaskMetrics* metrics = report.find(task);
  REQUIRE_MESSAGE(metrics != nullptr, "task " << task << " was not evaluated");
  const mtl::eval::MetricValue* value = metrics->find(name);
  REQUIRE_MESSAGE(value != nullptr, "metric " << task << "." << name << " is missing");
  return value->value;
}

std::vector<float> floats(const json& values) { return values.get<std::vector<float>>(); }

void check_detections(const json& expected, const mtl::TensorMap& outputs) {
  const at::Tensor boxes = outputs.at("boxes").contiguous();
  const at::Tensor scores = outputs.at("scores").contiguous();
  const at::Tensor labels = outputs.at("labels").contiguous();
  REQUIRE(scores.size(0) == static_cast<int64_t>(expected["scores"].size()));
  for (std::size_t i = 0; i < expected["scores"].size(); ++i) {
    CAPTURE(i);
    CHECK(labels[i].item<int64_t>() == expected["labels"][i].get<int64_t>());
    CHECK(scores[i].item<float>() == doctest::Approx(expected["scores"][i].get<float>()).epsilon(1e-3));
    for (int c = 0; c < 4; ++c) {
      CHECK(std::abs(boxes[i][c].item<float>() - expected["boxes"][i][c].get<float>()) < 1e-2);
    }
  }
}

void check_segmentation(const json& expected, const at::Tensor& logits) {
  REQUIRE(logits.sizes().vec() == expected["shape"].get<std::vector<int64_t>>());
  const at::Tensor sums = logits.to(at::kDouble).sum({1, 2});
  const std::vector<float> expected_sums = floats(expected["channel_sums"]);
  for (std::size_t c = 0; c < expected_sums.size(); ++c) {
    CAPTURE(c);
    CHECK(std::abs(sums[c].item<double>() - expected_sums[c]) < 1e-3 * (1.0 + std::abs(expected_sums[c])));
  }

  // A pixel whose two best logits are within float rounding may flip; allow a few such pixels.
  const at::Tensor histogram = at::bincount(logits.argmax(0).reshape(-1), {}, logits.size(0));
  const std::vector<int64_t> expected_histogram = expected["argmax_histogram"].get<std::vector<int64_t>>();
  int64_t moved = 0;
  for (std::size_t c = 0; c < expected_histogram.size(); ++c) {
    moved += std::abs(histogram[c].item<int64_t>() - expected_histogram[c]);
  }
  CHECK(moved <= 4);

  const at::Tensor flat = logits.contiguous().reshape(-1);
  const std::vector<float> samples = floats(expected["samples"]);
  const int64_t stride = expected["sample_stride"].get<int64_t>();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(flat[i * stride].item<float>() - samples[i]) < 1e-3 * (1.0f + std::abs(samples[i])));
  }
}

}  // namespace

TEST_CASE("reference archives declare their tasks") {
  const std::pair<const char*, std::vector<std::string>> expected[] = {
      {"multifashion-v1", {"det", "seg", "tags"}},
      {"multifashion-v2", {"det", "seg", "tags"}},
      {"multifashion-seg", {"seg"}},
  };
  for (const auto& [stem, tasks] : expected) {
    CAPTURE(stem);
    const MultiTaskModel model = MultiTaskModel::load(archive(stem), mtl::test::test_options());
    CHECK(model.task_names() == tasks);
    CHECK(model.manifest().from_file);
    CHECK(model.tasks()[model.task_index("seg")].critical);
    CHECK(model.tasks()[model.task_index("seg")].kind == mtl::TaskKind::kSegmentation);
    CHECK(model.manifest().input.height == 128);
    CHECK(model.manifest().input.width == 128);
  }
}

TEST_CASE("reference archives reproduce recorded outputs") {
  for (const char* stem : {"multifashion-v1", "multifashion-v2", "multifashion-seg"}) {
    CAPTURE(stem);
    const MultiTaskModel model = MultiTaskModel::load(archive(stem), mtl::test::test_options());
    const json reference = read_json(mtl::test::source_path(std::string("models/") + stem + ".reference.json"));
    REQUIRE(reference["scenes"].size() == 3);
    for (const json& scene : reference["scenes"]) {
      CAPTURE(scene["file_name"].get<std::string>());
      const mtl::Image image = mtl::Image::load(std::string(MTL_EVAL_SPLIT_DIR) + "/" + scene["file_name"].get<std::string>());
      const mtl::PreparedInput input = mtl::preprocess(image, model.manifest().input);
      const mtl::RunResult result = model.run(input.tensor, model.all_tasks());
      for (const auto& [task, expected] : scene["tasks"].items()) {
        CAPTURE(task);
        const mtl::TaskResult* actual = result.find(task);
        REQUIRE(actual != nullptr);
        switch (model.tasks()[actual->index].kind) {
          case mtl::TaskKind::kDetection:
            check_detections(expected, actual->outputs);
            break;
          case mtl::TaskKind::kSegmentation:
            check_segmentation(expected, actual->outputs.at("logits"));
            break;
          default: {
            const std::vector<float> logits = floats(expected.at("logits"));
            const at::Tensor tensor = actual->outputs.at("logits");
            REQUIRE(tensor.numel() == static_cast<int64_t>(logits.size()));
            for (std::size_t i = 0; i < logits.size(); ++i) {
              CHECK(std::abs(tensor[i].item<float>() - logits[i]) < 1e-3 * (1.0f + std::abs(logits[i])));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("evaluation agrees with recorded Python metrics") {
  for (const char* stem : {"multifashion-v1", "multifashion-v2", "multifashion-seg"}) {
    CAPTURE(stem);
    const json recorded = read_json(mtl::test::source_path(std::string("models/") + stem + ".metrics.json"));
    REQUIRE(recorded["eval_split"]["count"].get<std::size_t>() == eval_split().images().size());
    const mtl::EvaluationReport& report = evaluation_of(stem);
    CHECK(report.images == eval_split().images().size());
    int compared = 0;
    for (const auto& [task, values] : recorded["tasks"].items()) {
      for (const auto& [name, value] : values.items()) {
        if (value.is_null()) {
          continue;
        }
        CAPTURE(task);
        CAPTURE(name);
        CHECK(std::abs(metric(report, task, name) - value.get<double>()) <= 1e-3);
        ++compared;
      }
    }
    CHECK(compared >= 3);
  }
}

TEST_CASE("gate blocks v2 on segmentation") {
  const MultiTaskModel v1 = MultiTaskModel::load(archive("multifashion-v1"), mtl::test::test_options());
  const mtl::eval::GatePolicy policy = mtl::eval::GatePolicy::from_manifest(v1.tasks());
  const mtl::EvaluationReport& baseline = evaluation_of("multifashion-v1");
  const mtl::EvaluationReport& candidate = evaluation_of("multifashion-v2");

  const mtl::eval::GateReport report = mtl::eval::run_gate(policy, baseline.tasks, candidate.tasks);
  CHECK_FALSE(report.promote());
  for (const mtl::eval::TaskVerdict& verdict : report.tasks) {
    CAPTURE(verdict.task);
    if (verdict.task == "seg") {
      CHECK(verdict.verdict == mtl::eval::Verdict::kBlocked);
      CHECK(verdict.delta < -verdict.allowed);
      CHECK(verdict.delta == doctest::Approx(metric(candidate, "seg", "miou") - metric(baseline, "seg", "miou")));
    } else {
      CHECK(verdict.verdict == mtl::eval::Verdict::kPass);
    }
  }
  CHECK(metric(candidate, "det", "map50") > metric(baseline, "det", "map50"));

  // The same baseline against itself promotes.
  CHECK(mtl::eval::run_gate(policy, baseline.tasks, baseline.tasks).promote());
}
