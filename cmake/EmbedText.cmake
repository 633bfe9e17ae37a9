# Run as `cmake -DINPUT=... -DOUTPUT=... -DSYMBOL=... -P EmbedText.cmake`: writes a C++
# file defining `extern const char SYMBOL[]` with the input file's text.
file(READ ${INPUT} text)
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\nnamespace modelc {\nextern const char ${SYMBOL}[];\nconst char ${SYMBOL}[] = R\"modelc_embedded(${text})modelc_embedded\";\n}  // namespace modelc\n")
