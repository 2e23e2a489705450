# caas_add_service(): one shape for every service (issue 15).
#
#   caas_add_service(<prefix>
#     BINARY        caas-<name>            # executable name (DESIGN.md §7)
#     DOMAIN        src/domain/*.cpp ...   # pure rules: target <prefix>_domain
#     DOMAIN_DEPS   caas::events ...       # may not be kafka, http, smtp or store
#     SOURCES       src/store/... src/handlers/... src/api/... src/clients/... src/app/...
#     DEPS          caas::service ...      # target <prefix>_lib (links <prefix>_domain)
#     MAIN          src/main.cpp           # executable target <prefix>, or TARGET
#     [TARGET       <executable target>])
#
# Layout it expects (every service reads the same way):
#   src/domain/    pure rules, no I/O, no clock — its own target, unit-tested alone
#   src/handlers/  one Kafka handler per file
#   src/api/       HTTP routes
#   src/store/     key layout and codecs
#   src/clients/   partners' APIs
#   src/app/       composition root and the probe (metrics)
#
# Purity is checked when CMake configures: a domain target that names one of
# the I/O libraries is an error, so the rule cannot erode one link at a time.
set(CAAS_IO_LIBRARIES caas::kafka caas_kafka caas::http caas_http caas::smtp caas_smtp caas::store caas_store
    caas::service caas_service caas::devbroker caas_devbroker)

function(caas_add_service prefix)
  cmake_parse_arguments(ARG "" "BINARY;MAIN;TARGET" "DOMAIN;DOMAIN_DEPS;SOURCES;DEPS" ${ARGN})
  if(NOT ARG_BINARY OR NOT ARG_MAIN OR NOT ARG_DOMAIN OR NOT ARG_SOURCES)
    message(FATAL_ERROR "caas_add_service(${prefix}): BINARY, MAIN, DOMAIN and SOURCES are required")
  endif()
  foreach(dep ${ARG_DOMAIN_DEPS})
    if(dep IN_LIST CAAS_IO_LIBRARIES)
      message(FATAL_ERROR "caas_add_service(${prefix}): the domain target may not link ${dep} "
                          "(domain rules are pure: no Kafka, sockets, SMTP or store)")
    endif()
  endforeach()
  foreach(src ${ARG_DOMAIN})
    if(NOT src MATCHES "^src/domain/")
      message(FATAL_ERROR "caas_add_service(${prefix}): domain source ${src} is not under src/domain/")
    endif()
  endforeach()

  add_library(${prefix}_domain STATIC ${ARG_DOMAIN})
  target_include_directories(${prefix}_domain PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${prefix}_domain PUBLIC ${ARG_DOMAIN_DEPS} caas_compile_options)

  add_library(${prefix}_lib STATIC ${ARG_SOURCES})
  target_include_directories(${prefix}_lib PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${prefix}_lib PUBLIC ${prefix}_domain ${ARG_DEPS} caas_compile_options)

  if(NOT ARG_TARGET)
    set(ARG_TARGET ${prefix})
  endif()
  caas_add_executable(${ARG_TARGET} OUTPUT_NAME ${ARG_BINARY} SOURCES ${ARG_MAIN} DEPS ${prefix}_lib)
endfunction()
