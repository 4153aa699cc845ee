# scansync_fuzz_target(NAME SOURCE...): the libFuzzer program fuzz_NAME, put
# in build/fuzz where scripts/fuzz.sh runs it from, and a ctest,
# fuzz.NAME.seeds, that replays its seed corpus (fuzz/corpus/NAME) once.
# A target without seeds fails the configure, not the fuzz run at the end of
# CI; a seed that crashes or breaks an invariant fails the suite.
function(scansync_fuzz_target name)
  add_executable(fuzz_${name} ${ARGN})
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  file(GLOB seeds CONFIGURE_DEPENDS ${corpus}/*)
  if(NOT seeds)
    message(FATAL_ERROR "fuzz_${name}: no seed inputs in ${corpus} (scripts/fuzz.sh starts from them)")
  endif()
  if(SCANSYNC_TESTS)
    # Files as arguments: libFuzzer runs each once and exits, mutating nothing.
    add_test(NAME fuzz.${name}.seeds COMMAND fuzz_${name} ${seeds})
    set_tests_properties(fuzz.${name}.seeds PROPERTIES LABELS fuzz TIMEOUT 60)
  endif()
endfunction()
