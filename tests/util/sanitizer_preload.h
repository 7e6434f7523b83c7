// The sanitizer runtimes loaded into this process, as an LD_PRELOAD value.
//
// A test that loads a module built with our sanitizer flags into an
// interpreter that is not (Debian's python3 or lua5.4) must preload the same
// runtime, or the module cannot load. In a plain build this is "".
//
//   setenv("LD_PRELOAD", pyi_testing::SanitizerRuntimes().c_str(), 1);

#ifndef PYI_TESTS_UTIL_SANITIZER_PRELOAD_H_
#define PYI_TESTS_UTIL_SANITIZER_PRELOAD_H_

#include <link.h>

#include <string>

namespace pyi_testing {

inline int AddSanitizerRuntime(struct dl_phdr_info* info, size_t, void* data) {
  auto* preload = static_cast<std::string*>(data);
  const std::string path = info->dlpi_name != nullptr ? info->dlpi_name : "";
  for (const char* runtime : {"/libasan.so", "/libtsan.so", "/libubsan.so"}) {
    if (path.find(runtime) != std::string::npos &&
        preload->find(path) == std::string::npos) {
      if (!preload->empty()) *preload += ":";
      *preload += path;
    }
  }
  return 0;
}

inline std::string SanitizerRuntimes() {
  std::string preload;
  dl_iterate_phdr(&AddSanitizerRuntime, &preload);
  return preload;
}

}  // namespace pyi_testing

#endif  // PYI_TESTS_UTIL_SANITIZER_PRELOAD_H_
