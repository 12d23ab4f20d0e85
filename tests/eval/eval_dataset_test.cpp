#include "mtl/eval/eval_dataset.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace mtl::eval {
namespace {

using nlohmann::json;
using testing::catch_error;
using testing::CaughtError;

constexpr int kWidth = 8;
constexpr int kHeight = 6;

// A valid two-image set in a temporary folder. Tests change `index` or the files, then load.
struct SetFixture {
  testing::TempDir folder;
  json index;

  SetFixture() {
    testing::write_png8(file("images/1.png"), kWidth, kHeight, 3,
                        std::vector<std::uint8_t>(kWidth * kHeight * 3, 128));
    testing::write_png8(file("images/2.png"), kWidth, kHeight, 3,
                        std::vector<std::uint8_t>(kWidth * kHeight * 3, 64));
    write_label_map(default_label_map());
    std::vector<std::uint16_t> depth(kWidth * kHeight, 1500);
    depth[0] = 0;
    testing::write_png16(file("depth/1.png"), kWidth, kHeight, depth);

    index = json::parse(R"({
      "info": {"description": "test set", "version": "1"},
      "categories": [{"id": 1, "name": "T-shirt/top"}, {"id": 2, "name": "Trouser"},
                     {"id": 3, "name": "Bag"}],
      "images": [
        {"id": 1, "file_name": "images/1.png", "width": 8, "height": 6,
         "segmentation_file": "masks/1.png", "tags": [1, 3], "category_id": 2,
         "depth_file": "depth/1.png"},
        {"id": 2, "file_name": "images/2.png", "width": 8, "height": 6, "category_id": 1}
      ],
      "annotations": [
        {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1.0, 1.0, 3.0, 2.0], "area": 6.0,
         "iscrowd": 0},
        {"id": 11, "image_id": 2, "category_id": 2, "bbox": [0, 0, 8, 6]}
      ],
      "segmentation": {"ignore_label": 255},
      "depth": {"scale": 1000.0}
    })");
  }

  std::filesystem::path file(const std::string& relative) const {
    return folder.path() / relative;
  }

  // Returns a label map for image 1: background except one pixel each of categories 1 and 2
  // and of the ignore label, in the first row.
  static std::vector<std::uint8_t> default_label_map() {
    std::vector<std::uint8_t> values(kWidth * kHeight, 0);
    values[1] = 1;
    values[2] = 2;
    values[3] = 255;
    return values;
  }

  void write_label_map(const std::vector<std::uint8_t>& values) {
    testing::write_png8(file("masks/1.png"), kWidth, kHeight, 1, values);
  }

  EvalDataset load() const {
    testing::write_text(file("annotations.json"), index.dump(2));
    return EvalDataset::load(folder.path());
  }

  // Loads and returns the error, which the test expects.
  CaughtError load_error() const {
    auto error = catch_error([&] { load(); });
    REQUIRE_MESSAGE(error.has_value(), "the set loaded, but an error was expected");
    return *error;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("dataset valid set loads") {
  SetFixture fixture;
  EvalDataset dataset = fixture.load();

  REQUIRE(dataset.images().size() == 2);
  CHECK(dataset.categories().size() == 3);
  const EvalImage& first = dataset.images()[0];
  CHECK(first.id == 1);
  CHECK(first.width == kWidth);
  REQUIRE(first.boxes.size() == 1);
  CHECK(first.boxes[0].box.x1 == 1.0f);
  CHECK(first.boxes[0].box.x2 == 4.0f);
  CHECK(first.boxes[0].box.y2 == 3.0f);
  CHECK(first.tags == std::vector<std::int64_t>{1, 3});
  CHECK(first.category_id == 2);
  CHECK(dataset.ignore_label() == 255);
  CHECK(dataset.depth_scale() == 1000.0);
  CHECK(dataset.find_category(3)->name == "Bag");
  CHECK(dataset.find_category(9) == nullptr);
}

TEST_CASE("dataset selects images per kind") {
  SetFixture fixture;
  EvalDataset dataset = fixture.load();

  CHECK(dataset.has_labels(TaskKind::kDetection));
  CHECK(dataset.has_labels(TaskKind::kSegmentation));
  CHECK_FALSE(dataset.has_labels(TaskKind::kCustom));
  CHECK(dataset.images_with_labels(TaskKind::kDetection).size() == 2);
  CHECK(dataset.images_with_labels(TaskKind::kSegmentation).size() == 1);
  CHECK(dataset.images_with_labels(TaskKind::kMultilabel).size() == 1);
  CHECK(dataset.images_with_labels(TaskKind::kClassification).size() == 2);
  CHECK(dataset.images_with_labels(TaskKind::kDepth).size() == 1);

  CHECK(dataset.used_category_ids(TaskKind::kDetection) == std::vector<std::int64_t>{1, 2});
  CHECK(dataset.used_category_ids(TaskKind::kSegmentation) == std::vector<std::int64_t>{1, 2});
  CHECK(dataset.used_category_ids(TaskKind::kMultilabel) == std::vector<std::int64_t>{1, 3});
  CHECK(dataset.used_category_ids(TaskKind::kClassification) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("dataset without annotations has no detection") {
  SetFixture fixture;
  fixture.index["annotations"] = json::array();
  EvalDataset dataset = fixture.load();
  CHECK_FALSE(dataset.has_labels(TaskKind::kDetection));
  CHECK(dataset.images_with_labels(TaskKind::kDetection).empty());
}

TEST_CASE("dataset reads label and depth maps") {
  SetFixture fixture;
  EvalDataset dataset = fixture.load();
  const EvalImage& first = dataset.images()[0];

  LabelMap labels = dataset.read_label_map(first);
  CHECK(labels.height == kHeight);
  CHECK(labels.width == kWidth);
  CHECK(labels.at(0, 0) == 0);
  CHECK(labels.at(0, 1) == 1);
  CHECK(labels.at(0, 3) == 255);

  DepthMap depth = dataset.read_depth_map(first);
  CHECK(depth.at(0, 0) == 0.0f);
  CHECK(depth.at(1, 1) == doctest::Approx(1.5));

  auto no_map = catch_error([&] { dataset.read_label_map(dataset.images()[1]); });
  REQUIRE(no_map);
  CHECK(no_map->code == ErrorCode::kInvalidArgument);
  CHECK(catch_error([&] { dataset.read_depth_map(dataset.images()[1]); }).has_value());
}

TEST_CASE("dataset missing folder or index") {
  testing::TempDir folder;
  auto no_folder = catch_error([&] { EvalDataset::load(folder.path() / "absent"); });
  REQUIRE(no_folder);
  CHECK(no_folder->code == ErrorCode::kNotFound);
  CHECK(contains(no_folder->message, "absent"));

  auto no_index = catch_error([&] { EvalDataset::load(folder.path()); });
  REQUIRE(no_index);
  CHECK(no_index->code == ErrorCode::kNotFound);
  CHECK(contains(no_index->message, "annotations.json"));
}

TEST_CASE("dataset malformed JSON names parse error") {
  SetFixture fixture;
  testing::write_text(fixture.file("annotations.json"), "{\"images\": [1, 2,,]}");
  auto error = catch_error([&] { EvalDataset::load(fixture.folder.path()); });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidData);
  CHECK(contains(error->message, "annotations.json"));
  CHECK(contains(error->message, "malformed JSON"));
  CHECK(contains(error->message, "parse error"));
}

TEST_CASE("dataset empty index file is malformed") {
  SetFixture fixture;
  testing::write_text(fixture.file("annotations.json"), "");
  auto error = catch_error([&] { EvalDataset::load(fixture.folder.path()); });
  REQUIRE(error);
  CHECK(error->code == ErrorCode::kInvalidData);
  CHECK(contains(error->message, "malformed JSON"));
}

TEST_CASE("dataset missing image file") {
  SetFixture fixture;
  std::filesystem::remove(fixture.file("images/2.png"));
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kNotFound);
  CHECK(contains(error.message, "images/2.png"));
  CHECK(contains(error.message, "image id 2"));
}

TEST_CASE("dataset image size mismatch") {
  SetFixture fixture;
  fixture.index["images"][1]["width"] = 16;
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "images/2.png"));
  CHECK(contains(error.message, "is 8x6 pixels"));
  CHECK(contains(error.message, "width 16"));
}

