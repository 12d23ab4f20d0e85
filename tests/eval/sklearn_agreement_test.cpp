// Checks detection and multi-label AP against scikit-learn's average_precision_score. These tests
// need the Python in python_executable() with scikit-learn and fail when it is missing.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "mtl/eval/detection_evaluator.h"
#include "mtl/eval/multilabel_evaluator.h"
#include "test_support.h"

namespace mtl::eval {
namespace {

using nlohmann::json;
using testing::TempDir;

// A small linear congruential generator, so that the data is the same on every platform.
class Sequence {
 public:
  explicit Sequence(std::uint32_t seed) : state_(seed) {}

  std::uint32_t next() {
    state_ = state_ * 1664525u + 1013904223u;
    return state_ >> 8;
  }

  // A value in [0, 1).
  double uniform() { return static_cast<double>(next() % 1000000u) / 1000000.0; }

 private:
  std::uint32_t state_;
};

// Runs `script` on `data` and returns one number per output line.
std::vector<double> run_on_json(const std::string& script, const json& data) {
  TempDir folder;
  std::filesystem::path input = folder.path() / "input.json";
  testing::write_text(input, data.dump());

  testing::PythonRun run = testing::run_python(script, {input.string()});
  INFO("python: " << testing::python_executable());
  INFO("output: " << run.output);
  REQUIRE_MESSAGE(run.exit_code == 0,
                  "the scikit-learn check needs a Python with scikit-learn; install "
                  "python3-sklearn or set MTL_TEST_PYTHON");

  std::vector<double> values;
  std::istringstream lines(run.output);
  double value = 0.0;
  while (lines >> value) {
    values.push_back(value);
  }
  return values;
}

// Prints, for each ranking, sklearn's AP scaled by matched / ground truth (0 when nothing matched).
constexpr const char* kDetectionScript = R"(
import json, sys
from sklearn.metrics import average_precision_score
for ranking in json.load(open(sys.argv[1])):
    matched = sum(ranking["tp"])
    if matched == 0:
        print(0.0)
        continue
    ap = average_precision_score(ranking["tp"], ranking["scores"])
    print(repr(float(ap) * matched / ranking["g"]))
)";

// Prints sklearn's AP of each label column, then the micro-averaged F1 at logit 0 (probability 0.5).
constexpr const char* kMultilabelScript = R"(
import json, sys
import numpy as np
from sklearn.metrics import average_precision_score, f1_score
data = json.load(open(sys.argv[1]))
logits = np.array(data["logits"], dtype=np.float32)
truth = np.array(data["truth"], dtype=np.int64)
for label in range(logits.shape[1]):
    print(repr(float(average_precision_score(truth[:, label], logits[:, label]))))
print(repr(float(f1_score(truth, (logits >= 0).astype(np.int64), average="micro"))))
)";

// Boxes of 3 classes over 8 images: jittered copies of ground truth at varied IoU, extra false
// positives, and missed objects. Scores are distinct, because scikit-learn merges tied scores
// into one step and the un-interpolated AP does not.
void add_random_set(DetectionEvaluator& evaluator) {
  Sequence random(20240611u);
  std::vector<float> scores;
  for (int i = 0; i < 400; ++i) {
    scores.push_back(0.001f * static_cast<float>(i + 1));
  }
  std::size_t next_score = 0;
  auto take_score = [&] {
    std::size_t pick = next_score + random.next() % (scores.size() - next_score);
    std::swap(scores[next_score], scores[pick]);
    return scores[next_score++];
  };

  for (int image = 0; image < 8; ++image) {
    GroundTruthBoxes truth;
    Detections predictions;
    int objects = static_cast<int>(random.next() % 5);
    for (int i = 0; i < objects; ++i) {
      auto x = static_cast<float>(random.next() % 80);
      auto y = static_cast<float>(random.next() % 80);
      auto size = static_cast<float>(10 + random.next() % 30);
      auto label = static_cast<std::int64_t>(random.next() % 3);
      truth.boxes.push_back(Box{x, y, x + size, y + size});
      truth.labels.push_back(label);

      int copies = static_cast<int>(random.next() % 3);  // 0: missed; 2: a duplicate.
      for (int c = 0; c < copies; ++c) {
        auto shift = static_cast<float>(random.uniform() * size * 0.6);
        predictions.boxes.push_back(Box{x + shift, y, x + size + shift, y + size});
        predictions.scores.push_back(take_score());
        predictions.labels.push_back(random.next() % 5 == 0 ? (label + 1) % 3 : label);
      }
    }
    int false_positives = static_cast<int>(random.next() % 3);
    for (int i = 0; i < false_positives; ++i) {
      auto x = static_cast<float>(random.next() % 100);
      predictions.boxes.push_back(Box{x, 100.0f, x + 12.0f, 115.0f});
      predictions.scores.push_back(take_score());
      predictions.labels.push_back(static_cast<std::int64_t>(random.next() % 3));
    }
    evaluator.add(predictions, truth);
  }
}

