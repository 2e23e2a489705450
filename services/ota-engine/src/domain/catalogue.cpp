#include "domain/catalogue.hpp"

#include <caas/events/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

namespace caas::ota {

namespace {

Error problem(std::string_view origin, const std::string& what) {
  return Error{std::make_error_code(std::errc::invalid_argument), std::string(origin) + ": " + what};
}

std::string line_of(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Byte offset from the strict parser's message ("... at offset N").
std::optional<std::size_t> offset_in(const std::string& message) {
  static const std::regex re("at byte ([0-9]+)");
  std::smatch m;
  if (!std::regex_search(message, m, re)) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(m[1].str()));
}

struct Checker {
  std::string_view origin;
  std::optional<Error> error;

  bool fail(const std::string& field, const std::string& what) {
    if (!error) error = problem(origin, "field '" + field + "': " + what);
    return false;
  }
  const rapidjson::Value* need(const rapidjson::Value& obj, const char* name, const std::string& path) {
    const auto* m = events::json::member(obj, name);
    if (!m) fail(path.empty() ? name : path + "." + name, "missing");
    return m;
  }
  std::string text(const rapidjson::Value& obj, const char* name, const std::string& path, std::size_t max = 200) {
    const auto* m = need(obj, name, path);
    const std::string field = path.empty() ? name : path + "." + name;
    if (!m) return {};
    if (!m->IsString() || m->GetStringLength() == 0 || m->GetStringLength() > max) {
      fail(field, "must be a non-empty string of at most " + std::to_string(max) + " bytes");
      return {};
    }
    return {m->GetString(), m->GetStringLength()};
  }
  std::int64_t number(const rapidjson::Value& obj, const char* name, const std::string& path, double min, double max,
                      double scale) {
    const auto* m = need(obj, name, path);
    if (!m) return 0;
    if (!m->IsNumber() || m->GetDouble() < min || m->GetDouble() > max) {
      fail(path + "." + name, "must be a number in " + std::to_string(static_cast<std::int64_t>(min)) + ".." +
                                  std::to_string(static_cast<std::int64_t>(max)));
      return 0;
    }
    return static_cast<std::int64_t>(std::llround(m->GetDouble() * scale));
  }
};

std::optional<RetryPolicy> parse_policy(Checker& c, const rapidjson::Value& v, const std::string& path) {
  if (!v.IsObject()) {
    c.fail(path, "must be an object");
    return std::nullopt;
  }
  static const std::set<std::string> known{"max_attempts",      "interval_s",      "backoff",
                                           "attempt_timeout_s", "network_retry_s", "status_timeout_s",
                                           "offline_deadline_s"};
  for (const auto& m : v.GetObject()) {
    if (!known.count(m.name.GetString())) {
      c.fail(path + "." + m.name.GetString(), "unknown member");
      return std::nullopt;
    }
  }
  RetryPolicy p;
  p.max_attempts = static_cast<int>(c.number(v, "max_attempts", path, 1, 20, 1));
  p.interval_ms = c.number(v, "interval_s", path, 0.001, 86400, 1000);
  const auto backoff = c.text(v, "backoff", path);
  if (!backoff.empty() && backoff != "fixed" && backoff != "exponential")
    c.fail(path + ".backoff", "must be fixed or exponential");
  p.exponential = backoff == "exponential";
  p.attempt_timeout_ms = c.number(v, "attempt_timeout_s", path, 0.001, 3600, 1000);
  p.network_retry_ms = c.number(v, "network_retry_s", path, 0.001, 3600, 1000);
  p.status_timeout_ms = c.number(v, "status_timeout_s", path, 0.001, 3600, 1000);
  p.offline_deadline_ms = c.number(v, "offline_deadline_s", path, 0.001, 30 * 86400, 1000);
  if (c.error) return std::nullopt;
  return p;
}

std::optional<Params> parse_values(Checker& c, const rapidjson::Value& obj, const char* name, const std::string& path) {
  const auto* m = c.need(obj, name, path);
  const std::string field = path + "." + name;
  if (!m) return std::nullopt;
  if (!m->IsObject() || m->MemberCount() == 0 || m->MemberCount() > 64) {
    c.fail(field, "must be an object of 1..64 parameters");
    return std::nullopt;
  }
  static const std::regex param_name("^[a-z][a-z0-9_]{0,63}$");
  for (const auto& p : m->GetObject()) {
    const std::string pname(p.name.GetString(), p.name.GetStringLength());
    if (!std::regex_match(pname, param_name)) {
      c.fail(field + "." + pname, "parameter names are lower-case identifiers");
      return std::nullopt;
    }
    if (!(p.value.IsString() || p.value.IsBool() || p.value.IsNumber())) {
      c.fail(field + "." + pname, "must be a string, a number or a boolean");
      return std::nullopt;
    }
  }
  return params_from_json(*m);
}

}  // namespace

std::int64_t RetryPolicy::retry_delay_ms(int failed) const {
  if (!exponential || failed <= 1) return interval_ms;
  const int shift = std::min(failed - 1, 10);
  return interval_ms * (std::int64_t{1} << shift);
}

RetryPolicy RetryPolicy::scaled(double scale) const {
  auto s = [scale](std::int64_t ms) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(static_cast<double>(ms) * scale)));
  };
  RetryPolicy p = *this;
  p.interval_ms = s(interval_ms);
  p.attempt_timeout_ms = s(attempt_timeout_ms);
  p.network_retry_ms = s(network_retry_ms);
  p.status_timeout_ms = s(status_timeout_ms);
  p.offline_deadline_ms = s(offline_deadline_ms);
  return p;
}

