#pragma once
// One fresh folder under /tmp per fuzzing process, for the SQLite files the
// targets keep across inputs; removed when the process exits normally (a
// crashing input leaves it for inspection).
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "fuzz_check.h"

inline const std::filesystem::path& fuzz_temp_dir() {
  static const std::filesystem::path dir = [] {
    char name[] = "/tmp/scansync-fuzz-XXXXXX";
    FUZZ_CHECK(mkdtemp(name) != nullptr);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(fuzz_temp_dir(), ec);
    });
    return std::filesystem::path(name);
  }();
  return dir;
}
