#pragma once
// The order service's JSON helpers are the platform's (caas/events/json_util.hpp).

#include <caas/events/json_util.hpp>

namespace caas::order {
namespace json = caas::events::json;
}  // namespace caas::order