Result<Catalogue> Catalogue::parse(std::string_view text, std::string_view origin) {
  auto doc = events::parse_strict_json(text);
  if (!doc) {
    const auto off = offset_in(doc.error().message);
    return problem(origin, (off ? line_of(text, *off) + ": " : std::string()) + doc.error().message);
  }
  Checker c{origin, std::nullopt};
  const auto& root = *doc;
  if (!root.IsObject()) return problem(origin, "line 1: the catalogue must be a JSON object");
  const auto* version = c.need(root, "version", "");
  if (version && (!version->IsInt() || version->GetInt() != 1)) c.fail("version", "must be 1");
  std::map<std::string, RetryPolicy> policies;
  if (const auto* rp = c.need(root, "retry_policies", "")) {
    if (!rp->IsObject() || rp->MemberCount() == 0) {
      c.fail("retry_policies", "must be a non-empty object");
    } else {
      for (const auto& m : rp->GetObject()) {
        auto p = parse_policy(c, m.value, std::string("retry_policies.") + m.name.GetString());
        if (p) policies[m.name.GetString()] = *p;
      }
    }
  }
  Catalogue out;
  if (const auto* services = c.need(root, "services", ""); services && !c.error) {
    if (!services->IsArray() || services->Empty()) {
      c.fail("services", "must be a non-empty array");
    } else {
      static const std::regex code_re("^[A-Z][A-Z0-9_]{1,63}$");
      static const std::regex amount_re("^[0-9]{1,9}\\.[0-9]{2}$");
      static const std::regex currency_re("^[A-Z]{3}$");
      std::set<std::string> codes;
      std::size_t i = 0;
      for (const auto& s : services->GetArray()) {
        const std::string path = "services[" + std::to_string(i++) + "]";
        if (!s.IsObject()) {
          c.fail(path, "must be an object");
          break;
        }
        ServiceDefinition d;
        d.code = c.text(s, "code", path, 64);
        if (!c.error && !std::regex_match(d.code, code_re)) c.fail(path + ".code", "must match [A-Z][A-Z0-9_]{1,63}");
        if (!c.error && !codes.insert(d.code).second) c.fail(path + ".code", "duplicate code " + d.code);
        d.name = c.text(s, "name", path);
        d.firmware_module = c.text(s, "firmware_module", path);
        d.service_type = c.text(s, "service_type", path, 64);
        if (!c.error) {
          auto it = policies.find(d.service_type);
          if (it == policies.end()) {
            c.fail(path + ".service_type", "no retry policy '" + d.service_type + "' in retry_policies");
          } else {
            d.policy = it->second;
          }
        }
        if (const auto* price = c.need(s, "price", path); price && !c.error) {
          const auto pp = path + ".price";
          d.price.reference = c.text(*price, "reference", pp, 64);
          d.price.amount = c.text(*price, "amount", pp, 16);
          d.price.currency = c.text(*price, "currency", pp, 3);
          d.price.period = c.text(*price, "period", pp, 16);
          if (!c.error && !std::regex_match(d.price.amount, amount_re)) c.fail(pp + ".amount", "must look like 19.99");
          if (!c.error && !std::regex_match(d.price.currency, currency_re))
            c.fail(pp + ".currency", "must be an ISO 4217 code");
          if (!c.error && d.price.period != "one-time" && d.price.period != "monthly" && d.price.period != "yearly")
            c.fail(pp + ".period", "must be one-time, monthly or yearly");
        }
        if (const auto* platforms = c.need(s, "platforms", path); platforms && !c.error) {
          if (!platforms->IsObject() || platforms->MemberCount() == 0) {
            c.fail(path + ".platforms", "must be a non-empty object");
          } else {
            for (const auto& p : platforms->GetObject()) {
              const std::string ppath = path + ".platforms." + p.name.GetString();
              if (!p.value.IsObject()) {
                c.fail(ppath, "must be an object");
                break;
              }
              auto on = parse_values(c, p.value, "activation", ppath);
              auto off = parse_values(c, p.value, "deactivation", ppath);
              if (c.error) break;
              std::set<std::string> a, b;
              for (const auto& [k, v] : *on) a.insert(k);
              for (const auto& [k, v] : *off) b.insert(k);
              if (a != b) {
                c.fail(ppath + ".deactivation", "must name the same parameters as activation");
                break;
              }
              if (matches(*on, *off)) {
                c.fail(ppath + ".deactivation", "equals the activation values");
                break;
              }
              d.platforms[p.name.GetString()] = PlatformValues{std::move(*on), std::move(*off)};
            }
          }
        }
        if (c.error) break;
        out.services_.push_back(std::move(d));
      }
    }
  }
  if (c.error) return *c.error;
  return out;
}

const ServiceDefinition* Catalogue::find(std::string_view code) const {
  for (const auto& s : services_) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

const PlatformValues* Catalogue::values(std::string_view code, std::string_view platform) const {
  const auto* s = find(code);
  if (!s) return nullptr;
  auto it = s->platforms.find(std::string(platform));
  return it == s->platforms.end() ? nullptr : &it->second;
}

bool Catalogue::knows_platform(std::string_view platform) const {
  return std::any_of(services_.begin(), services_.end(),
                     [&](const ServiceDefinition& s) { return s.platforms.count(std::string(platform)) > 0; });
}

Catalogue Catalogue::scaled(double scale) const {
  Catalogue out = *this;
  for (auto& s : out.services_) s.policy = s.policy.scaled(scale);
  return out;
}

}  // namespace caas::ota
