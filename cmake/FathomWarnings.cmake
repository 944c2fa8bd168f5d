# fathom_warnings(target): the warning set every Fathom C++ target compiles with.
function(fathom_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow=local -Wno-unused-parameter>)
endfunction()
