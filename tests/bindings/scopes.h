// Functions of cpp_binding_test's two translation units.
#ifndef PYI_TESTS_BINDINGS_SCOPES_H_
#define PYI_TESTS_BINDINGS_SCOPES_H_

#include <cstdint>

namespace bindings_test {

// Advances *fake_now inside scopes compiled with PYI_DISABLE.
void DisabledWork(int64_t* fake_now);

}  // namespace bindings_test

#endif  // PYI_TESTS_BINDINGS_SCOPES_H_
