// Integrity check of a TorchScript archive's ZIP container before LibTorch reads it.
//
// LibTorch 1.13 builds its ZIP reader (miniz) with CRC-32 checks disabled, so a flipped byte in a
// weight tensor loads silently as a different model. verify_archive reads the ZIP central directory
// and checks every entry's CRC-32, so a corrupt or truncated archive is rejected with the entry
// that is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mtl::detail {

/// One entry of the archive, as its ZIP directory records it.
struct ArchiveEntry {
  std::string name;
  uint64_t size = 0;  ///< Uncompressed bytes.
};

/// Returns the archive's entries after checking them.
/// Throws mtl::Error (kInvalidModel) naming `source` and the first problem: not a ZIP file,
/// truncated, an entry outside the data, an unsupported compression method, or a CRC mismatch.
std::vector<ArchiveEntry> verify_archive(const unsigned char* data, std::size_t size, const std::string& source);

}  // namespace mtl::detail