TEST_CASE("dataset truncated image header") {
  SetFixture fixture;
  testing::truncate_file(fixture.file("images/2.png"), 12);
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "images/2.png"));
  CHECK(contains(error.message, "cannot be read as an image"));
}

TEST_CASE("dataset truncated label map") {
  SetFixture fixture;
  auto size = std::filesystem::file_size(fixture.file("masks/1.png"));
  testing::truncate_file(fixture.file("masks/1.png"), size - 20);
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "masks/1.png"));
  CHECK(contains(error.message, "cannot be decoded"));
}

TEST_CASE("dataset box outside image") {
  SetFixture fixture;
  fixture.index["annotations"][0]["bbox"] = {6.0, 1.0, 3.0, 2.0};
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "annotations.json"));
  CHECK(contains(error.message, "annotations[0] (id 10).bbox"));
  CHECK(contains(error.message, "outside its image"));
}

TEST_CASE("dataset box with zero size") {
  SetFixture fixture;
  fixture.index["annotations"][1]["bbox"] = {1, 1, 0, 2};
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "annotations[1] (id 11).bbox"));
  CHECK(contains(error.message, "expected both positive"));
}

TEST_CASE("dataset malformed box") {
  SetFixture fixture;
  fixture.index["annotations"][1]["bbox"] = {1, 1, 2};
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "expected [x, y, width, height]"));
}

TEST_CASE("dataset unknown category in annotation") {
  SetFixture fixture;
  fixture.index["annotations"][0]["category_id"] = 7;
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "annotations[0] (id 10).category_id is 7"));
  CHECK(contains(error.message, "not the id of any entry in categories"));
}

