#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include <filesystem>

#include "mtl/error.h"
#include "mtl/image.h"
#include "mtl/preprocess.h"
#include "test_support.h"

namespace {

const char* const kCoffee = "/usr/lib/python3/dist-packages/skimage/data/coffee.png";

mtl::InputSpec spec(int64_t height, int64_t width, mtl::ResizeMode resize) {
  mtl::InputSpec input;
  input.channels = 3;
  input.height = height;
  input.width = width;
  input.resize = resize;
  input.mean = {0.5f, 0.5f, 0.5f};
  input.std = {0.5f, 0.5f, 0.5f};
  return input;
}

mtl::Image solid(int width, int height, uint8_t red, uint8_t green, uint8_t blue) {
  mtl::Image image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) {
    image.pixels[i] = red;
    image.pixels[i + 1] = green;
    image.pixels[i + 2] = blue;
  }
  return image;
}

}  // namespace

TEST_CASE("image decodes a real photo") {
  const mtl::Image coffee = mtl::Image::load(kCoffee);
  CHECK(coffee.width == 600);
  CHECK(coffee.height == 400);
  CHECK(coffee.pixels.size() == 600u * 400u * 3u);
}

TEST_CASE("image round trips through PNG") {
  const std::string path = mtl::test::temp_folder("png") + "/solid.png";
  const mtl::Image original = solid(7, 5, 10, 200, 30);
  original.save_png(path);
  const mtl::Image loaded = mtl::Image::load(path);
  CHECK(loaded.width == 7);
  CHECK(loaded.height == 5);
  CHECK(loaded.pixels == original.pixels);
}

TEST_CASE("image reports missing and corrupt files") {
  CHECK_THROWS_WITH_AS(mtl::Image::load("/nonexistent/x.png"), doctest::Contains("/nonexistent/x.png"), mtl::Error);
  const std::string folder = mtl::test::temp_folder("bad-images");
  const std::string bytes = mtl::test::read_file(kCoffee);
  mtl::test::write_file(folder + "/truncated.png", bytes.substr(0, bytes.size() / 4));
  mtl::test::write_file(folder + "/text.png", "hello");
  for (const char* name : {"/truncated.png", "/text.png"}) {
    try {
      mtl::Image::load(folder + name);
      FAIL("a corrupt image decoded");
    } catch (const mtl::Error& error) {
      CHECK(error.code() == mtl::ErrorCode::kInvalidData);
      CHECK(std::string(error.what()).find(name) != std::string::npos);
    }
  }
  CHECK_THROWS_AS(mtl::Image::decode(nullptr, 0, "empty"), mtl::Error);
}

TEST_CASE("preprocess normalizes and stretches") {
  const mtl::Image image = solid(20, 10, 255, 0, 51);
  const mtl::PreparedInput prepared = mtl::preprocess(image, spec(8, 16, mtl::ResizeMode::kStretch));
  CHECK(prepared.tensor.sizes() == at::IntArrayRef{1, 3, 8, 16});
  CHECK(prepared.tensor[0][0].mean().item<float>() == doctest::Approx(1.0));   // (1 - 0.5) / 0.5
  CHECK(prepared.tensor[0][1].mean().item<float>() == doctest::Approx(-1.0));  // (0 - 0.5) / 0.5
  CHECK(prepared.tensor[0][2].mean().item<float>() == doctest::Approx(-0.6));  // (0.2 - 0.5) / 0.5
  CHECK(prepared.scale_x == doctest::Approx(0.8));
  CHECK(prepared.scale_y == doctest::Approx(0.8));
  CHECK(prepared.to_image_x(8.0) == doctest::Approx(10.0));
}

TEST_CASE("preprocess letterbox keeps aspect and pads") {
  const mtl::Image image = solid(40, 10, 255, 255, 255);
  const mtl::PreparedInput prepared = mtl::preprocess(image, spec(20, 20, mtl::ResizeMode::kLetterbox));
  CHECK(prepared.tensor.sizes() == at::IntArrayRef{1, 3, 20, 20});
  CHECK(prepared.scale_x == doctest::Approx(0.5));
  CHECK(prepared.pad_x == doctest::Approx(0.0));
  CHECK(prepared.pad_y == doctest::Approx(7.0));  // 20 - 5 rows of image, split evenly
  CHECK(prepared.tensor[0][0][0][0].item<float>() == 0.0f);   // padding
  CHECK(prepared.tensor[0][0][10][10].item<float>() == 1.0f); // image
  CHECK(prepared.to_image_y(7.0) == doctest::Approx(0.0));
}

TEST_CASE("preprocess swaps to BGR when asked") {
  mtl::InputSpec bgr = spec(4, 4, mtl::ResizeMode::kStretch);
  bgr.color_order = mtl::ColorOrder::kBgr;
  const mtl::PreparedInput prepared = mtl::preprocess(solid(4, 4, 255, 0, 0), bgr);
  CHECK(prepared.tensor[0][2].mean().item<float>() == doctest::Approx(1.0));
  CHECK(prepared.tensor[0][0].mean().item<float>() == doctest::Approx(-1.0));
}

TEST_CASE("preprocess rejects empty image") {
  CHECK_THROWS_AS(mtl::preprocess(mtl::Image(), spec(4, 4, mtl::ResizeMode::kStretch)), mtl::Error);
}

TEST_CASE("image rejects a huge size before decoding") {
  // A valid 1x1 PNG whose header is patched to claim 15000x15000 pixels (stb does not check CRCs).
  const std::string folder = mtl::test::temp_folder("huge-image");
  solid(1, 1, 0, 0, 0).save_png(folder + "/one.png");
  std::string bytes = mtl::test::read_file(folder + "/one.png");
  const unsigned char size[] = {0x00, 0x00, 0x3a, 0x98};  // 15000, big-endian
  for (int i = 0; i < 4; ++i) {
    bytes[16 + i] = static_cast<char>(size[i]);  // width
    bytes[20 + i] = static_cast<char>(size[i]);  // height
  }
  CHECK_THROWS_WITH_AS(mtl::Image::decode(bytes.data(), bytes.size(), "huge.png"), doctest::Contains("15000x15000"),
                       mtl::Error);
}
