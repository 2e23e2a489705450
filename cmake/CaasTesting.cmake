include(Catch)

# One precompiled Catch2 main shared by every test binary (compiled once).
add_library(caas_test_main OBJECT ${CMAKE_SOURCE_DIR}/tests/support/catch_main.cpp)
target_link_libraries(caas_test_main PUBLIC Catch2::Catch2 caas_compile_options)

# caas_add_test(<name> SOURCES ... DEPS ... LABEL unit|component|e2e|fuzz
#               [TIMEOUT s] [RESOURCE_LOCK name] [NO_DISCOVER])
# Each Catch2 TEST_CASE becomes one ctest test carrying the label, so tiers run
# alone with `ctest -L unit`. TIMEOUT bounds every test case of the binary.
function(caas_add_test name)
  cmake_parse_arguments(ARG "NO_DISCOVER" "LABEL;TIMEOUT;RESOURCE_LOCK" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES} $<TARGET_OBJECTS:caas_test_main> ${CAAS_TSAN_OBJECTS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} Catch2::Catch2 caas_compile_options)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  set(props LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
  if(ARG_RESOURCE_LOCK)
    list(APPEND props RESOURCE_LOCK ${ARG_RESOURCE_LOCK})
  endif()
  if(ARG_NO_DISCOVER)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES ${props})
  else()
    catch_discover_tests(${name} TEST_PREFIX "${name}: " PROPERTIES ${props})
  endif()
endfunction()
