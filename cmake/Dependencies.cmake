# System libraries, all from Debian packages (see scripts/bootstrap.sh).
# Nothing is downloaded at build time.
#
# MCP_WARDEN_STATIC_DEPS (on by default): OpenSSL's libcrypto, SQLite, RE2
# and yaml-cpp are linked from the static archives Debian's -dev packages
# ship, when they are there. An MCP client starts mcp-warden for every server
# it launches: without ~30 000 symbol relocations of four shared libraries it
# starts ~1.7 ms sooner, and only the code it uses becomes resident
# (docs/performance.md). Without an archive the shared library is used.
option(MCP_WARDEN_STATIC_DEPS "Link libcrypto, SQLite, RE2 and yaml-cpp statically when their .a exist" ON)

find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

# mw_dependency(TARGET ARCHIVE SHARED_TARGET [EXTRA_LIBS...]): TARGET links
# lib<ARCHIVE>.a (plus EXTRA_LIBS) when static linking is on and the archive
# exists, else SHARED_TARGET.
function(mw_dependency target archive shared_target)
  add_library(${target} INTERFACE)
  if(MCP_WARDEN_STATIC_DEPS)
    find_library(MW_ARCHIVE_${archive} NAMES lib${archive}.a)
  endif()
  if(MCP_WARDEN_STATIC_DEPS AND MW_ARCHIVE_${archive})
    target_link_libraries(${target} INTERFACE ${MW_ARCHIVE_${archive}} ${ARGN})
    message(STATUS "mcp-warden: ${archive} linked statically (${MW_ARCHIVE_${archive}})")
  else()
    target_link_libraries(${target} INTERFACE ${shared_target})
  endif()
endfunction()

mw_dependency(mw_dep_re2 re2 PkgConfig::RE2 Threads::Threads)
mw_dependency(mw_dep_yaml yaml-cpp yaml-cpp)
mw_dependency(mw_dep_crypto crypto OpenSSL::Crypto Threads::Threads ${CMAKE_DL_LIBS})
mw_dependency(mw_dep_sqlite sqlite3 SQLite::SQLite3 Threads::Threads m ${CMAKE_DL_LIBS})
