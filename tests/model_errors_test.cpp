#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "mtl/error.h"
#include "mtl/multi_task_model.h"
#include "test_support.h"

using mtl::ErrorCode;
using mtl::MultiTaskModel;
using mtl::test::fixture;
using mtl::test::test_options;

namespace {

// Loads `path` and returns the error; fails the test if loading succeeds.
mtl::Error load_error(const std::string& path) {
  try {
    MultiTaskModel::load(path, test_options());
  } catch (const mtl::Error& error) {
    return error;
  }
  FAIL("loading " << path << " succeeded");
  return mtl::Error(ErrorCode::kInternal, "");
}

std::string make_file(const std::string& name, const std::string& bytes) {
  const std::string path = mtl::test::temp_folder("archives") + "/" + name;
  mtl::test::write_file(path, bytes);
  return path;
}

std::string run_error(const MultiTaskModel& model, const at::Tensor& input) {
  try {
    model.run(input, model.all_tasks());
  } catch (const mtl::Error& error) {
    CHECK(error.code() == ErrorCode::kInvalidArgument);
    return error.what();
  }
  FAIL("the input was accepted");
  return "";
}

}  // namespace

TEST_CASE("load reports missing file") {
  const mtl::Error error = load_error("/nonexistent/model.pt");
  CHECK(error.code() == ErrorCode::kNotFound);
  CHECK(std::string(error.what()).find("/nonexistent/model.pt") != std::string::npos);
}

TEST_CASE("load rejects empty, foreign and corrupt files") {
  const std::string archive = mtl::test::read_file(fixture("tiny.pt"));
  std::string flipped = archive;
  for (std::size_t i = flipped.size() / 3; i < flipped.size() / 3 + 64; ++i) {
    flipped[i] = static_cast<char>(~flipped[i]);
  }
  const std::pair<const char*, std::string> cases[] = {
      {"empty.pt", ""},
      {"text.pt", "this is not a model\n"},
      {"truncated.pt", archive.substr(0, archive.size() / 2)},
      {"header_only.pt", archive.substr(0, 100)},
      {"flipped.pt", flipped},
      {"zip_end_only.pt", archive.substr(archive.size() - 200)},
  };
  for (const auto& [name, bytes] : cases) {
    CAPTURE(name);
    const std::string path = make_file(name, bytes);
    const mtl::Error error = load_error(path);
    CHECK(error.code() == ErrorCode::kInvalidModel);
    CHECK(std::string(error.what()).find(path) != std::string::npos);
  }
}

TEST_CASE("load rejects a folder") {
  const std::string folder = mtl::test::temp_folder("folder-model");
  CHECK(load_error(folder).code() == ErrorCode::kInvalidModel);
}

TEST_CASE("load rejects empty and corrupt buffers") {
  CHECK_THROWS_AS(MultiTaskModel::load_from_buffer(nullptr, 0, test_options()), mtl::Error);
  const std::string garbage(4096, '\x5a');
  CHECK_THROWS_WITH_AS(MultiTaskModel::load_from_buffer(garbage.data(), garbage.size(), test_options(), "garbage"),
                       doctest::Contains("garbage"), mtl::Error);
}

TEST_CASE("load rejects archive without backbone") {
  const mtl::Error error = load_error(fixture("no_backbone.pt"));
  const std::string message = error.what();
  CHECK(error.code() == ErrorCode::kInvalidModel);
  CHECK(message.find("backbone method 'backbone' not found") != std::string::npos);
  CHECK(message.find("head_x") != std::string::npos);
}

TEST_CASE("load rejects head with wrong signature") {
  const mtl::Error error = load_error(fixture("wrong_signature.pt"));
  const std::string message = error.what();
  CHECK(error.code() == ErrorCode::kInvalidModel);
  CHECK(message.find("head_x") != std::string::npos);
  CHECK(message.find("Dict(str, Tensor)") != std::string::npos);
}

TEST_CASE("load rejects bad manifests") {
  const std::pair<const char*, const char*> cases[] = {
      {"manifest_not_json.pt", "not valid JSON"},
      {"manifest_future_version.pt", "format_version"},
      {"manifest_missing_method.pt", "'head_ghost' not found"},
      {"manifest_unknown_kind.pt", "'hologram'"},
      {"manifest_bad_input.pt", "input.channels"},
  };
  for (const auto& [name, expected] : cases) {
    CAPTURE(name);
    const mtl::Error error = load_error(fixture(name));
    CHECK(error.code() == ErrorCode::kInvalidModel);
    CHECK(std::string(error.what()).find(expected) != std::string::npos);
    CHECK(std::string(error.what()).find(name) != std::string::npos);
  }
}

