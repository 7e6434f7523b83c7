// Compiled with PYI_DISABLE: every scope here must vanish.
#define PYI_DISABLE
#include "pyinstrument/pyinstrument.hpp"

#include "tests/bindings/scopes.h"

namespace bindings_test {

void DisabledWork(int64_t* fake_now) {
  PYI_SCOPE();
  PYI_SCOPE_NAMED("disabled_block");
  *fake_now += 3'000'000;
}

}  // namespace bindings_test
