# cmake -DSRC=<src> -DRULES="folder=a,b|folder2=..." -DSTAMP=<file> -P CheckLayers.cmake
#
# Every #include "X/name.h" in src/F/ must name a folder X that F may
# include (its rule in RULES) or F itself. Above src/checks/, the one header
# taken from checks is kind.h: the engine runs kinds through that interface.
# Includes without a folder (same folder, config.h, generated skeletons) and
# of folders that are not under src/ (bpf/) are not layers and pass.
string(REPLACE "|" ";" rules "${RULES}")
set(folders "")
foreach(rule ${rules})
  string(REGEX MATCH "^([^=]+)=(.*)$" _ "${rule}")
  set(folder "${CMAKE_MATCH_1}")
  string(REPLACE "," ";" allowed_${folder} "${CMAKE_MATCH_2}")
  list(APPEND folders "${folder}")
endforeach()

set(errors "")
file(GLOB_RECURSE files "${SRC}/*.c" "${SRC}/*.h")
foreach(file ${files})
  file(RELATIVE_PATH rel "${SRC}" "${file}")
  string(REGEX MATCH "^[^/]+" own "${rel}")
  if(rel STREQUAL own)
    continue() # src/config.h.in and the like
  endif()
  list(FIND folders "${own}" known)
  if(known LESS 0)
    string(APPEND errors "  src/${rel}: folder src/${own}/ has no layer rule in CMakeLists.txt\n")
    continue()
  endif()
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+/[^\"]+\"")
  foreach(line ${lines})
    string(REGEX MATCH "\"([^\"/]+)/([^\"]+)\"" _ "${line}")
    set(target "${CMAKE_MATCH_1}")
    set(header "${CMAKE_MATCH_2}")
    if(target STREQUAL own OR NOT IS_DIRECTORY "${SRC}/${target}")
      continue()
    endif()
    list(FIND allowed_${own} "${target}" ok)
    if(ok LESS 0)
      string(APPEND errors "  src/${rel}: includes ${target}/${header}, but src/${own}/ may include only: ${allowed_${own}}\n")
    elseif(target STREQUAL "checks" AND NOT header STREQUAL "kind.h")
      string(APPEND errors "  src/${rel}: includes checks/${header}; above src/checks/ only checks/kind.h (the kind interface) may be included\n")
    endif()
  endforeach()
endforeach()

if(errors)
  message(FATAL_ERROR "layering broken (docs/architecture.md):\n${errors}")
endif()
file(WRITE "${STAMP}" "ok\n")
