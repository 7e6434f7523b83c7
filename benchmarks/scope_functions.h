// Functions for scope_benchmark defined in other translation units.
#ifndef PYI_BENCHMARKS_SCOPE_FUNCTIONS_H_
#define PYI_BENCHMARKS_SCOPE_FUNCTIONS_H_

namespace pyi_bench {

// A leaf with a PYI_SCOPE compiled under PYI_DISABLE.
void DisabledLeaf(int* counter);

}  // namespace pyi_bench

#endif  // PYI_BENCHMARKS_SCOPE_FUNCTIONS_H_
