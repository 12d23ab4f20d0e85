// The library version, from the CMake project version (the compile definitions of mtl::mtl).
#pragma once

#define MTL_VERSION_STRING_(major, minor, patch) #major "." #minor "." #patch
#define MTL_VERSION_STRING_EXPAND_(major, minor, patch) MTL_VERSION_STRING_(major, minor, patch)

/// "major.minor.patch", such as "0.1.0".
#define MTL_VERSION_STRING MTL_VERSION_STRING_EXPAND_(MTL_VERSION_MAJOR, MTL_VERSION_MINOR, MTL_VERSION_PATCH)
