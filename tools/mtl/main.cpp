// mtl: the command line of the mtl library.
#include <fmt/format.h>

#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <exception>
#include <string>

#include "commands.h"
#include "mtl/error.h"

namespace mtl::cli {

void ModelOptions::add_to(CLI::App& app) {
  app.add_option("--threads", threads, "LibTorch intra-op threads (0: one per hardware thread)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app.add_option("--device", device, "device to run on, such as cpu or cuda:0")->capture_default_str();
}

CLI::Validator finite_range(double minimum, double maximum) {
  return CLI::Validator(
      [minimum, maximum](std::string& text) -> std::string {
        double value = 0;
        try {
          std::size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) {
            return fmt::format("'{}' is not a number", text);
          }
        } catch (const std::exception&) {
          return fmt::format("'{}' is not a number", text);
        }
        if (!std::isfinite(value) || value < minimum || value > maximum) {
          return fmt::format("{} is outside the range {} to {}", text, minimum, maximum);
        }
        return "";
      },
      fmt::format("NUMBER in [{}, {}]", minimum, maximum));
}

LoadOptions ModelOptions::load_options() const {
  LoadOptions options;
  options.device = device;
  options.intra_op_threads = threads;
  options.log_sink = [](LogLevel level, const std::string& message) {
    if (level >= LogLevel::kWarning) {
      fmt::print(stderr, "{}: {}\n", to_string(level), message);
    }
  };
  return options;
}

}  // namespace mtl::cli

int main(int argc, char** argv) {
  CLI::App app{"mtl: inspect, run, benchmark, evaluate and gate multi-task vision models (TorchScript archives in the mtl format)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("mtl {}.{}.{}", MTL_VERSION_MAJOR, MTL_VERSION_MINOR, MTL_VERSION_PATCH));

  const mtl::cli::InspectCommand inspect(app);
  const mtl::cli::RunCommand run(app);
  const mtl::cli::BenchCommand bench(app);
  const mtl::cli::EvalCommand eval(app);
  const mtl::cli::GateCommand gate(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& request) {
    return app.exit(request);
  } catch (const CLI::CallForAllHelp& request) {
    return app.exit(request);
  } catch (const CLI::CallForVersion& request) {
    return app.exit(request);
  } catch (const CLI::ParseError& error) {
    // Every usage error (a missing option, a file that does not exist) exits with 2, like any
    // other error, so scripts and CI need to know only 0, 1 (gate blocked) and 2.
    app.exit(error);
    return 2;
  }

  try {
    if (inspect.selected()) {
      return inspect.execute();
    }
    if (run.selected()) {
      return run.execute();
    }
    if (bench.selected()) {
      return bench.execute();
    }
    if (eval.selected()) {
      return eval.execute();
    }
    if (gate.selected()) {
      return gate.execute();
    }
  } catch (const mtl::Error& error) {
    fmt::print(stderr, "mtl: error ({}): {}\n", mtl::to_string(error.code()), error.what());
    return 2;
  } catch (const c10::Error& error) {
    fmt::print(stderr, "mtl: unexpected LibTorch error: {}\n", error.what_without_backtrace());
    return 2;
  } catch (const std::exception& error) {
    fmt::print(stderr, "mtl: unexpected error: {}\n", error.what());
    return 2;
  }
  return 2;
}
