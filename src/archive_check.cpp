#include "archive_check.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "mtl/error.h"

namespace mtl::detail {
namespace {

// ZIP record signatures and fixed sizes (PKWARE APPNOTE 6.3, sections 4.3.7 to 4.3.16).
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kMaxCommentSize = 0xffff;
constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
constexpr uint64_t kMaxInflatedSize = uint64_t{256} << 20;

class ZipReader {
 public:
  ZipReader(const unsigned char* data, std::size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(ErrorCode::kInvalidModel,
                fmt::format("model '{}' is not a valid TorchScript archive: {}; re-export or re-download it", source_,
                            problem));
  }

  uint16_t u16(std::size_t offset) const {
    require(offset, 2);
    return static_cast<uint16_t>(data_[offset] | (data_[offset + 1] << 8));
  }

  uint32_t u32(std::size_t offset) const {
    require(offset, 4);
    return static_cast<uint32_t>(u16(offset)) | (static_cast<uint32_t>(u16(offset + 2)) << 16);
  }

  uint64_t u64(std::size_t offset) const {
    return static_cast<uint64_t>(u32(offset)) | (static_cast<uint64_t>(u32(offset + 4)) << 32);
  }

  void require(uint64_t offset, uint64_t length) const {
    if (offset > size_ || length > size_ - offset) {
      fail(fmt::format("a record at byte {} runs past the end of the {}-byte file (truncated?)", offset, size_));
    }
  }

  const unsigned char* at(std::size_t offset) const { return data_ + offset; }
  std::size_t size() const { return size_; }

