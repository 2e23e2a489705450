#pragma once
// GET /api/v1/orders: filters, sort and pagination over order documents (pure).
//   status, dealership_id, customer_id      exact match
//   created_from (inclusive), created_to    RFC 3339 instant, or YYYY-MM-DD (created_to = whole day)
//   sort   created_at | updated_at | order_number | state, "-" prefix = descending (default -created_at)
//   limit  1..100 (default 20), offset >= 0
// Ties are broken by order id so pages are stable.

#include "domain/order.hpp"
#include "domain/validation.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace caas::order {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ListQuery {
  std::optional<State> status;
  std::string dealership_id;
  std::string customer_id;
  std::optional<std::chrono::system_clock::time_point> created_from;
  std::optional<std::chrono::system_clock::time_point> created_to;  // exclusive
  std::string sort_key = "created_at";
  bool descending = true;
  std::size_t limit = 20;
  std::size_t offset = 0;
};

inline constexpr std::size_t kMaxLimit = 100;

Validated<ListQuery> parse_list_query(const QueryParams& params);

bool matches(const ListQuery& q, const Order& o);

struct ListPage {
  std::size_t total = 0;
  std::vector<Order> orders;  // the requested page, sorted
};
ListPage select_page(const ListQuery& q, std::vector<Order> candidates);

/// {"total","limit","offset","count","orders":[summary...]}
std::string page_to_json(const ListQuery& q, const ListPage& page);

}  // namespace caas::order
