#include "app/admin_call.hpp"

#include "app/dlq_common.hpp"

#include <caas/events/json.hpp>
#include <caas/http/client.hpp>

namespace caas::ctl {

namespace {

std::string first_line(const std::string& text) {
  auto line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

AdminReply failed(int exit) {
  AdminReply reply;
  reply.exit = exit;
  return reply;
}

}  // namespace

AdminReply call_admin(Context& ctx, const AdminCall& call) {
  std::string url = call.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string key;
  if (!call.api_key_file.empty()) {
    auto text = read_file(call.api_key_file);
    if (!text) return failed(ctx.fail(text.error()));
    key = first_line(*text);
  } else {
    key = ctx.io().env("CAAS_ADMIN_API_KEY").value_or("");
  }
  if (key.empty())
    return failed(ctx.fail(usage_error("no API key: --api-key-file F (first line) or CAAS_ADMIN_API_KEY")));

  http::ClientOptions options;
  options.connect_timeout = std::min(ctx.timeout(), std::chrono::milliseconds(5000));
  options.request_timeout = call.run_timeout;
  options.user_agent = "caasctl";
  http::HttpClient client(options);
  http::ClientRequest request{"POST", url + call.path, {}, "{}"};
  request.headers.set("X-API-Key", key);
  request.headers.set("Content-Type", "application/json");
  auto response = client.request(request);
  if (!response) return failed(ctx.fail(Error{response.error().code, url + ": " + response.error().message}));
  if (response->status == 401 || response->status == 403) {
    ctx.note("not authorised (" + std::to_string(response->status) + "): " + response->body);
    return failed(code(Exit::error));
  }
  if (response->status != 200) {
    ctx.note("the " + call.who + " answered " + std::to_string(response->status) + ": " + response->body);
    return failed(code(Exit::error));
  }
  auto report = events::parse_strict_json(response->body);
  if (!report || !report->IsObject()) {
    return failed(ctx.fail(Error{std::make_error_code(std::errc::io_error), "the report is not a JSON object"}));
  }
  AdminReply reply;
  reply.body = std::move(response->body);
  reply.report = std::move(*report);
  return reply;
}

int audit_report(Context& ctx, const std::string& action, const std::string& service, const std::string& reason,
                 const std::string& report) {
  auto a = new_action(ctx, action, "completed", reason);
  a.service = service;
  a.report = report;
  if (auto rec = record_action(ctx, a, service); !rec) {
    ctx.note(rec.error().message);
    return code(Exit::error);
  }
  return 0;
}

}  // namespace caas::ctl
