# vsw_control's sources: every control/*.c but main (the RPC engineer's
# rpc_*.c files join by the glob), for the main build (CMakeLists.txt here)
# and the clang fuzz build (tests/fuzz) alike.
file(GLOB VSW_CONTROL_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(REMOVE_ITEM VSW_CONTROL_SOURCES ${CMAKE_CURRENT_LIST_DIR}/vhostd_main.c)
