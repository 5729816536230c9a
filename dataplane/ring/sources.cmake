# vsw_ring's sources, for the main build (CMakeLists.txt here) and the
# clang fuzz build (tests/fuzz) alike.
file(GLOB VSW_RING_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
