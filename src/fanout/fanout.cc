#include "fanout/fanout.h"

namespace scansync::fanout {

EncodedFrame text_frame(std::string text) {
  return EncodedFrame{std::make_shared<const std::string>(std::move(text)), false};
}

}  // namespace scansync::fanout
