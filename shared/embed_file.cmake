# Writes IN as a C string constant vsw_default_conf into OUT.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," content "${content}")
file(WRITE ${OUT} "const char vsw_default_conf[] = {${content} 0x00};\n")
