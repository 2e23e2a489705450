// partner reconcile factory: runs the factory-adapter's reconciliation now
// through its admin API (POST /api/v1/reconciliation/run, API key, role admin
// or operator) and prints the report; the run is an audit event.
#include "app/admin_call.hpp"
#include "app/dlq_common.hpp"

#include <caas/core/time.hpp>
#include <caas/events/json.hpp>
#include <caas/events/json_util.hpp>

namespace caas::ctl {

namespace json = caas::events::json;

int partner_reconcile(Context& ctx, const PartnerArgs& a) {
  if (a.partner != "factory") return ctx.fail(usage_error("unknown partner '" + a.partner + "' (factory)"));
  const std::string url =
      a.url.empty() ? ctx.io().env("CAAS_FACTORY_ADAPTER_URL").value_or("http://127.0.0.1:8082") : a.url;
  auto reply = call_admin(ctx, {url, "/api/v1/reconciliation/run", a.api_key_file, "factory-adapter", a.run_timeout});
  if (reply.exit != 0) return reply.exit;
  const auto& r = reply.report;

  if (int rc = audit_report(ctx, "reconcile", "factory-adapter", a.reason, reply.body); rc != 0) return rc;

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
