#pragma once
// Precompiled for the library's sources and tests: Beast/Asio dominate the
// compile time of this library.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
