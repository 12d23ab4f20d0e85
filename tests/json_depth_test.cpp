#include <doctest/doctest.h>

#include <string>

#include "mtl/error.h"
#include "mtl/eval/gate_policy.h"
#include "mtl/eval/metrics_io.h"
#include "mtl/manifest.h"

namespace {

// 100,000 nested arrays: printing such a value recursively would overflow the stack.
std::string deep_value() { return std::string(100000, '[') + std::string(100000, ']'); }

}  // namespace

TEST_CASE("deeply nested files are rejected") {
  const std::string manifest = R"({"format": "mtl-multitask", "format_version": 1, "model": )" + deep_value() + "}";
  CHECK_THROWS_WITH_AS(mtl::Manifest::parse(manifest, "deep.pt"), doctest::Contains("nests deeper"), mtl::Error);

  const std::string policy = R"({"format": "mtl-gate-policy", "format_version": 1, "tasks": )" + deep_value() + "}";
  CHECK_THROWS_WITH_AS(mtl::eval::GatePolicy::parse(policy, {}, "policy.json"), doctest::Contains("nests deeper"),
                       mtl::Error);
  CHECK_THROWS_WITH_AS(mtl::eval::metrics_from_json(deep_value(), "metrics.json"), doctest::Contains("nests deeper"),
                       mtl::Error);
}

TEST_CASE("brackets inside strings do not count") {
  const std::string text = R"({"format": "mtl-multitask", "format_version": 1, "model": {"name": ")" +
                           std::string(1000, '[') + R"(", "version": "1"}})";
  // Fails later for the missing input, not for nesting.
  CHECK_THROWS_WITH_AS(mtl::Manifest::parse(text, "strings.pt"), doctest::Contains("'input'"), mtl::Error);
}

TEST_CASE("manifest numbers must fit float32") {
  const std::string base = R"({"format": "mtl-multitask", "format_version": VERSION, "model": {"name": "m", "version": "1"},
    "input": {"channels": 1, "height": 8, "width": 8, "mean": [MEAN], "std": [STD]},
    "backbone": {}, "tasks": [{"name": "a"}]})";
  const auto manifest = [&](const std::string& version, const std::string& mean, const std::string& std) {
    std::string text = base;
    text.replace(text.find("VERSION"), 7, version);
    text.replace(text.find("MEAN"), 4, mean);
    text.replace(text.find("STD"), 3, std);
    return text;
  };
  CHECK_NOTHROW(mtl::Manifest::parse(manifest("1", "0.5", "0.25"), "ok.pt"));
  CHECK_THROWS_WITH_AS(mtl::Manifest::parse(manifest("1", "1e300", "0.25"), "m.pt"), doctest::Contains("input.mean"),
                       mtl::Error);
  CHECK_THROWS_WITH_AS(mtl::Manifest::parse(manifest("1", "0.5", "1e-45"), "m.pt"), doctest::Contains("input.std"),
                       mtl::Error);
  CHECK_THROWS_WITH_AS(mtl::Manifest::parse(manifest("4294967297", "0.5", "0.25"), "m.pt"),
                       doctest::Contains("format_version"), mtl::Error);
}
