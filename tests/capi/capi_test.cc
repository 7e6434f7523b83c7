// Runs the C-language tests of capi_c_test.c as GoogleTest cases, so that
// each is counted and reported on its own.

#include <string>

#include "gtest/gtest.h"
#include "tests/capi/capi_c_test.h"
#include "tests/util/files.h"

namespace {

using ::pyi_testing::TempDir;

#define PYI_C_TEST(name, ...)                                    \
  TEST(CApiTest, name) {                                         \
    char failure[CAPI_FAILURE_SIZE] = {};                        \
    EXPECT_EQ(capi_test_##name(failure, ##__VA_ARGS__), 0) << failure; \
  }

PYI_C_TEST(version)
PYI_C_TEST(status_strings)
PYI_C_TEST(options)
PYI_C_TEST(null_arguments)
PYI_C_TEST(register_interns)
PYI_C_TEST(session_lifecycle)
PYI_C_TEST(sparse_timing_ticks_reported)
PYI_C_TEST(running_session_refuses_reads)
PYI_C_TEST(buffer_round_trip)
PYI_C_TEST(file_round_trip, TempDir().c_str())
PYI_C_TEST(bad_bytes)
PYI_C_TEST(host_walked_stack)
PYI_C_TEST(unbalanced_exits_reported)
PYI_C_TEST(session_combine)
PYI_C_TEST(session_resample)
PYI_C_TEST(export_formats)
PYI_C_TEST(export_to_file_and_import, TempDir().c_str())
PYI_C_TEST(import_bad_input, TempDir().c_str())
PYI_C_TEST(bad_session_handles, TempDir().c_str())
PYI_C_TEST(unknown_frame_ids)
PYI_C_TEST(struct_sizes)
PYI_C_TEST(bad_options_and_names)
PYI_C_TEST(hot_path_and_buffers_bad_input)
PYI_C_TEST(resample_and_combine_bad_input)
PYI_C_TEST(bad_paths, TempDir().c_str())
PYI_C_TEST(frozen_1_0_options)
PYI_C_TEST(struct_larger_than_library_knows)
PYI_C_TEST(stats_before_1_0)

}  // namespace
