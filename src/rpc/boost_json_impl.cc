// Boost.JSON in header-only mode: its compiled parts (the parser's stack,
// error categories, the default memory resource) are built here, once, for
// the strict reader in strict_sax.h. Nothing else in the project uses
// Boost.JSON; nlohmann::json is the DOM and the writer.
#include <boost/json/src.hpp>
