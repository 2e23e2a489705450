// partner reconcile factory: runs the factory-adapter's reconciliation now
// through its admin API (POST /api/v1/reconciliation/run, API key, role admin
// or operator) and prints the report; the run is an audit event.
#include "app/dlq_common.hpp"

#include <caas/core/time.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>
#include <caas/http/client.hpp>

namespace caas::ctl {

namespace {

namespace json = caas::events::json;

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

int partner_reconcile(Context& ctx, const PartnerArgs& a) {
  if (a.partner != "factory") return ctx.fail(usage_error("unknown partner '" + a.partner + "' (factory)"));
  std::string url = a.url.empty() ? ctx.io().env("CAAS_FACTORY_ADAPTER_URL").value_or("http://127.0.0.1:8082") : a.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string key;
  if (!a.api_key_file.empty()) {
    auto text = read_file(a.api_key_file);
    if (!text) return ctx.fail(text.error());
    key = first_line(*text);
  } else {
    key = ctx.io().env("CAAS_ADMIN_API_KEY").value_or("");
  }
  if (key.empty()) return ctx.fail(usage_error("no API key: --api-key-file F (first line) or CAAS_ADMIN_API_KEY"));

  http::ClientOptions options;
  options.connect_timeout = std::min(ctx.timeout(), std::chrono::milliseconds(5000));
  options.request_timeout = a.run_timeout;
  options.user_agent = "caasctl";
  http::HttpClient client(options);
  http::ClientRequest request{"POST", url + "/api/v1/reconciliation/run", {}, "{}"};
  request.headers.set("X-API-Key", key);
  request.headers.set("Content-Type", "application/json");
  auto response = client.request(request);
  if (!response) return ctx.fail(Error{response.error().code, url + ": " + response.error().message});
  if (response->status == 401 || response->status == 403) {
    ctx.note("not authorised (" + std::to_string(response->status) + "): " + response->body);
    return code(Exit::error);
  }
  if (response->status != 200) {
    ctx.note("the factory-adapter answered " + std::to_string(response->status) + ": " + response->body);
    return code(Exit::error);
  }
  auto report = events::parse_strict_json(response->body);
  if (!report || !report->IsObject())
    return ctx.fail(Error{std::make_error_code(std::errc::io_error), "the report is not a JSON object"});
  const auto& r = *report;

  auto action = new_action(ctx, "reconcile", "completed", a.reason);
  action.service = "factory-adapter";
  action.report = response->body;
  if (auto rec = record_action(ctx, action, "factory-adapter"); !rec) {
    ctx.note(rec.error().message);
    return code(Exit::error);
  }

  if (ctx.format() == Format::table || ctx.format() == Format::wide) {
    ctx.out() << "run " << json::str(r, "run_id") << " (" << json::str(r, "trigger") << ") "
              << json::str(r, "started_at") << " .. " << json::str(r, "finished_at") << ": "
              << json::int64(r, "orders_checked").value_or(0) << " orders checked, "
              << json::int64(r, "orders_unreachable").value_or(0) << " unreachable, "
              << json::int64(r, "discrepancy_count").value_or(0) << " discrepancies\n";
    Rows rows(
        {{"order_id"}, {"factory_order_id"}, {"caas_status"}, {"factory_status"}, {"action"}, {"corrections", true}});
    if (const auto* list = json::member(r, "discrepancies"); list && list->IsArray()) {
      for (const auto& d : list->GetArray()) {
        json::Writer corrections;
        if (const auto* c = json::member(d, "corrections")) corrections.value(*c);
        rows.add({json::str(d, "order_id"), json::str(d, "factory_order_id"), json::str(d, "caas_status"),
                  json::str(d, "factory_status"), json::str(d, "action"),
                  corrections.str().empty() ? Value{} : Value{RawJson{corrections.str()}}});
      }
    }
    if (!rows.empty()) ctx.render(rows);
  } else {
    json::Writer compact;
    compact.value(r);
    ctx.out() << compact.str() << '\n';
  }
  return code(Exit::ok);
}

}  // namespace caas::ctl
