# The eBPF runtime observer: optional. With clang, bpftool, libbpf and a
# BTF file at configure time, bpf/*.bpf.c are compiled (clang -target bpf,
# against a vmlinux.h dumped from that BTF) into libbpf skeletons that
# cisreport_observer links. Without them the project still builds, says so in
# --version, and the runtime checks SKIP with the reason found here.
#
# Sets: CISREPORT_HAVE_BPF (ON/OFF), CISREPORT_BPF_REASON (why not),
#       target cisreport_bpf_skeletons (when ON), LIBBPF imported target.

option(CISREPORT_BPF "Build the eBPF runtime observer when clang, bpftool, libbpf and BTF are present" ON)
set(CISREPORT_BTF_FILE "/sys/kernel/btf/vmlinux" CACHE FILEPATH
  "BTF of the kernel to generate vmlinux.h from (CO-RE: the programs then run on other kernels too)")

set(CISREPORT_HAVE_BPF OFF)
set(CISREPORT_BPF_REASON "")
find_program(CISREPORT_BPF_CLANG NAMES clang clang-16 clang-15 clang-14 clang-13)
find_program(CISREPORT_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin /usr/local/sbin)
pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf>=0.8)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(CISREPORT_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CISREPORT_BPF_ARCH arm64)
else()
  set(CISREPORT_BPF_ARCH "")
endif()

if(NOT CISREPORT_BPF)
  set(CISREPORT_BPF_REASON "disabled at configure time by -DCISREPORT_BPF=OFF")
elseif(NOT CISREPORT_BPF_ARCH)
  set(CISREPORT_BPF_REASON "architecture ${CMAKE_SYSTEM_PROCESSOR} not supported")
elseif(NOT CISREPORT_BPF_CLANG)
  set(CISREPORT_BPF_REASON "clang not found at configure time")
elseif(NOT CISREPORT_BPFTOOL)
  set(CISREPORT_BPF_REASON "bpftool not found at configure time")
elseif(NOT LIBBPF_FOUND)
  set(CISREPORT_BPF_REASON "libbpf (>= 0.8, pkg-config libbpf) not found at configure time")
elseif(NOT EXISTS "${CISREPORT_BTF_FILE}")
  set(CISREPORT_BPF_REASON "no kernel BTF at ${CISREPORT_BTF_FILE} at configure time")
else()
  set(CISREPORT_HAVE_BPF ON)
endif()

if(CISREPORT_HAVE_BPF)
  set(bpf_out "${CMAKE_BINARY_DIR}/generated/bpf")
  file(MAKE_DIRECTORY "${bpf_out}")
  add_custom_command(
    OUTPUT "${bpf_out}/vmlinux.h"
    COMMAND "${CISREPORT_BPFTOOL}" btf dump file "${CISREPORT_BTF_FILE}" format c > "${bpf_out}/vmlinux.h.tmp"
    COMMAND ${CMAKE_COMMAND} -E rename "${bpf_out}/vmlinux.h.tmp" "${bpf_out}/vmlinux.h"
    COMMENT "Generating vmlinux.h from ${CISREPORT_BTF_FILE}"
    VERBATIM)
  file(GLOB BPF_PROGRAMS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/bpf/*.bpf.c")
  file(GLOB BPF_HEADERS CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/bpf/*.h")
  set(skeletons "")
  foreach(prog ${BPF_PROGRAMS})
    get_filename_component(base "${prog}" NAME)
    string(REGEX REPLACE "\\.bpf\\.c$" "" base "${base}")
    add_custom_command(
      OUTPUT "${bpf_out}/${base}.skel.h"
      COMMAND "${CISREPORT_BPF_CLANG}" -g -O2 -target bpf -mcpu=v3
              -D__TARGET_ARCH_${CISREPORT_BPF_ARCH}
              -Wall -Werror -Wno-unused-function
              -I "${bpf_out}" -I "${CMAKE_SOURCE_DIR}/bpf" ${LIBBPF_CFLAGS}
              -c "${prog}" -o "${bpf_out}/${base}.bpf.o"
      # bpftool's static linker keeps BTF and drops DWARF: a smaller object
      COMMAND "${CISREPORT_BPFTOOL}" gen object "${bpf_out}/${base}.linked.o" "${bpf_out}/${base}.bpf.o"
      COMMAND "${CISREPORT_BPFTOOL}" gen skeleton "${bpf_out}/${base}.linked.o" name "${base}_bpf"
              > "${bpf_out}/${base}.skel.h.tmp"
      COMMAND ${CMAKE_COMMAND} -E rename "${bpf_out}/${base}.skel.h.tmp" "${bpf_out}/${base}.skel.h"
      DEPENDS "${prog}" ${BPF_HEADERS} "${bpf_out}/vmlinux.h"
      COMMENT "Building eBPF program ${base} and its skeleton"
      VERBATIM)
    list(APPEND skeletons "${bpf_out}/${base}.skel.h")
  endforeach()
  add_custom_target(cisreport_bpf_skeletons DEPENDS ${skeletons})
  string(APPEND CISREPORT_FEATURES "+ebpf-observer ")
else()
  message(STATUS "cisreport: building WITHOUT the eBPF observer: ${CISREPORT_BPF_REASON}")
  string(APPEND CISREPORT_FEATURES "-ebpf-observer (${CISREPORT_BPF_REASON}) ")
endif()
