#include "domain/validation.hpp"

#include <caas/events/json.hpp>
#include <caas/events/time.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <set>

namespace caas::order {

bool is_valid_vin(std::string_view vin) noexcept {
  if (vin.size() != 17) return false;
  return std::all_of(vin.begin(), vin.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q');
  });
}

bool is_option_code(std::string_view code) noexcept {
  if (code.empty() || code.size() > 64) return false;
  return std::all_of(code.begin(), code.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

namespace {

bool upper_letters(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Walks one JSON object, reporting the first problem with its dotted path.
class Checker {
 public:
  Checker(const rapidjson::Value& v, std::string prefix) : v_(v), prefix_(std::move(prefix)) {}

  bool object(std::initializer_list<std::string_view> allowed) {
    if (!v_.IsObject())
      return fail(prefix_.empty() ? "body" : prefix_.substr(0, prefix_.size() - 1), "must be a JSON object");
    for (const auto& m : v_.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        return fail(std::string(name), "is not a known field");
      }
    }
    return true;
  }

  const rapidjson::Value* find(const char* name) const {
    auto it = v_.FindMember(name);
    return it == v_.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
  }

  bool string(const char* name, std::size_t max, std::string& out, bool required = true) {
    const auto* m = find(name);
    if (!m) return required ? fail(name, "is required") : true;
    if (!m->IsString()) return fail(name, "must be a string");
    out.assign(m->GetString(), m->GetStringLength());
    if (out.empty() || blank(out)) return fail(name, "must not be empty");
    if (out.size() > max) return fail(name, "must be at most " + std::to_string(max) + " characters");
    return true;
  }

  bool time(const char* name, std::string& out, const std::string& fallback) {
    if (!find(name)) {
      out = fallback;
      return true;
    }
    if (!string(name, 40, out)) return false;
    if (!events::parse_rfc3339(out)) return fail(name, "must be an RFC 3339 date-time");
    return true;
  }

  bool boolean(const char* name, bool& out) {
    const auto* m = find(name);
    if (!m) return fail(name, "is required");
    if (!m->IsBool()) return fail(name, "must be true or false");
    out = m->GetBool();
    return true;
  }

  bool integer(const char* name, std::int64_t min, std::int64_t max, std::int64_t& out) {
    const auto* m = find(name);
    if (!m) return fail(name, "is required");
    if (!m->IsInt64()) return fail(name, "must be an integer");
    out = m->GetInt64();
    if (out < min || out > max) {
      return fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return true;
  }

  bool codes(const char* name, std::vector<std::string>& out) {
    const auto* m = find(name);
    if (!m) return fail(name, "is required (an empty list is fine)");
    if (!m->IsArray()) return fail(name, "must be an array of option codes");
    if (m->Size() > 64) return fail(name, "must have at most 64 entries");
    std::set<std::string> seen;
    for (const auto& item : m->GetArray()) {
      if (!item.IsString() || !is_option_code({item.GetString(), item.GetStringLength()})) {
        return fail(name, "entries must be option codes matching [A-Z0-9_]{1,64}");
      }
      std::string code(item.GetString(), item.GetStringLength());
      if (!seen.insert(code).second) return fail(name, "lists " + code + " twice");
      out.push_back(std::move(code));
    }
    return true;
  }

  bool money(const char* name, std::optional<Money>& out) {
    const auto* m = find(name);
    if (!m) return true;
    Checker c(*m, path(name) + ".");
    Money money;
    if (!c.object({"amount_cents", "currency"}) || !c.integer("amount_cents", 0, INT64_MAX, money.amount_cents) ||
        !c.string("currency", 3, money.currency)) {
      return adopt(c);
    }
    if (!upper_letters(money.currency, 3)) {
      c.fail("currency", "must be an ISO 4217 code like EUR");
      return adopt(c);
    }
    out = money;
    return true;
  }

  bool fail(const std::string& name, const std::string& what) {
    error_ = FieldError{path(name), path(name) + " " + what};
    return false;
  }
  bool adopt(const Checker& inner) {
    error_ = inner.error_;
    return false;
  }
  std::string path(const std::string& name) const { return prefix_ + name; }
  const FieldError& error() const { return error_; }

 private:
  const rapidjson::Value& v_;
  std::string prefix_;
  FieldError error_;
};

template <class T>
Validated<T> parse_then(std::string_view body, const std::function<bool(Checker&, T&)>& fill) {
  if (body.empty()) body = "{}";
  auto doc = events::parse_strict_json(body, {.max_depth = 8, .max_input_bytes = 64 * 1024});
  if (!doc) return FieldError{"body", "body is not valid JSON: " + doc.error().message};
  Checker c(doc.value(), "");
  T out{};
  if (!fill(c, out)) return c.error();
  return out;
}

}  // namespace

Validated<Sale> validate_sale(std::string_view body) {
  return parse_then<Sale>(body, [](Checker& c, Sale& s) {
    if (!c.object({"customer_id", "dealership_id", "vehicle_specification", "delivery_address", "plan_comercial",
                   "reservation_amount"}) ||
        !c.string("customer_id", 128, s.customer_id) || !c.string("dealership_id", 128, s.dealership_id)) {
      return false;
    }
    const auto* spec = c.find("vehicle_specification");
    if (!spec) return c.fail("vehicle_specification", "is required");
    Checker sc(*spec, "vehicle_specification.");
    auto& v = s.vehicle_specification;
    if (!sc.object({"platform_base", "initial_options", "color", "interior"}) ||
        !sc.string("platform_base", 64, v.platform_base) || !sc.codes("initial_options", v.initial_options) ||
        !sc.string("color", 64, v.color) || !sc.string("interior", 64, v.interior)) {
      return c.adopt(sc);
    }
    const auto* addr = c.find("delivery_address");
    if (!addr) return c.fail("delivery_address", "is required");
    Checker ac(*addr, "delivery_address.");
    auto& a = s.delivery_address;
    if (!ac.object({"street", "city", "postal_code", "country"}) || !ac.string("street", 256, a.street) ||
        !ac.string("city", 128, a.city) || !ac.string("postal_code", 16, a.postal_code) ||
        !ac.string("country", 2, a.country)) {
      return c.adopt(ac);
    }
    if (!upper_letters(a.country, 2)) {
      ac.fail("country", "must be an ISO 3166-1 alpha-2 code like ES");
      return c.adopt(ac);
    }
    const auto* plan = c.find("plan_comercial");
    if (!plan) return c.fail("plan_comercial", "is required");
    Checker pc(*plan, "plan_comercial.");
    auto& p = s.plan_comercial;
    if (!pc.object({"maintenance_included", "warranty_years", "opciones_permanentes"}) ||
        !pc.boolean("maintenance_included", p.maintenance_included) ||
        !pc.integer("warranty_years", 0, 30, p.warranty_years) ||
        !pc.codes("opciones_permanentes", p.opciones_permanentes)) {
      return c.adopt(pc);
    }
    return c.money("reservation_amount", s.reservation_amount);
  });
}

Validated<PaymentRequest> validate_payment(std::string_view body, const std::string& now) {
  return parse_then<PaymentRequest>(body, [&now](Checker& c, PaymentRequest& p) {
    return c.object({"payment_reference", "amount", "paid_at"}) &&
           c.string("payment_reference", 128, p.payment_reference) && c.money("amount", p.amount) &&
           c.time("paid_at", p.paid_at, now);
  });
}

Validated<RegistrationRequest> validate_registration(std::string_view body, const std::string& now) {
  return parse_then<RegistrationRequest>(body, [&now](Checker& c, RegistrationRequest& r) {
    if (!c.object({"vin", "registration_plate", "registered_at"}) || !c.string("vin", 17, r.vin)) return false;
    if (!is_valid_vin(r.vin)) return c.fail("vin", "must be 17 characters of [A-HJ-NPR-Z0-9]");
    return c.string("registration_plate", 16, r.registration_plate) && c.time("registered_at", r.registered_at, now);
  });
}

Validated<HandoverRequest> validate_handover(std::string_view body, const std::string& now) {
  return parse_then<HandoverRequest>(body, [&now](Checker& c, HandoverRequest& h) {
    if (!c.object({"vin", "delivered_at"}) || !c.string("vin", 17, h.vin, /*required=*/false)) return false;
    if (!h.vin.empty() && !is_valid_vin(h.vin)) return c.fail("vin", "must be 17 characters of [A-HJ-NPR-Z0-9]");
    return c.time("delivered_at", h.delivered_at, now);
  });
}

Validated<CancelRequest> validate_cancel(std::string_view body) {
  return parse_then<CancelRequest>(
      body, [](Checker& c, CancelRequest& r) { return c.object({"reason"}) && c.string("reason", 1024, r.reason); });
}

}  // namespace caas::order
