# Every third-party dependency comes from a Debian package (scripts/setup-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG)
find_package(RapidJSON QUIET)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
if(CAAS_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()

# RapidJSON's Debian package ships a config without a target; wrap it.
if(NOT TARGET caas_rapidjson)
  add_library(caas_rapidjson INTERFACE)
  # Signed-size conversions and std::string support are used everywhere.
  target_compile_definitions(caas_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
endif()
# caasctl's command line (header-only, Debian's libcli11-dev).
find_package(CLI11 CONFIG REQUIRED)
