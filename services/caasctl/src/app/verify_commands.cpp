// verify replay SERVICE: the service rebuilds a shadow state from its log and
// compares it with its live store (POST /admin/verify-replay, API key, role
// admin or operator); this prints the report and exits 5 on differences.
// The run is a `verify-replay` audit event with the report.
#include "app/admin_call.hpp"
#include "app/dlq_common.hpp"

#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

#include <map>

namespace caas::ctl {

namespace json = caas::events::json;

namespace {

struct Verifiable {
  const char* url_env;
  const char* default_url;  // DESIGN.md §2 ports
};
const std::map<std::string, Verifiable>& verifiable() {
  static const std::map<std::string, Verifiable> services{
      {"telemetry-ingest", {"CAAS_TELEMETRY_INGEST_URL", "http://127.0.0.1:8084"}}};
  return services;
}

}  // namespace

std::vector<std::string> verifiable_services() {
  std::vector<std::string> out;
  for (const auto& [name, v] : verifiable()) out.push_back(name);
  return out;
}

int verify_replay(Context& ctx, const VerifyArgs& a) {
  auto it = verifiable().find(a.service);
  if (it == verifiable().end())
    return ctx.fail(usage_error("service '" + a.service + "' cannot verify its replay yet"));
  const std::string url = a.url.empty() ? ctx.io().env(it->second.url_env).value_or(it->second.default_url) : a.url;
  auto reply = call_admin(ctx, {url, "/admin/verify-replay", a.api_key_file, a.service, a.run_timeout});
  if (reply.exit != 0) return reply.exit;
  const auto& r = reply.report;
  const auto differences = json::int64(r, "difference_count");
  if (!differences) {
    return ctx.fail(Error{std::make_error_code(std::errc::io_error), "the report has no difference_count"});
  }

  if (int rc = audit_report(ctx, "verify-replay", a.service, a.reason, reply.body); rc != 0) return rc;
  if (json::boolean(r, "live_moved")) {
    ctx.note("the live store moved on during the run: differences may be records applied meanwhile; run it again");
  }

  if (ctx.format() == Format::table || ctx.format() == Format::wide) {
    ctx.out() << json::str(r, "service") << " " << json::str(r, "started_at") << " .. " << json::str(r, "finished_at")
              << ": " << json::int64(r, "records_applied").value_or(0) << " records replayed, "
              << json::int64(r, "live_keys").value_or(0) << " live keys, " << json::int64(r, "shadow_keys").value_or(0)
              << " shadow keys, " << json::int64(r, "equal").value_or(0) << " equal, " << *differences
              << " differences (" << json::int64(r, "differing").value_or(0) << " differing, "
              << json::int64(r, "missing_in_shadow").value_or(0) << " only live, "
              << json::int64(r, "missing_in_live").value_or(0) << " only shadow)"
              << (json::boolean(r, "differences_truncated") ? ", list truncated" : "") << "\n";
    Rows rows({{"key"}, {"kind"}, {"live"}, {"shadow"}});
    if (const auto* list = json::member(r, "differences"); list && list->IsArray()) {
      for (const auto& d : list->GetArray()) {
        rows.add({json::str(d, "key"), json::str(d, "kind"), json::str(d, "live"), json::str(d, "shadow")});
      }
    }
    if (!rows.empty()) ctx.render(rows);
  } else {
    json::Writer compact;
    compact.value(r);
    ctx.out() << compact.str() << '\n';
  }
  return code(*differences > 0 ? Exit::differences : Exit::ok);
}

}  // namespace caas::ctl
