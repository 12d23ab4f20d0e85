// Loads a model through an installed mtl and runs one task; exits non-zero on any failure.
#include <ATen/ATen.h>
#include <mtl/mtl.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mtl_consumer MODEL.pt\n";
    return 2;
  }
  try {
    const mtl::MultiTaskModel model = mtl::MultiTaskModel::load(argv[1]);
    const mtl::InputSpec& spec = model.manifest().input;
    const at::Tensor input = at::zeros({1, spec.channels, spec.height, spec.width});
    const mtl::RunResult result = model.run(input, model.mask(model.task_names().front()));
    std::cout << "consumer: " << model.version_string() << " ran task '" << result.tasks.at(0).name << "'\n";
    return result.tasks.size() == 1 ? 0 : 1;
  } catch (const mtl::Error& error) {
    std::cerr << "consumer: " << error.what() << "\n";
    return 1;
  }
}