 private:
  const unsigned char* data_;
  std::size_t size_;
  const std::string& source_;
};

struct Directory {
  uint64_t offset = 0;
  uint64_t entries = 0;
};

Directory find_directory(const ZipReader& zip) {
  if (zip.size() < kEndOfDirectorySize) {
    zip.fail(fmt::format("the file has {} bytes, too short for a ZIP archive", zip.size()));
  }
  // The end-of-directory record sits at the end, followed by a comment of at most 64 KiB.
  const std::size_t lowest = zip.size() > kEndOfDirectorySize + kMaxCommentSize
                                 ? zip.size() - kEndOfDirectorySize - kMaxCommentSize
                                 : 0;
  std::optional<std::size_t> found;
  for (std::size_t offset = zip.size() - kEndOfDirectorySize + 1; offset-- > lowest;) {
    if (zip.u32(offset) == kEndOfDirectory) {
      found = offset;
      break;
    }
  }
  if (!found) {
    zip.fail("no ZIP end-of-directory record (not a ZIP file, or truncated)");
  }
  const std::size_t end = *found;

  Directory directory{zip.u32(end + 16), zip.u16(end + 10)};
  const bool zip64 = directory.offset == 0xffffffffu || directory.entries == 0xffffu;
  if (zip64) {
    if (end < 20 || zip.u32(end - 20) != kZip64Locator) {
      zip.fail("a ZIP64 archive without its end-of-directory locator");
    }
    const uint64_t record = zip.u64(end - 20 + 8);
    zip.require(record, 56);
    if (zip.u32(record) != kZip64EndOfDirectory) {
      zip.fail(fmt::format("no ZIP64 end-of-directory record at byte {}", record));
    }
    directory.entries = zip.u64(record + 32);
    directory.offset = zip.u64(record + 48);
  }
  return directory;
}

// Reads the ZIP64 extra field of a central header for the sizes and offset marked 0xffffffff.
void read_zip64_extra(const ZipReader& zip, std::size_t extra, std::size_t extra_length, uint64_t& uncompressed,
                      uint64_t& compressed, uint64_t& local_offset) {
  std::size_t position = extra;
  while (position + 4 <= extra + extra_length) {
    const uint16_t id = zip.u16(position);
    const uint16_t length = zip.u16(position + 2);
    if (id == 0x0001) {
      std::size_t field = position + 4;
      for (uint64_t* value : {&uncompressed, &compressed, &local_offset}) {
        if (*value == 0xffffffffu && field + 8 <= position + 4 + length) {
          *value = zip.u64(field);
          field += 8;
        }
      }
      return;
    }
    position += 4 + length;
  }
}

uint32_t crc_of(const unsigned char* data, uint64_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const uInt chunk = static_cast<uInt>(std::min<uint64_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

// CRC-32 of a raw-deflate stream's decompressed bytes. `ok` is false if the stream is damaged or
// does not decompress to `expected_size` bytes.
uint32_t crc_of_deflated(const unsigned char* data, uint64_t size, uint64_t expected_size, bool& ok) {
  z_stream stream{};
  ok = false;
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    return 0;
  }
  std::vector<unsigned char> buffer(1 << 16);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t produced = 0;
  stream.next_in = const_cast<unsigned char*>(data);
  stream.avail_in = static_cast<uInt>(std::min<uint64_t>(size, 0xffffffffu));
  int status = Z_OK;
  while (status == Z_OK) {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t written = buffer.size() - stream.avail_out;
    crc = crc32(crc, buffer.data(), static_cast<uInt>(written));
    produced += written;
    if (status == Z_OK && written == 0 && stream.avail_in == 0) {
      break;
    }
  }
  inflateEnd(&stream);
  ok = status == Z_STREAM_END && produced == expected_size;
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::vector<ArchiveEntry> verify_archive(const unsigned char* data, std::size_t size, const std::string& source) {
  const ZipReader zip(data, size, source);
  std::vector<ArchiveEntry> entries;
  const Directory directory = find_directory(zip);
  if (directory.entries == 0) {
    zip.fail("the ZIP archive is empty");
  }

  uint64_t position = directory.offset;
  for (uint64_t index = 0; index < directory.entries; ++index) {
    zip.require(position, kCentralHeaderSize);
    if (zip.u32(position) != kCentralHeader) {
      zip.fail(fmt::format("ZIP directory entry {} at byte {} is damaged", index, position));
    }
    const uint16_t method = zip.u16(position + 10);
    const uint32_t crc = zip.u32(position + 16);
    uint64_t compressed = zip.u32(position + 20);
    uint64_t uncompressed = zip.u32(position + 24);
    const uint16_t name_length = zip.u16(position + 28);
    const uint16_t extra_length = zip.u16(position + 30);
    const uint16_t comment_length = zip.u16(position + 32);
    uint64_t local = zip.u32(position + 42);
    zip.require(position + kCentralHeaderSize, static_cast<uint64_t>(name_length) + extra_length + comment_length);
    const std::string name(reinterpret_cast<const char*>(zip.at(position + kCentralHeaderSize)), name_length);
    read_zip64_extra(zip, position + kCentralHeaderSize + name_length, extra_length, uncompressed, compressed, local);

    zip.require(local, kLocalHeaderSize);
    if (zip.u32(local) != kLocalHeader) {
      zip.fail(fmt::format("entry '{}' has a damaged local header at byte {}", name, local));
    }
    const uint64_t payload = local + kLocalHeaderSize + zip.u16(local + 26) + zip.u16(local + 28);
    if (payload > size || compressed > size - payload) {
      zip.fail(fmt::format("entry '{}' runs past the end of the file (truncated)", name));
    }

    uint32_t actual = 0;
    if (method == kStored) {
      if (compressed != uncompressed) {
        zip.fail(fmt::format("stored entry '{}' has sizes {} and {}", name, compressed, uncompressed));
      }
      actual = crc_of(zip.at(payload), compressed);
    } else if (method == kDeflated) {
      // TorchScript stores weights uncompressed and deflates only code and small files, so a large
      // inflated size means a damaged or hostile archive (a few kilobytes can claim gigabytes).
      if (uncompressed > kMaxInflatedSize) {
        zip.fail(fmt::format("compressed entry '{}' would inflate to {} bytes, more than the {} MiB limit for code "
                             "and manifest entries",
                             name, uncompressed, kMaxInflatedSize >> 20));
      }
      bool ok = false;
      actual = crc_of_deflated(zip.at(payload), compressed, uncompressed, ok);
      if (!ok) {
        zip.fail(fmt::format("entry '{}' does not decompress to its recorded {} bytes", name, uncompressed));
      }
    } else {
      zip.fail(fmt::format("entry '{}' uses ZIP compression method {}, expected 0 (stored) or 8 (deflate)", name,
                           method));
    }
    if (actual != crc) {
      zip.fail(fmt::format("entry '{}' is corrupt: CRC-32 {:08x}, expected {:08x}", name, actual, crc));
    }
    entries.push_back({name, uncompressed});
    position += kCentralHeaderSize + name_length + extra_length + comment_length;
  }
  return entries;
}

}  // namespace mtl::detail
