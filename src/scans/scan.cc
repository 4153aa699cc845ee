#include "scans/scan.h"

namespace scansync::scans {

std::size_t wire_size(const StoredScan& s) {
  // Member names, quotes, numbers and the change wrapper of a row: about 100
  // bytes whichever shape it is listed in.
  constexpr std::size_t kFixed = 100;
  if (s.deleted()) return kFixed + s.id.size();
  return kFixed + s.user.size() + s.id.size() + s.code.size() + s.format.size() + s.device_id.size() +
         s.created_at.size();
}

}  // namespace scansync::scans
