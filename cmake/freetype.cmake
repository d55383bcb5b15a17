# FreeType renders the letters of `synrl data letters` (data/letters.c).
# Optional like cairo: without it synrl builds, and the command says how to get
# it (apt-get install libfreetype-dev).
pkg_check_modules(FREETYPE IMPORTED_TARGET freetype2)
if(FREETYPE_FOUND)
  target_link_libraries(synrl_lib PUBLIC PkgConfig::FREETYPE)
  target_compile_definitions(synrl_lib PUBLIC SYNRL_HAVE_FREETYPE=1)
  # the installed synrl.pc and CMake package need it too (CMakeLists.txt)
  string(APPEND SYNRL_PC_EXTRA_REQUIRES " freetype2")
  string(APPEND SYNRL_CONFIG_EXTRA_DEPS
    "if(NOT TARGET PkgConfig::FREETYPE)\n  pkg_check_modules(FREETYPE REQUIRED IMPORTED_TARGET freetype2)\nendif()\n")
  message(STATUS "synrl: FreeType (synrl data letters) = found (pkg-config freetype2 ${FREETYPE_VERSION}, the libtool number)")
else()
  message(STATUS "synrl: FreeType (synrl data letters) = NOT found: letters disabled (apt-get install libfreetype-dev)")
endif()
