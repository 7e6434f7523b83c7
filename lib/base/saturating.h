// Integer sums that stop at the type's limits instead of overflowing.
//
// ValidateSession bounds every thread's total time, so sums of a valid
// session's durations never overflow; trees and processors still add with
// saturation, so that a session that skipped the check cannot reach signed
// overflow (undefined behaviour), at no measurable cost.
//
//   int64_t total = 0;
//   for (int64_t ns : durations) total = pyi::SaturatingAdd(total, ns);

#ifndef PYI_LIB_BASE_SATURATING_H_
#define PYI_LIB_BASE_SATURATING_H_

#include <cstdint>
#include <limits>

namespace pyi {

// a + b, or the int64 limit on b's side when that would overflow.
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max()
                 : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

}  // namespace pyi

#endif  // PYI_LIB_BASE_SATURATING_H_
