// Compiles the public header as C++ with -pedantic -Werror.
#include <pyinstrument/pyinstrument.h>

static_assert(sizeof(pyi_frame_id) == 4, "frame ids are 32-bit");
static_assert(PYI_OK == 0, "PYI_OK is zero");
