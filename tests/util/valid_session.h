// Valid(session): the ValidSession a test's hand-built Session makes.
//
// Renderers and exporters take a ValidSession (lib/session/session.h), which
// only ValidSession::Check makes; tests build exact sessions by hand and
// wrap them here. A session that fails the check fails the test (and an
// empty session is returned, so the test goes on to report more).
//
//   EXPECT_EQ(Export(pyi_testing::Valid(MakeSession())), "...");

#ifndef PYI_TESTS_UTIL_VALID_SESSION_H_
#define PYI_TESTS_UTIL_VALID_SESSION_H_

#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"

namespace pyi_testing {

inline pyi::ValidSession Valid(pyi::Session session) {
  absl::StatusOr<pyi::ValidSession> valid =
      pyi::ValidSession::Check(std::move(session));
  EXPECT_TRUE(valid.ok()) << valid.status();
  return valid.ok() ? *std::move(valid) : pyi::ValidSession();
}

}  // namespace pyi_testing

#endif  // PYI_TESTS_UTIL_VALID_SESSION_H_
