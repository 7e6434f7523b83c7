// The library's version: the one place lib/ knows it.
//
// Sessions record it (Session::library_version, set where a Session is made),
// reports and exports name it ("libpyinstrument 1.0.0"), and capi/ checks at
// compile time that the C header's PYI_VERSION_* macros say the same, so a
// release bumps both or the build fails.
//
//   std::string exporter = absl::StrCat("libpyinstrument ", pyi::kLibraryVersion);

#ifndef PYI_LIB_BASE_VERSION_H_
#define PYI_LIB_BASE_VERSION_H_

namespace pyi {

inline constexpr int kVersionMajor = 1;
inline constexpr int kVersionMinor = 0;
inline constexpr int kVersionPatch = 0;

// "MAJOR.MINOR.PATCH".
inline constexpr char kLibraryVersion[] = "1.0.0";

namespace version_internal {

// If `text` holds the decimal digits of `number` at `at`, followed by `end`,
// the position after `end`; else -1.
constexpr int ExpectNumber(const char* text, int at, int number, char end) {
  int digits = 1;
  for (int rest = number; rest >= 10; rest /= 10) digits *= 10;
  for (; digits > 0; digits /= 10, ++at) {
    if (text[at] != static_cast<char>('0' + number / digits % 10)) return -1;
  }
  return text[at] == end ? at + 1 : -1;
}

constexpr bool StringMatchesNumbers() {
  const int minor = ExpectNumber(kLibraryVersion, 0, kVersionMajor, '.');
  if (minor < 0) return false;
  const int patch = ExpectNumber(kLibraryVersion, minor, kVersionMinor, '.');
  return patch >= 0 &&
         ExpectNumber(kLibraryVersion, patch, kVersionPatch, '\0') >= 0;
}

}  // namespace version_internal

static_assert(version_internal::StringMatchesNumbers(),
              "kLibraryVersion must spell kVersionMajor.Minor.Patch");

}  // namespace pyi

#endif  // PYI_LIB_BASE_VERSION_H_