TEST_CASE("load rejects an invalid device") {
  mtl::LoadOptions options = test_options();
  options.device = "toaster:3";
  CHECK_THROWS_WITH_AS(MultiTaskModel::load(fixture("tiny.pt"), options), doctest::Contains("toaster:3"), mtl::Error);
}

TEST_CASE("run rejects malformed inputs and keeps serving") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor good = mtl::test::random_input(model, 1);
  at::Tensor with_nan = good.clone();
  with_nan[0][1][2][3] = std::numeric_limits<float>::quiet_NaN();
  at::Tensor with_infinity = good.clone();
  with_infinity[0][0][0][0] = std::numeric_limits<float>::infinity();

  CHECK(run_error(model, at::Tensor()).find("undefined") != std::string::npos);
  CHECK(run_error(model, good.to(at::kDouble)).find("dtype is Double") != std::string::npos);
  CHECK(run_error(model, good.to(at::kByte)).find("expected float32") != std::string::npos);
  CHECK(run_error(model, good.reshape({3, 32 * 48})).find("shape is [3, 1536]") != std::string::npos);
  CHECK(run_error(model, good.reshape({1, 1, 3, 32, 48})).find("expected [1, 3, H, W]") != std::string::npos);
  CHECK(run_error(model, at::cat({good, good})).find("batch size is 2") != std::string::npos);
  CHECK(run_error(model, good.narrow(1, 0, 1)).find("1 channels, expected 3") != std::string::npos);
  CHECK(run_error(model, good.transpose(2, 3)).find("size is 48x32") != std::string::npos);
  CHECK(run_error(model, with_nan).find("NaN") != std::string::npos);
  CHECK(run_error(model, with_infinity).find("NaN or infinite") != std::string::npos);
  CHECK(run_error(model, good.to_sparse()).find("dense") != std::string::npos);

  CHECK(model.run(good, model.all_tasks()).tasks.size() == 4);
}

TEST_CASE("run treats strided layouts like contiguous") {
  const MultiTaskModel model = MultiTaskModel::load(fixture("tiny.pt"), test_options());
  const at::Tensor input = mtl::test::random_input(model, 2);
  const mtl::RunResult expected = model.run(input, model.all_tasks());

  const at::Tensor channels_last = input.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor strided = at::zeros({1, 3, 32, 96}).index({at::indexing::Slice(), at::indexing::Slice(),
                                                               at::indexing::Slice(),
                                                               at::indexing::Slice(at::indexing::None, at::indexing::None, 2)});
  strided.copy_(input);
  REQUIRE_FALSE(strided.is_contiguous());
  const at::Tensor unbatched = input[0];

  for (const at::Tensor& variant : {channels_last, strided, unbatched}) {
    const mtl::RunResult result = model.run(variant, model.all_tasks());
    for (std::size_t i = 0; i < result.tasks.size(); ++i) {
      CAPTURE(result.tasks[i].name);
      CHECK(mtl::test::bitwise_equal(result.tasks[i].outputs, expected.tasks[i].outputs));
    }
  }
}

TEST_CASE("load rejects weights past their storage") {
  // short_weight.pt has valid CRCs, but one weight record was cut to 16 bytes.
  const mtl::Error error = load_error(fixture("short_weight.pt"));
  CHECK(error.code() == ErrorCode::kInvalidModel);
  CHECK(std::string(error.what()).find("storage") != std::string::npos);
}

TEST_CASE("load rejects unusable devices and thread counts") {
  mtl::LoadOptions options = test_options();
  options.device = "meta";
  CHECK_THROWS_WITH_AS(MultiTaskModel::load(fixture("tiny.pt"), options), doctest::Contains("not supported"),
                       mtl::Error);
  if (!at::hasCUDA()) {
    options.device = "cuda:0";
    CHECK_THROWS_WITH_AS(MultiTaskModel::load(fixture("tiny.pt"), options), doctest::Contains("no CUDA"), mtl::Error);
  }
  options = test_options();
  options.intra_op_threads = 100000;
  CHECK_THROWS_WITH_AS(MultiTaskModel::load(fixture("tiny.pt"), options), doctest::Contains("100000"), mtl::Error);
}
