#include <ATen/ATen.h>
#include <doctest/doctest.h>

#include "mtl/error.h"
#include "mtl/features.h"

TEST_CASE("features keep backbone order") {
  const mtl::Features features({{"p3", at::zeros({1, 4, 2, 2})}, {"p2", at::ones({1, 4, 4, 4})}});
  CHECK(features.size() == 2);
  CHECK(features.names() == std::vector<std::string>{"p3", "p2"});
  CHECK(features.contains("p2"));
  CHECK_FALSE(features.contains("p4"));
  CHECK(features.at("p2").sum().item<float>() == 64.0f);
}

TEST_CASE("features byte size counts storage once") {
  const at::Tensor base = at::zeros({1, 8, 16, 16});  // 8 KiB of float32
  const mtl::Features shared({{"full", base}, {"view", base.narrow(1, 0, 2)}});
  CHECK(shared.byte_size() == 8 * 16 * 16 * 4);

  const mtl::Features separate({{"a", at::zeros({10})}, {"b", at::zeros({5}, at::kDouble)}});
  CHECK(separate.byte_size() == 10 * 4 + 5 * 8);
  CHECK(mtl::Features().byte_size() == 0);
}

TEST_CASE("features reject bad entries") {
  CHECK_THROWS_AS(mtl::Features({{"", at::zeros({1})}}), mtl::Error);
  CHECK_THROWS_AS(mtl::Features({{"a", at::Tensor()}}), mtl::Error);
  CHECK_THROWS_AS(mtl::Features({{"a", at::zeros({1})}, {"a", at::zeros({1})}}), mtl::Error);
}

TEST_CASE("features missing name lists present names") {
  const mtl::Features features({{"p2", at::zeros({1})}, {"p3", at::zeros({1})}});
  try {
    features.at("p9");
    FAIL("a missing feature was returned");
  } catch (const mtl::Error& error) {
    CHECK(error.code() == mtl::ErrorCode::kNotFound);
    CHECK(std::string(error.what()).find("p2, p3") != std::string::npos);
  }
}

TEST_CASE("features copies share tensors") {
  const mtl::Features first({{"x", at::zeros({3})}});
  const mtl::Features copy = first;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(copy.store() == first.store());
  CHECK(copy.at("x").data_ptr() == first.at("x").data_ptr());
}
