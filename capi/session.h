// The opaque pyi_session of the C ABI, shared by the stable functions
// (pyinstrument.cc) and the experimental ones (experimental.cc).

#ifndef PYI_CAPI_SESSION_H_
#define PYI_CAPI_SESSION_H_

#include <memory>

#include "lib/collect/collector.h"
#include "lib/session/session.h"

struct pyi_session {
  std::unique_ptr<pyi::Recorder> recorder;  // set while running
  pyi::Session data;                         // valid once stopped or loaded
};

#endif  // PYI_CAPI_SESSION_H_
