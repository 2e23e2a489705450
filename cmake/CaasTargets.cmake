# Common compile options and helpers for libraries and executables.
add_library(caas_compile_options INTERFACE)
target_compile_options(caas_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${CAAS_WERROR}>:-Werror>)
# Asio: no deprecated APIs, and one io_context model for everybody.
target_compile_definitions(caas_compile_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED)
if(CAAS_SANITIZE)
  target_compile_options(caas_compile_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
    # GCC 12 reports false maybe-uninitialized warnings in <regex> under ASan.
    -Wno-maybe-uninitialized)
  target_link_options(caas_compile_options INTERFACE -fsanitize=address,undefined)
endif()
if(CAAS_TSAN)
  # Only our code is instrumented; librdkafka, RocksDB and OpenSSL synchronise
  # internally in ways TSan cannot see, which cmake/tsan.supp accounts for.
  target_compile_options(caas_compile_options INTERFACE
    -fsanitize=thread -fno-omit-frame-pointer
    # GCC 12 warns that TSan does not model std::atomic_thread_fence (used by
    # Asio and Catch2); the warning is about the tool, not about our code.
    -Wno-tsan)
  target_link_options(caas_compile_options INTERFACE -fsanitize=thread)
  # C11 threads routed through the pthread functions TSan intercepts; added to
  # every executable by caas_add_executable and caas_add_test.
  add_library(caas_tsan_c11_threads OBJECT ${CMAKE_CURRENT_LIST_DIR}/tsan_c11_threads.c)
  set(CAAS_TSAN_OBJECTS $<TARGET_OBJECTS:caas_tsan_c11_threads>)
endif()

# caas_add_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates target caas_<name> with alias caas::<name>, public headers in include/.
function(caas_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(caas_${name} STATIC ${ARG_SOURCES})
  add_library(caas::${name} ALIAS caas_${name})
  target_include_directories(caas_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                          PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(caas_${name} PUBLIC ${ARG_PUBLIC_DEPS} caas_compile_options
                                     PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# caas_add_executable(<target> OUTPUT_NAME <binary> SOURCES ... DEPS ...)
function(caas_add_executable target)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(${target} ${ARG_SOURCES} ${CAAS_TSAN_OBJECTS})
  target_link_libraries(${target} PRIVATE ${ARG_DEPS} caas_compile_options)
  if(ARG_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()
