# How a library's internal headers reach the code that uses them.
#
# An internal header lives beside its sources, src/FOLDER/x.h, and is
# included as "FOLDER/x.h". No target puts src/ itself on its include path:
# scansync_headers(TARGET FOLDER) gives TARGET, and every target that links
# it, one root, build/headers/FOLDER, that holds a single link, FOLDER →
# src/FOLDER. So a file sees the headers of its own folder and of the
# folders whose libraries it links, nothing else: including a folder's
# header without linking a library of that folder fails to compile. The unit
# is the folder: where one folder holds several libraries (src/device,
# src/scans), linking any of them opens all of its headers.
#
# The root is a build-tree path only (BUILD_INTERFACE): the installed package
# exposes include/ alone.
function(scansync_headers target folder)
  set(root ${PROJECT_BINARY_DIR}/headers/${folder})
  if(NOT EXISTS ${root}/${folder})
    file(MAKE_DIRECTORY ${root})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE $<BUILD_INTERFACE:${root}>)
  elseif(type MATCHES "LIBRARY$")
    target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)
  else()  # a program or a test: its own folder only
    target_include_directories(${target} PRIVATE ${root})
  endif()
endfunction()
