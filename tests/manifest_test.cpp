#include <doctest/doctest.h>

#include <string>

#include "mtl/error.h"
#include "mtl/manifest.h"

using mtl::Manifest;

namespace {

const char* const kValid = R"({
  "format": "mtl-multitask", "format_version": 1,
  "model": {"name": "m", "version": "1.2.3"},
  "input": {"channels": 3, "height": 64, "width": 96, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
            "color_order": "bgr", "resize": "letterbox"},
  "backbone": {"method": "encode", "digest": "sha256:abc"},
  "tasks": [
    {"name": "det", "kind": "detection", "labels": ["a", "b"], "metric": "map50",
     "max_regression": {"relative": 0.05}, "critical": true},
    {"name": "raw", "method": "decode_raw"}
  ]
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "test setup: '" << from << "' not in the manifest");
  return text.replace(at, from.size(), to);
}

// Parses `text` and returns the error message; fails the test if parsing succeeds.
std::string parse_error(const std::string& text) {
  try {
    Manifest::parse(text, "model.pt");
  } catch (const mtl::Error& error) {
    CHECK(error.code() == mtl::ErrorCode::kInvalidModel);
    return error.what();
  }
  FAIL("the manifest was accepted");
  return "";
}

}  // namespace

TEST_CASE("manifest parses every field") {
  const Manifest manifest = Manifest::parse(kValid, "model.pt");
  CHECK(manifest.model_name == "m");
  CHECK(manifest.model_version == "1.2.3");
  CHECK(manifest.input.channels == 3);
  CHECK(manifest.input.height == 64);
  CHECK(manifest.input.width == 96);
  CHECK(manifest.input.color_order == mtl::ColorOrder::kBgr);
  CHECK(manifest.input.resize == mtl::ResizeMode::kLetterbox);
  CHECK(manifest.backbone_method == "encode");
  CHECK(manifest.backbone_digest == "sha256:abc");
  REQUIRE(manifest.tasks.size() == 2);
  CHECK(manifest.tasks[0].method == "head_det");
  CHECK(manifest.tasks[0].kind == mtl::TaskKind::kDetection);
  CHECK(manifest.tasks[0].labels == std::vector<std::string>{"a", "b"});
  CHECK(manifest.tasks[0].max_regression.mode == mtl::RegressionAllowance::Mode::kRelative);
  CHECK(manifest.tasks[0].max_regression.value == doctest::Approx(0.05));
  CHECK(manifest.tasks[0].critical);
  CHECK(manifest.tasks[1].method == "decode_raw");
  CHECK(manifest.tasks[1].kind == mtl::TaskKind::kCustom);
  CHECK(manifest.from_file);
  CHECK(manifest.find_task("raw") == &manifest.tasks[1]);
  CHECK(manifest.find_task("nope") == nullptr);
}

TEST_CASE("manifest survives a JSON round trip") {
  const Manifest first = Manifest::parse(kValid, "model.pt");
  const Manifest second = Manifest::parse(first.to_json(), "round-trip");
  CHECK(second.to_json() == first.to_json());
  CHECK(second.tasks[1].method == "decode_raw");
}

TEST_CASE("manifest rejects invalid JSON with parse error") {
  const std::string message = parse_error("{\"format\": ");
  CHECK(message.find("model.pt") != std::string::npos);
  CHECK(message.find("not valid JSON") != std::string::npos);
}

TEST_CASE("manifest errors name the field") {
  struct Case {
    const char* from;
    const char* to;
    const char* field;
  };
  const Case cases[] = {
      {R"("format_version": 1)", R"("format_version": 7)", "format_version"},
      {R"("format": "mtl-multitask")", R"("format": "onnx")", "'format'"},
      {R"("channels": 3)", R"("channels": 0)", "input.channels"},
      {R"("height": 64)", R"("height": "64")", "input.height"},
      {R"("mean": [0.5, 0.5, 0.5])", R"("mean": [0.5])", "input.mean/std"},
      {R"("std": [0.25, 0.25, 0.25])", R"("std": [0.25, 0, 0.25])", "input.std"},
      {R"("color_order": "bgr")", R"("color_order": "cmyk")", "input.color_order"},
      {R"("resize": "letterbox")", R"("resize": "crop")", "input.resize"},
      {R"("kind": "detection")", R"("kind": "hologram")", "tasks[0].kind"},
      {R"("name": "raw")", R"("name": "det")", "tasks[1].name"},
      {R"("name": "raw")", R"("name": "two words")", "tasks[1].name"},
      {R"({"relative": 0.05})", R"({"relative": -1})", "tasks[0].max_regression"},
      {R"("critical": true)", R"("critical": "yes")", "tasks[0].critical"},
      {R"("method": "encode")", R"x("method": "encode()")x", "backbone.method"},
  };
  for (const Case& item : cases) {
    CAPTURE(item.to);
    const std::string message = parse_error(replaced(kValid, item.from, item.to));
    CHECK(message.find(item.field) != std::string::npos);
    CHECK(message.find("model.pt") != std::string::npos);
  }
}

TEST_CASE("manifest rejects missing tasks") {
  const std::string text = R"({"format": "mtl-multitask", "format_version": 1, "model": {"name": "m", "version": "1"},
    "input": {"channels": 1, "height": 8, "width": 8, "mean": [0], "std": [1]}, "backbone": {}, "tasks": []})";
  CHECK(parse_error(text).find("'tasks'") != std::string::npos);
}

TEST_CASE("manifest rejects non-object root") {
  CHECK(parse_error("[1, 2]").find("(root)") != std::string::npos);
}
