# cmake -DSPV=<file.spv> -DOUT=<file.cpp> -DNAME=<variant> -P embed_spirv.cmake
# Writes the SPIR-V words of SPV as `const uint32_t k_<NAME>[]` (little-endian file).
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR words "${n} / 8")
string(REGEX MATCHALL "([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])([0-9a-f][0-9a-f])" bytes4 "${hex}")
set(body "")
set(i 0)
foreach(w ${bytes4})
  string(SUBSTRING ${w} 0 2 b0)
  string(SUBSTRING ${w} 2 2 b1)
  string(SUBSTRING ${w} 4 2 b2)
  string(SUBSTRING ${w} 6 2 b3)
  string(APPEND body "0x${b3}${b2}${b1}${b0}u,")
  math(EXPR i "${i} + 1")
  math(EXPR r "${i} % 8")
  if(r EQUAL 0)
    string(APPEND body "\n")
  endif()
endforeach()
file(WRITE ${OUT} "// Generated from ${NAME}.spv by shaders/embed_spirv.cmake.
#include <cstddef>
#include <cstdint>
namespace effnet::shaders {
extern const uint32_t k_${NAME}[];
extern const size_t k_${NAME}_words;
alignas(4) const uint32_t k_${NAME}[] = {
${body}};
const size_t k_${NAME}_words = ${words};
}  // namespace effnet::shaders
")
