# The folders of src/ are layers. cisreport_layer(NAME [LOWER...]) makes the
# static library cisreport_NAME from src/NAME/*.c, linked to the layers it
# names, and records that src/NAME may include headers of those folders and
# of no other. The programs' folders (cli, api, apiclient) are declared with
# cisreport_program_folder. At build time cmake/CheckLayers.cmake reads every
# #include "folder/header.h" in src/ and fails the build on one that points
# to a folder not allowed: a layering break cannot hide behind a link that
# happens to work.

set_property(GLOBAL PROPERTY CISREPORT_LAYER_RULES "")
set(CISREPORT_LAYERS_STAMP "${CMAKE_BINARY_DIR}/layers.stamp")

function(cisreport_allow folder)
  string(REPLACE ";" "," allowed "${ARGN}")
  set_property(GLOBAL APPEND PROPERTY CISREPORT_LAYER_RULES "${folder}=${allowed}")
endfunction()

function(cisreport_layer name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.c)
  add_library(cisreport_${name} STATIC ${sources})
  foreach(lower ${ARGN})
    target_link_libraries(cisreport_${name} PUBLIC cisreport_${lower})
  endforeach()
  add_dependencies(cisreport_${name} cisreport_layers)
  cisreport_allow(${name} ${ARGN})
endfunction()

# A program's folder: what it may include (its own folder always).
function(cisreport_program_folder name)
  cisreport_allow(${name} ${ARGN})
endfunction()

function(cisreport_layers_check)
  get_property(rules GLOBAL PROPERTY CISREPORT_LAYER_RULES)
  file(GLOB_RECURSE checked CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/src/*.c ${CMAKE_SOURCE_DIR}/src/*.h)
  string(REPLACE ";" "|" rules_arg "${rules}")
  add_custom_command(
    OUTPUT "${CISREPORT_LAYERS_STAMP}"
    COMMAND ${CMAKE_COMMAND} "-DSRC=${CMAKE_SOURCE_DIR}/src" "-DRULES=${rules_arg}"
            "-DSTAMP=${CISREPORT_LAYERS_STAMP}" -P "${CMAKE_SOURCE_DIR}/cmake/CheckLayers.cmake"
    DEPENDS ${checked} "${CMAKE_SOURCE_DIR}/cmake/CheckLayers.cmake" "${CMAKE_SOURCE_DIR}/CMakeLists.txt"
    COMMENT "Checking that src/ includes point down the layers"
    VERBATIM)
endfunction()
add_custom_target(cisreport_layers DEPENDS "${CISREPORT_LAYERS_STAMP}")
