# Installing avdream: `cmake --install build [--prefix P]` (DESTDIR works too), and a Debian
# package with `cpack` in build/ (scripts/package.sh). Everything installed finds the rest
# relative to itself, so an install under any prefix works without settings:
#   bin/avdream                        the CLI (RPATH $ORIGIN/../<libdir>)
#   <libdir>/libavdream{,_engine}.so   the library, <includedir>/avdream/ its headers
#   <libdir>/cmake/avdream/            find_package(avdream) -> avdream::avdream, avdream::engine
#   <libdir>/pkgconfig/avdream.pc      pkg-config avdream
#   share/avdream/models/              the models found in models/ at install time, the shipped
#                                      dream filters, their README; on the model search path
#   share/man/man1/avdream.1           from --help (help2man)
#   lib/frei0r-1/avdream.so            the frei0r plugin (frei0r/CMakeLists.txt)
include(CMakePackageConfigHelpers)
# Installing (and cpack) takes the build as it is: scripts/package.sh builds first. Without this
# cpack's "preinstall" would rebuild the whole tree, inside a test too.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

file(RELATIVE_PATH lib_from_bin "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
set_target_properties(avdream PROPERTIES INSTALL_RPATH "$ORIGIN/${lib_from_bin}")
set_target_properties(avdream_core PROPERTIES INSTALL_RPATH "$ORIGIN")

install(TARGETS avdream RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS avdream_core avdream_engine EXPORT avdreamTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/avdream DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/avdream)
install(EXPORT avdreamTargets NAMESPACE avdream:: DESTINATION ${config_dir})
configure_package_config_file(cmake/avdreamConfig.cmake.in ${PROJECT_BINARY_DIR}/avdreamConfig.cmake
  INSTALL_DESTINATION ${config_dir} PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/avdreamConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/avdreamConfig.cmake ${PROJECT_BINARY_DIR}/avdreamConfigVersion.cmake
  DESTINATION ${config_dir})

# pkg-config: relocatable through ${pcfiledir}. LibTorch has no .pc of its own, so its flags are
# written out here from what find_package(Torch) found.
file(RELATIVE_PATH prefix_from_pc "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" prefix_from_pc "${prefix_from_pc}")
get_filename_component(torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
list(TRANSFORM TORCH_INCLUDE_DIRS PREPEND "-I" OUTPUT_VARIABLE torch_cflags)
string(JOIN " " torch_cflags ${torch_cflags} ${TORCH_CXX_FLAGS})
configure_file(cmake/avdream.pc.in ${PROJECT_BINARY_DIR}/avdream.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/avdream.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Models: whatever models/ holds when installing (scripts/get-models.sh puts the defaults there;
# links are followed), the shipped filters, and how to get more.
set(models_dest ${CMAKE_INSTALL_DATADIR}/avdream/models)
install(CODE "set(AVDREAM_MODELS_SOURCE \"${PROJECT_SOURCE_DIR}/models\")
  set(AVDREAM_MODELS_DEST \"${models_dest}\")" COMPONENT models)
install(SCRIPT cmake/install_models.cmake COMPONENT models)
install(DIRECTORY models/filters DESTINATION ${models_dest} COMPONENT models FILES_MATCHING PATTERN "*.filter.pt" PATTERN "README.md")
install(FILES models/README.md models/get_models.py models/convert_tflite.py models/tflite_reader.py models/sources.py
  DESTINATION ${models_dest} COMPONENT models)

# The manual page, from --help and --version.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/avdream.1
    COMMAND ${HELP2MAN} --no-info --name "DeepDream for pictures, video and sound"
            --version-string=${PROJECT_VERSION} --output ${PROJECT_BINARY_DIR}/avdream.1 $<TARGET_FILE:avdream>
    DEPENDS avdream VERBATIM)
  add_custom_target(avdream_man ALL DEPENDS ${PROJECT_BINARY_DIR}/avdream.1)
  install(FILES ${PROJECT_BINARY_DIR}/avdream.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no manual page")
endif()
install(FILES scripts/avdream.bash-completion DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME avdream)

# The Debian package: `cpack -G DEB` in the build folder. dpkg-shlibdeps computes the library
# dependencies; OpenBLAS is loaded by LibTorch's BLAS through Debian's alternatives, which
# dpkg-shlibdeps cannot see, so it is named (without it matrix products are 25x slower).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME avdream)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "avdream developers <avdream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DeepDream for pictures, video and sound")
set(CPACK_PACKAGE_DESCRIPTION "avdream dreams pictures, clips and their soundtracks with pretrained CNNs (LibTorch), steady along the optical flow; trains and runs compact dream filters; renders long videos on a Slurm farm; and ships a frei0r plugin for ffmpeg, Kdenlive and Shotcut.")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ffmpeg")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-wlm, melt, kdenlive, shotcut")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)

# The editors' descriptions of the frei0r filter (README: "In video editors").
install(DIRECTORY editors/ DESTINATION ${CMAKE_INSTALL_DATADIR}/avdream/editors)
