// quickstart: the smallest useful host program. Loads a model, prepares an image, requests two
// task sets in turn and lets the backbone cache skip the second backbone run.
//
//   build/examples/mtl_quickstart models/multifashion-v1.pt IMAGE.png det seg,tags
#include <mtl/mtl.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " MODEL.pt IMAGE TASKS [TASKS...]\n"
              << "  TASKS is a comma-separated task list such as det,seg, or all\n";
    return 2;
  }
  try {
    mtl::LoadOptions options;
    options.log_sink = [](mtl::LogLevel level, const std::string& message) {
      if (level >= mtl::LogLevel::kWarning) {
        std::cerr << mtl::to_string(level) << ": " << message << "\n";
      }
    };
    const mtl::MultiTaskModel model = mtl::MultiTaskModel::load(argv[1], options);
    const mtl::Image image = mtl::Image::load(argv[2]);
    const mtl::PreparedInput input = mtl::preprocess(image, model.manifest().input);

    mtl::BackboneCache cache(256 << 20);  // 256 MiB of backbone outputs
    mtl::RunOptions run_options;
    run_options.cache = &cache;

    for (int i = 3; i < argc; ++i) {
      const mtl::RunResult result = model.run(input.tensor, model.mask(argv[i]), run_options);
      std::cout << "tasks " << argv[i] << ": backbone " << (result.backbone_cached ? "from cache" : "ran") << " ("
                << result.backbone_ms << " ms)\n";
      for (const mtl::TaskResult& task : result.tasks) {
        std::cout << "  " << task.name << " in " << task.head_ms << " ms:";
        for (const auto& [key, tensor] : task.outputs) {
          std::cout << " " << key << tensor.sizes();
        }
        std::cout << "\n";
      }
    }
    return 0;
  } catch (const mtl::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}
