// TaskMask: the set of tasks that a request names.
//
// A mask is a small value (a 64-bit set of task indices), so a model has at most 64 tasks. Build one
// from names with MultiTaskModel::mask("det,seg") or TaskMask::parse, which reject unknown names and
// list the known ones. Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

namespace mtl {

class TaskMask {
 public:
  static constexpr int kMaxTasks = 64;

  /// Visits the indices in the mask in increasing order.
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    using pointer = const int*;
    using reference = int;

    explicit Iterator(uint64_t remaining) : remaining_(remaining) {}
    int operator*() const { return __builtin_ctzll(remaining_); }
    Iterator& operator++() {
      remaining_ &= remaining_ - 1;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const { return remaining_ == other.remaining_; }
    bool operator!=(const Iterator& other) const { return remaining_ != other.remaining_; }

   private:
    uint64_t remaining_;
  };

  /// The empty mask.
  constexpr TaskMask() = default;

  /// A mask of the given task indices. Throws: mtl::Error if an index is outside [0, 64).
  TaskMask(std::initializer_list<int> indices);

  /// Every task of a model with `task_count` tasks. Throws: mtl::Error if task_count > 64.
  static TaskMask all(int task_count);

  /// Builds a mask from bits; bit i means task i.
  static constexpr TaskMask from_bits(uint64_t bits) {
    TaskMask mask;
    mask.bits_ = bits;
    return mask;
  }

  /// Parses a comma-separated list of task names, such as "det, seg", or "all".
  /// Blanks around names are ignored and a repeated name counts once.
  /// Throws: mtl::Error (kInvalidArgument) for an empty list or an unknown name, listing `known`.
  static TaskMask parse(const std::string& spec, const std::vector<std::string>& known);

  bool contains(int index) const { return index >= 0 && index < kMaxTasks && ((bits_ >> index) & 1u); }
  bool empty() const { return bits_ == 0; }
  int size() const { return __builtin_popcountll(bits_); }
  uint64_t bits() const { return bits_; }

  /// Returns a copy with the task added or removed. Throws: mtl::Error for an index outside [0, 64).
  TaskMask with(int index) const;
  TaskMask without(int index) const;

  TaskMask operator|(TaskMask other) const { return from_bits(bits_ | other.bits_); }
  TaskMask operator&(TaskMask other) const { return from_bits(bits_ & other.bits_); }
  /// Set difference: the tasks in this mask and not in `other`.
  TaskMask operator-(TaskMask other) const { return from_bits(bits_ & ~other.bits_); }
  TaskMask operator^(TaskMask other) const { return from_bits(bits_ ^ other.bits_); }
  TaskMask& operator|=(TaskMask other) { return *this = *this | other; }
  TaskMask& operator&=(TaskMask other) { return *this = *this & other; }
  TaskMask& operator-=(TaskMask other) { return *this = *this - other; }
  bool operator==(TaskMask other) const { return bits_ == other.bits_; }
  bool operator!=(TaskMask other) const { return bits_ != other.bits_; }

  /// True if every task in `other` is in this mask.
  bool includes(TaskMask other) const { return (other.bits_ & ~bits_) == 0; }

  Iterator begin() const { return Iterator(bits_); }
  Iterator end() const { return Iterator(0); }

  /// Joins the names of the tasks in the mask with commas; `names[i]` is task i's name.
  std::string to_string(const std::vector<std::string>& names) const;

 private:
  uint64_t bits_ = 0;
};

}  // namespace mtl
