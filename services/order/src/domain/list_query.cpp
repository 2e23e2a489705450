#include "domain/list_query.hpp"

#include "domain/json_util.hpp"

#include <caas/events/time.hpp>

#include <algorithm>
#include <charconv>

namespace caas::order {

namespace {

std::optional<std::size_t> parse_size(const std::string& s) {
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool is_date_only(const std::string& s) {
  return s.size() == 10;
}

}  // namespace

Validated<ListQuery> parse_list_query(const QueryParams& params) {
  ListQuery q;
  for (const auto& [key, value] : params) {
    if (key == "status") {
      q.status = parse_state(value);
      if (!q.status) return FieldError{"status", "status must be one of the order states, e.g. ORDERED"};
    } else if (key == "dealership_id") {
      q.dealership_id = value;
    } else if (key == "customer_id") {
      q.customer_id = value;
    } else if (key == "created_from" || key == "created_to") {
      auto t = events::parse_iso8601(value);
      if (!t) return FieldError{key, key + " must be an RFC 3339 date-time or YYYY-MM-DD"};
      if (key == "created_from") {
        q.created_from = *t;
      } else {
        q.created_to = is_date_only(value) ? *t + std::chrono::hours(24) : *t + std::chrono::milliseconds(1);
      }
    } else if (key == "limit") {
      auto v = parse_size(value);
      if (!v || *v < 1 || *v > kMaxLimit) {
        return FieldError{"limit", "limit must be an integer between 1 and " + std::to_string(kMaxLimit)};
      }
      q.limit = *v;
    } else if (key == "offset") {
      auto v = parse_size(value);
      if (!v) return FieldError{"offset", "offset must be a non-negative integer"};
      q.offset = *v;
    } else if (key == "sort") {
      std::string k = value;
      q.descending = !k.empty() && k[0] == '-';
      if (q.descending) k.erase(0, 1);
      if (k != "created_at" && k != "updated_at" && k != "order_number" && k != "state") {
        return FieldError{"sort",
                          "sort must be created_at, updated_at, order_number or state, optionally with a - prefix"};
      }
      q.sort_key = k;
    } else {
      return FieldError{key, key + " is not a known query parameter"};
    }
  }
  if (q.created_from && q.created_to && *q.created_from >= *q.created_to) {
    return FieldError{"created_to", "created_to must be after created_from"};
  }
  return q;
}

bool matches(const ListQuery& q, const Order& o) {
  if (q.status && o.state != *q.status) return false;
  if (!q.dealership_id.empty() && o.sale.dealership_id != q.dealership_id) return false;
  if (!q.customer_id.empty() && o.sale.customer_id != q.customer_id) return false;
  if (q.created_from || q.created_to) {
    auto t = events::parse_rfc3339(o.created_at);
    if (!t) return false;
    if (q.created_from && *t < *q.created_from) return false;
    if (q.created_to && *t >= *q.created_to) return false;
  }
  return true;
}

ListPage select_page(const ListQuery& q, std::vector<Order> candidates) {
  std::erase_if(candidates, [&q](const Order& o) { return !matches(q, o); });
  auto key = [&q](const Order& o) -> std::string {
    if (q.sort_key == "updated_at") return o.updated_at;
    if (q.sort_key == "order_number") return o.order_number;
    if (q.sort_key == "state") return std::string(to_string(o.state));
    return o.created_at;
  };
  // RFC 3339 texts we write all use the same UTC millisecond form, so they sort as strings.
  std::sort(candidates.begin(), candidates.end(), [&](const Order& a, const Order& b) {
    auto ka = key(a), kb = key(b);
    if (ka != kb) return q.descending ? ka > kb : ka < kb;
    return a.id < b.id;
  });
  ListPage page;
  page.total = candidates.size();
  const auto first = std::min(q.offset, candidates.size());
  const auto last = std::min(first + q.limit, candidates.size());
  page.orders.assign(std::make_move_iterator(candidates.begin() + static_cast<std::ptrdiff_t>(first)),
                     std::make_move_iterator(candidates.begin() + static_cast<std::ptrdiff_t>(last)));
  return page;
}

std::string page_to_json(const ListQuery& q, const ListPage& page) {
  json::Writer w;
  w.begin_object().field("total", static_cast<std::int64_t>(page.total));
  w.field("limit", static_cast<std::int64_t>(q.limit)).field("offset", static_cast<std::int64_t>(q.offset));
  w.field("count", static_cast<std::int64_t>(page.orders.size())).key("orders").begin_array();
  for (const auto& o : page.orders) {
    w.begin_object().field("id", o.id).field("order_number", o.order_number).field("state", to_string(o.state));
    w.field("customer_id", o.sale.customer_id).field("dealership_id", o.sale.dealership_id);
    w.field("platform_base", o.sale.vehicle_specification.platform_base);
    w.field_or_null("factory_order_id", o.factory.factory_order_id);
    w.field_or_null("estimated_delivery_date", o.factory.estimated_delivery_date);
    w.field("created_at", o.created_at).field("updated_at", o.updated_at).end_object();
  }
  w.end_array().end_object();
  return w.str();
}

}  // namespace caas::order
