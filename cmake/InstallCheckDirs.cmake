# Run by "cmake --install": the folders Bottlerocket's API server passes to
# bloodhound -c (layout/README.md), under the prefix given at install time.
# Set before this script: CISREPORT_SRC, CISREPORT_LIBEXECDIR and
# CISREPORT_DATADIR (as configured: relative to the prefix, or absolute).
foreach(var LIBEXECDIR DATADIR)
  if(IS_ABSOLUTE "${CISREPORT_${var}}")
    set(full_${var} "${CISREPORT_${var}}")
  else()
    set(full_${var} "${CMAKE_INSTALL_PREFIX}/${CISREPORT_${var}}")
  endif()
endforeach()
set(profiles "${full_DATADIR}/cisreport/profiles")
file(GLOB levels RELATIVE "${CISREPORT_SRC}/profiles" "${CISREPORT_SRC}/profiles/level*")
foreach(folder cis-checks/bottlerocket cis-checks/kubernetes fips-checks/bottlerocket)
  set(dest "${full_LIBEXECDIR}/${folder}")
  # Older installs made the folder a link to the profiles: never write
  # through it.
  if(IS_SYMLINK "$ENV{DESTDIR}${dest}")
    file(REMOVE "$ENV{DESTDIR}${dest}")
  endif()
  file(INSTALL "${CISREPORT_SRC}/layout/libexec/${folder}/metadata.json"
    DESTINATION "${dest}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  foreach(level ${levels})
    # Relative, so that the links also resolve inside a DESTDIR staging tree.
    file(RELATIVE_PATH target "${dest}" "${profiles}/${level}")
    message(STATUS "Installing: $ENV{DESTDIR}${dest}/${level} -> ${target}")
    file(CREATE_LINK "${target}" "$ENV{DESTDIR}${dest}/${level}" SYMBOLIC)
  endforeach()
endforeach()
