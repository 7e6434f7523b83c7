/* CHECK and CHECK_STATUS for the C tests: a failed check fills `failure`
 * (CAPI_FAILURE_SIZE bytes, a parameter of every test function) and
 * returns the failing line from the test function. */
#ifndef PYI_TESTS_CAPI_C_CHECK_H_
#define PYI_TESTS_CAPI_C_CHECK_H_

#include <stdio.h>

#include <pyinstrument/pyinstrument.h>

#include "capi_c_test.h"

#define CHECK(condition)                                                  \
  do {                                                                    \
    if (!(condition)) {                                                   \
      snprintf(failure, CAPI_FAILURE_SIZE, "%s:%d: %s (last error: %s)", \
               __FILE__, __LINE__, #condition, pyi_last_error());         \
      return __LINE__;                                                    \
    }                                                                     \
  } while (0)

#define CHECK_STATUS(call, expected)                                        \
  do {                                                                      \
    pyi_status status_ = (call);                                            \
    if (status_ != (expected)) {                                            \
      snprintf(failure, CAPI_FAILURE_SIZE,                                  \
               "%s:%d: %s gave %d, expected %s (last error: %s)", __FILE__, \
               __LINE__, #call, (int)status_, #expected, pyi_last_error()); \
      return __LINE__;                                                      \
    }                                                                       \
  } while (0)

#endif /* PYI_TESTS_CAPI_C_CHECK_H_ */