TEST_CASE("dataset unknown image in annotation") {
  SetFixture fixture;
  fixture.index["annotations"][1]["image_id"] = 99;
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "annotations[1] (id 11).image_id is 99"));
}

TEST_CASE("dataset duplicate image id") {
  SetFixture fixture;
  fixture.index["images"][1]["id"] = 1;
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "images[1].id"));
  CHECK(contains(error.message, "repeats image id 1"));
}

TEST_CASE("dataset duplicate annotation id") {
  SetFixture fixture;
  fixture.index["annotations"][1]["id"] = 10;
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "repeats annotation id 10"));
}

TEST_CASE("dataset duplicate category id or name") {
  SetFixture fixture;
  fixture.index["categories"][2]["id"] = 2;
  CHECK(contains(fixture.load_error().message, "repeats category id 2"));

  fixture.index["categories"][2] = {{"id", 3}, {"name", "Trouser"}};
  CHECK(contains(fixture.load_error().message, "repeats category name \"Trouser\""));
}

TEST_CASE("dataset crowd annotation is rejected") {
  SetFixture fixture;
  fixture.index["annotations"][0]["iscrowd"] = 1;
  CHECK(contains(fixture.load_error().message, "crowd annotations are not supported"));
}

TEST_CASE("dataset tag not a category") {
  SetFixture fixture;
  fixture.index["images"][0]["tags"] = {1, 4};
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "images[0] (id 1).tags[1] is 4"));
}

TEST_CASE("dataset classification category unknown") {
  SetFixture fixture;
  fixture.index["images"][1]["category_id"] = 0;
  CHECK(contains(fixture.load_error().message, "images[1] (id 2).category_id is 0"));
}

TEST_CASE("dataset label map wrong size") {
  SetFixture fixture;
  testing::write_png8(fixture.file("masks/1.png"), 4, 6, 1, std::vector<std::uint8_t>(24, 0));
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "masks/1.png"));
  CHECK(contains(error.message, "is 4x6 pixels"));
}

TEST_CASE("dataset label map with three channels") {
  SetFixture fixture;
  testing::write_png8(fixture.file("masks/1.png"), kWidth, kHeight, 3,
                      std::vector<std::uint8_t>(kWidth * kHeight * 3, 0));
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "masks/1.png"));
  CHECK(contains(error.message, "3 channel(s)"));
  CHECK(contains(error.message, "single-channel PNG of bit depth 8"));
}

TEST_CASE("dataset label map invalid value") {
  SetFixture fixture;
  std::vector<std::uint8_t> values = SetFixture::default_label_map();
  values[kWidth + 2] = 9;
  fixture.write_label_map(values);
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "masks/1.png"));
  CHECK(contains(error.message, "value 9 at row 1, column 2"));
}

TEST_CASE("dataset label map 16-bit rejected") {
  SetFixture fixture;
  testing::write_png16(fixture.file("masks/1.png"), kWidth, kHeight,
                       std::vector<std::uint16_t>(kWidth * kHeight, 0));
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "has bit depth 16"));
}

TEST_CASE("dataset depth map not 16-bit") {
  SetFixture fixture;
  testing::write_png8(fixture.file("depth/1.png"), kWidth, kHeight, 1,
                      std::vector<std::uint8_t>(kWidth * kHeight, 3));
  CaughtError error = fixture.load_error();
  CHECK(error.code == ErrorCode::kInvalidData);
  CHECK(contains(error.message, "depth/1.png"));
  CHECK(contains(error.message, "has bit depth 8"));
  CHECK(contains(error.message, "single-channel PNG of bit depth 16"));
}

TEST_CASE("dataset depth without scale") {
  SetFixture fixture;
  fixture.index.erase("depth");
  CHECK(contains(fixture.load_error().message, "no \"depth\""));
}

TEST_CASE("dataset ignore label must be free") {
  SetFixture fixture;
  fixture.index["segmentation"]["ignore_label"] = 2;
  CHECK(contains(fixture.load_error().message, "also a category id"));

  fixture.index["segmentation"]["ignore_label"] = 300;
  CHECK(contains(fixture.load_error().message, "expected a value in [1, 255]"));
}

TEST_CASE("dataset field of wrong type") {
  SetFixture fixture;
  fixture.index["images"][0]["height"] = "six";
  CaughtError error = fixture.load_error();
  CHECK(contains(error.message, "images[0] (id 1).height"));
  CHECK(contains(error.message, "expected an integer"));

  fixture.index["images"] = json::object();
  CHECK(contains(fixture.load_error().message, "expected a JSON array"));

  fixture.index.erase("images");
  CHECK(contains(fixture.load_error().message, "has no \"images\" field"));
}

TEST_CASE("dataset absolute path rejected") {
  SetFixture fixture;
  fixture.index["images"][1]["file_name"] = fixture.file("images/2.png").string();
  CHECK(contains(fixture.load_error().message, "expected a path relative"));
}

}  // namespace
}  // namespace mtl::eval
