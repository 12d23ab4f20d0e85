# Finds every dependency from the Debian packages that scripts/setup.sh installs.

find_package(Torch REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Eigen3 REQUIRED NO_MODULE)
find_package(CLI11 REQUIRED)
find_package(doctest REQUIRED)
find_package(ZLIB REQUIRED)

# xxHash and stb ship no CMake package in Debian; wrap them in small imported targets.
find_path(MTL_XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
find_library(MTL_XXHASH_LIBRARY NAMES xxhash REQUIRED)
add_library(mtl_xxhash INTERFACE IMPORTED)
target_include_directories(mtl_xxhash INTERFACE "${MTL_XXHASH_INCLUDE_DIR}")
target_link_libraries(mtl_xxhash INTERFACE "${MTL_XXHASH_LIBRARY}")

# libstb-dev ships the implementations compiled in libstb; the headers live under stb/.
find_path(MTL_STB_INCLUDE_DIR stb/stb_image.h REQUIRED)
find_library(MTL_STB_LIBRARY NAMES stb REQUIRED)
add_library(mtl_stb INTERFACE IMPORTED)
target_include_directories(mtl_stb INTERFACE "${MTL_STB_INCLUDE_DIR}")
target_link_libraries(mtl_stb INTERFACE "${MTL_STB_LIBRARY}")