TEST_CASE("detection AP agrees with scikit-learn") {
  DetectionEvaluator evaluator({"a", "b", "c"});
  add_random_set(evaluator);
  DetectionResult result = evaluator.compute();

  json rankings = json::array();
  for (std::int64_t label = 0; label < 3; ++label) {
    ClassRanking ranking = evaluator.ranking(label, 0.5);
    json scores = json::array();
    json tp = json::array();
    for (const RankedPrediction& prediction : ranking.predictions) {
      scores.push_back(prediction.score);
      tp.push_back(prediction.true_positive ? 1 : 0);
    }
    rankings.push_back({{"scores", scores}, {"tp", tp}, {"g", ranking.ground_truth_count}});

    // The set must exercise both outcomes, or the comparison proves little.
    CHECK(ranking.ground_truth_count > 0);
    CHECK(std::count(tp.begin(), tp.end(), 1) > 0);
    CHECK(std::count(tp.begin(), tp.end(), 0) > 0);
  }

  std::vector<double> expected = run_on_json(kDetectionScript, rankings);
  REQUIRE(expected.size() == 3);
  for (std::size_t label = 0; label < 3; ++label) {
    INFO("class " << label);
    INFO("mtl " << result.classes[label].ap50_uninterpolated << ", scikit-learn " << expected[label]);
    CHECK(std::fabs(result.classes[label].ap50_uninterpolated - expected[label]) < 1e-6);
  }
}

TEST_CASE("multilabel AP agrees with scikit-learn") {
  constexpr int kImages = 40;
  constexpr int kLabels = 4;
  Sequence random(7u);
  MultilabelEvaluator evaluator({"red", "green", "blue", "plain"});

  // Logits on a grid of 0.5, so that many scores tie and the tie handling is exercised.
  json logits = json::array();
  json truth = json::array();
  for (int image = 0; image < kImages; ++image) {
    std::vector<float> row;
    std::vector<std::int64_t> positives;
    json truth_row = json::array();
    for (int label = 0; label < kLabels; ++label) {
      bool positive = random.next() % 3 == 0;
      float logit = static_cast<float>(static_cast<int>(random.next() % 9) - 4) * 0.5f;
      if (positive) {
        logit += 1.0f;
        positives.push_back(label);
      }
      row.push_back(logit);
      truth_row.push_back(positive ? 1 : 0);
    }
    evaluator.add(row, positives);
    logits.push_back(row);
    truth.push_back(truth_row);
  }
  MultilabelResult result = evaluator.compute();

  std::vector<double> expected =
      run_on_json(kMultilabelScript, json{{"logits", logits}, {"truth", truth}});
  REQUIRE(expected.size() == kLabels + 1);
  double mean = 0.0;
  for (int label = 0; label < kLabels; ++label) {
    INFO("label " << label);
    INFO("mtl " << result.ap[label] << ", scikit-learn " << expected[label]);
    CHECK(std::fabs(result.ap[label] - expected[label]) < 1e-6);
    mean += expected[label] / kLabels;
  }
  CHECK(std::fabs(result.map - mean) < 1e-6);
  CHECK(std::fabs(result.f1_micro - expected[kLabels]) < 1e-6);
}

}  // namespace
}  // namespace mtl::eval
