// The process-wide collector state (internal/collector.h).

#include "lib/collect/internal/collector.h"

namespace pyi {
namespace internal {

Collector& GetCollector() {
  // Never destroyed: threads may still call in during static destruction.
  static Collector* collector = [] {
    Collector* created = new Collector();
    InstallForkHandlers();
    return created;
  }();
  return *collector;
}

}  // namespace internal
}  // namespace pyi
