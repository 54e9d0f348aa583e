# `cmake --install <build> --prefix <dir>` installs effnet-vk as a CMake package:
#   lib/libeffnet_*.a, include/effnet_vk/<module>/*.h (the sources' include paths:
#   #include "model/network.h"), bin/effnet-infer (and effnet-bench), and
#   lib/cmake/effnet_vk/ (effnet_vkConfig.cmake, version file, exported targets).
# A consumer:  find_package(effnet_vk REQUIRED)
#              target_link_libraries(app PRIVATE effnet_vk::effnet_vk)
# Included last by the root CMakeLists.txt, so the module folders keep only their
# build rules: targets and headers are picked up here (new headers by pattern at
# install time, without edits).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(EFFNET_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/effnet_vk")
set(EFFNET_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/effnet_vk")

# Build-tree target -> exported name (effnet_vk::<name>). The runtime library is
# called effnet_vk in the build tree; it is exported as effnet_vk::runtime so that
# effnet_vk::effnet_vk can be the umbrella.
set(_effnet_exports
    effnet_vulkan_headers vulkan_headers
    effnet_shaders shaders
    effnet_vk runtime
    effnet_model model
    effnet_vkplan vkplan
    effnet_cuda_ref cuda_ref
    effnet_context_env context_env
    effnet_backends backends
    effnet_thread_pool thread_pool
    effnet_app app)
set(_effnet_targets "")
while(_effnet_exports)
  list(POP_FRONT _effnet_exports _tgt _name)
  if(NOT TARGET ${_tgt})
    continue()
  endif()
  list(APPEND _effnet_targets ${_tgt})
  set_target_properties(${_tgt} PROPERTIES EXPORT_NAME ${_name})
  # The modules add ${PROJECT_SOURCE_DIR} (or a folder below it or the build
  # folder) as a plain PUBLIC include directory; an exported target must name
  # those for the build tree only and the installed include/effnet_vk instead.
  get_target_property(_dirs ${_tgt} INTERFACE_INCLUDE_DIRECTORIES)
  if(_dirs)
    set(_fixed "")
    set(_in_tree OFF)
    foreach(_d IN LISTS _dirs)
      string(FIND "${_d}/" "${PROJECT_SOURCE_DIR}/" _in_src)
      string(FIND "${_d}/" "${PROJECT_BINARY_DIR}/" _in_bin)
      if(_in_src EQUAL 0 OR _in_bin EQUAL 0)
        list(APPEND _fixed "$<BUILD_INTERFACE:${_d}>")
        set(_in_tree ON)
      else()
        list(APPEND _fixed "${_d}")  # outside the tree, or already a generator expression
      endif()
    endforeach()
    if(_in_tree)
      list(APPEND _fixed "$<INSTALL_INTERFACE:${EFFNET_INSTALL_INCLUDEDIR}>")
    endif()
    set_target_properties(${_tgt} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_fixed}")
  endif()
endwhile()

# The umbrella: one target that links every library of this build.
add_library(effnet_vk_umbrella INTERFACE)
add_library(effnet_vk::effnet_vk ALIAS effnet_vk_umbrella)
set_target_properties(effnet_vk_umbrella PROPERTIES EXPORT_NAME effnet_vk)
list(REMOVE_ITEM _effnet_targets effnet_vulkan_headers)
target_link_libraries(effnet_vk_umbrella INTERFACE ${_effnet_targets})
target_compile_features(effnet_vk_umbrella INTERFACE cxx_std_20)
list(APPEND _effnet_targets effnet_vulkan_headers effnet_vk_umbrella)

install(TARGETS ${_effnet_targets} EXPORT effnet_vkTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(_exe effnet-infer effnet-bench)
  if(TARGET ${_exe})
    install(TARGETS ${_exe} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# Public headers: every *.h of the module folders, matched at install time.
set(_effnet_header_dirs shaders vk_runtime model backends apps)
if(TARGET effnet_cuda_ref)
  list(APPEND _effnet_header_dirs cuda_ref)
endif()
list(TRANSFORM _effnet_header_dirs PREPEND "${PROJECT_SOURCE_DIR}/")
install(DIRECTORY ${_effnet_header_dirs} DESTINATION ${EFFNET_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp"
        PATTERN "results" EXCLUDE PATTERN "bench_*" EXCLUDE)  # effnet-bench's own code is in no library
install(FILES ${EFFNET_VARIANT_NAMES_H} DESTINATION ${EFFNET_INSTALL_INCLUDEDIR}/shaders)  # generated

# What the config file checks and finds again on the consumer's side: the same
# Vulkan headers, VMA and loader as this build, nlohmann_json, CLI11, CUDA.
set(EFFNET_PKG_VK_INCLUDE "${EFFNET_VK_INCLUDE}")
set(EFFNET_PKG_DEPS_INCLUDE "${EFFNET_DEPS}/prefix/include")
set(EFFNET_PKG_VULKAN_LIB "${EFFNET_VULKAN_LIB}")
set(EFFNET_PKG_STB_INCLUDE "${EFFNET_STB_INCLUDE}")
set(EFFNET_PKG_HAVE_CUDA ${EFFNET_HAVE_CUDA})
set(EFFNET_PKG_CUDA_ROOT "")
set(EFFNET_PKG_CUDNN_LIB "")
if(EFFNET_HAVE_CUDA)
  get_filename_component(EFFNET_PKG_CUDA_ROOT "${CUDAToolkit_BIN_DIR}" DIRECTORY)
  set(EFFNET_PKG_CUDNN_LIB "${EFFNET_CUDNN_LIB}")
endif()
set(EFFNET_PKG_HAVE_APP OFF)
if(TARGET effnet_app)
  set(EFFNET_PKG_HAVE_APP ON)
endif()

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/effnet_vkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/effnet_vkConfig.cmake
  INSTALL_DESTINATION ${EFFNET_INSTALL_CMAKEDIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/effnet_vkConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/effnet_vkConfig.cmake ${PROJECT_BINARY_DIR}/effnet_vkConfigVersion.cmake
        DESTINATION ${EFFNET_INSTALL_CMAKEDIR})
install(EXPORT effnet_vkTargets NAMESPACE effnet_vk:: DESTINATION ${EFFNET_INSTALL_CMAKEDIR})
