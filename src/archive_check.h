// Integrity check of a TorchScript archive's ZIP container before LibTorch reads it.
//
// LibTorch 1.13 builds its ZIP reader (miniz) with CRC-32 checks disabled, so a flipped byte in a
// weight tensor loads silently as a different model. verify_archive reads the ZIP central directory
// and checks every entry's CRC-32, so a corrupt or truncated archive is rejected with the entry
// that is wrong.
#pragma once

#include <cstddef>
#include <string>

namespace mtl::detail {

/// Throws mtl::Error (kInvalidModel) naming `source` and the first problem: not a ZIP file,
/// truncated, an entry outside the data, an unsupported compression method, or a CRC mismatch.
void verify_archive(const unsigned char* data, std::size_t size, const std::string& source);

}  // namespace mtl::detail
