/* The C test functions of capi_c_test.c, run by capi_test.cc. */
#ifndef PYI_TESTS_CAPI_CAPI_C_TEST_H_
#define PYI_TESTS_CAPI_CAPI_C_TEST_H_

#ifdef __cplusplus
extern "C" {
#endif

#define CAPI_FAILURE_SIZE 1024

int capi_test_version(char *failure);
int capi_test_status_strings(char *failure);
int capi_test_options(char *failure);
int capi_test_null_arguments(char *failure);
int capi_test_register_interns(char *failure);
int capi_test_session_lifecycle(char *failure);
int capi_test_sparse_timing_ticks_reported(char *failure);
int capi_test_running_session_refuses_reads(char *failure);
int capi_test_buffer_round_trip(char *failure);
int capi_test_file_round_trip(char *failure, const char *directory);
int capi_test_bad_bytes(char *failure);
int capi_test_host_walked_stack(char *failure);
int capi_test_unbalanced_exits_reported(char *failure);
int capi_test_session_combine(char *failure);
int capi_test_session_resample(char *failure);
int capi_test_export_formats(char *failure);
int capi_test_export_to_file_and_import(char *failure, const char *directory);
int capi_test_import_bad_input(char *failure, const char *directory);
int capi_test_bad_session_handles(char *failure, const char *directory);
int capi_test_unknown_frame_ids(char *failure);
int capi_test_struct_sizes(char *failure);
int capi_test_bad_options_and_names(char *failure);
int capi_test_hot_path_and_buffers_bad_input(char *failure);
int capi_test_resample_and_combine_bad_input(char *failure);
int capi_test_bad_paths(char *failure, const char *directory);

/* abi_frozen_test.c */
int capi_test_frozen_1_0_options(char *failure);
int capi_test_struct_larger_than_library_knows(char *failure);
int capi_test_stats_before_1_0(char *failure);

#ifdef __cplusplus
}
#endif

#endif /* PYI_TESTS_CAPI_CAPI_C_TEST_H_ */
