# Backend plugins: engine backends built as shared modules the engine dlopens at run time
# (inference/engine/backend_loader.cpp), so a package without them needs no NVIDIA software.
#
#   include(FathomBackendPlugin)
#   fathom_add_backend_plugin(<target> NAME <name> SOURCES ... [LIBS ...] [COMPONENT <c>] [OUTPUT_DIR <dir>])
#
# builds lib fathom_<name>_backend.so into ${FATHOM_PLUGIN_BUILD_DIR} (where a build tree's engine
# looks) and installs it into ${FATHOM_PLUGIN_INSTALL_DIR} in install component <c> (the CUDA one:
# COMPONENT cuda, packaged as fathom-cuda). OUTPUT_DIR builds it elsewhere and skips the install
# (test plugins). The sources must define FATHOM_BACKEND_EXPORT fathom_backend_plugin() (backend_plugin.h).
include_guard(DIRECTORY)
include(GNUInstallDirs)

set(FATHOM_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/fathom)  # relative to the install prefix
set(FATHOM_PLUGIN_BUILD_DIR ${CMAKE_BINARY_DIR}/plugins)  # backend_loader.cpp assumes this name

function(fathom_add_backend_plugin target)
  cmake_parse_arguments(P "" "NAME;COMPONENT;OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(NOT P_NAME OR NOT P_SOURCES)
    message(FATAL_ERROR "fathom_add_backend_plugin(${target}): NAME and SOURCES are required")
  endif()
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE fathom_inference ${P_LIBS})
  set(out_dir ${FATHOM_PLUGIN_BUILD_DIR})
  if(P_OUTPUT_DIR)
    set(out_dir ${P_OUTPUT_DIR})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib" OUTPUT_NAME fathom_${P_NAME}_backend SUFFIX ".so"
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    # Only the entry point is exported: the plugin's copy of engine code stays its own.
    CXX_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  # Every symbol resolved at link time (a missing one is a build error, not a dlopen failure on a
  # user's machine); static libraries' symbols kept out of the dynamic table.
  target_link_options(${target} PRIVATE -Wl,-z,defs -Wl,--exclude-libs,ALL)
  if(NOT P_OUTPUT_DIR)
    set(component Unspecified)
    if(P_COMPONENT)
      set(component ${P_COMPONENT})
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION ${FATHOM_PLUGIN_INSTALL_DIR} COMPONENT ${component})
  endif()
endfunction()
