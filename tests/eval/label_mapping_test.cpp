#include "mtl/eval/label_mapping.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "mtl/eval/segmentation_evaluator.h"
#include "test_support.h"

namespace mtl::eval {
namespace {

using nlohmann::json;
using testing::catch_error;

// A one-image set with boxes of categories 5 and 7, tags 5 and 9, and a label map with
// categories 5 and 7, the background and the ignore label 200.
EvalDataset load_set(const testing::TempDir& folder) {
  testing::write_png8(folder.path() / "images/1.png", 4, 2, 3, std::vector<std::uint8_t>(24, 0));
  testing::write_png8(folder.path() / "masks/1.png", 4, 2, 1, {0, 5, 7, 200, 0, 0, 5, 5});
  json index = json::parse(R"({
    "categories": [{"id": 5, "name": "Bag"}, {"id": 7, "name": "Sneaker"},
                   {"id": 9, "name": "striped"}, {"id": 11, "name": "unused"}],
    "images": [{"id": 1, "file_name": "images/1.png", "width": 4, "height": 2,
                "segmentation_file": "masks/1.png", "tags": [5, 9]}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [0, 0, 2, 2]},
                    {"id": 2, "image_id": 1, "category_id": 5, "bbox": [2, 0, 2, 1]}],
    "segmentation": {"ignore_label": 200}
  })");
  testing::write_text(folder.path() / "annotations.json", index.dump());
  return EvalDataset::load(folder.path());
}

TEST_CASE("mapping pairs categories by name") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  LabelMapping mapping =
      LabelMapping::create(dataset, TaskKind::kDetection, {"Sneaker", "Coat", "Bag"}, "det");

  CHECK(mapping.label_index(7) == 0);
  CHECK(mapping.label_index(5) == 2);
  GroundTruthBoxes boxes = mapping.ground_truth_boxes(dataset.images()[0]);
  CHECK(boxes.labels == std::vector<std::int64_t>{0, 2});
  REQUIRE(boxes.boxes.size() == 2);
  CHECK(boxes.boxes[1].x1 == 2.0f);
}

TEST_CASE("mapping ignores categories the task never uses") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  // "striped" and "unused" are not detection categories, so the model need not know them.
  LabelMapping mapping = LabelMapping::create(dataset, TaskKind::kDetection, {"Bag", "Sneaker"}, "det");

  auto error = catch_error([&] { mapping.label_index(9); });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kNotFound);
  CHECK(error->message.find("category id 9") != std::string::npos);
}

TEST_CASE("mapping unknown name lists labels") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  auto error = catch_error(
      [&] { LabelMapping::create(dataset, TaskKind::kMultilabel, {"Bag", "dotted"}, "tags"); });

  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidData);
  CHECK(error->message.find("category \"striped\" (id 9)") != std::string::npos);
  CHECK(error->message.find("\"Bag\", \"dotted\"") != std::string::npos);
  CHECK(error->message.find("task \"tags\"") != std::string::npos);
}

TEST_CASE("mapping converts tags to indices") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  LabelMapping mapping =
      LabelMapping::create(dataset, TaskKind::kMultilabel, {"striped", "Bag"}, "tags");
  CHECK(mapping.label_indices(*dataset.images()[0].tags) == std::vector<std::int64_t>{1, 0});
}

TEST_CASE("mapping converts label map to classes") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  LabelMapping mapping = LabelMapping::create(dataset, TaskKind::kSegmentation,
                                              {"background", "Sneaker", "Bag"}, "seg");

  LabelMap classes = mapping.to_class_map(dataset.read_label_map(dataset.images()[0]));
  constexpr std::int32_t kIgnore = SegmentationEvaluator::kIgnoreIndex;
  CHECK(classes.values == std::vector<std::int32_t>{0, 2, 1, kIgnore, 0, 0, 2, 2});
  CHECK(classes.height == 2);
  CHECK(classes.width == 4);
}

TEST_CASE("mapping rejects wrong use") {
  testing::TempDir folder;
  EvalDataset dataset = load_set(folder);
  LabelMapping detection = LabelMapping::create(dataset, TaskKind::kDetection, {"Bag", "Sneaker"}, "det");

  auto not_segmentation = catch_error([&] { detection.to_class_map(LabelMap{1, 1, {0}}); });
  REQUIRE(not_segmentation);
  CHECK(not_segmentation->code == ErrorCode::kInvalidArgument);

  CHECK(catch_error([&] { LabelMapping::create(dataset, TaskKind::kCustom, {}, "raw"); }).has_value());
  CHECK(catch_error([&] { LabelMapping::create(dataset, TaskKind::kSegmentation, {}, "seg"); }).has_value());

  LabelMapping segmentation = LabelMapping::create(dataset, TaskKind::kSegmentation,
                                                   {"background", "Sneaker", "Bag"}, "seg");
  auto unmapped = catch_error([&] { segmentation.to_class_map(LabelMap{1, 1, {11}}); });
  REQUIRE(unmapped);
  CHECK(unmapped->message.find("category id 11") != std::string::npos);
}

}  // namespace
}  // namespace mtl::eval
