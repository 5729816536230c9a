# vsw_shared's sources, for the main build (CMakeLists.txt here) and the
# clang fuzz build (tests/fuzz) alike. The default config, deploy/startup.conf,
# is compiled in (generated into the including directory's build dir), so
# the switch starts with no file to write first.
file(GLOB VSW_SHARED_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
set(VSW_DEFAULT_CONF ${CMAKE_CURRENT_LIST_DIR}/../deploy/startup.conf)
set(VSW_DEFAULT_CONF_C ${CMAKE_CURRENT_BINARY_DIR}/default_conf.c)
add_custom_command(
  OUTPUT ${VSW_DEFAULT_CONF_C}
  COMMAND ${CMAKE_COMMAND} -DIN=${VSW_DEFAULT_CONF} -DOUT=${VSW_DEFAULT_CONF_C}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake
  DEPENDS ${VSW_DEFAULT_CONF} ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)
list(APPEND VSW_SHARED_SOURCES ${VSW_DEFAULT_CONF_C})
