#pragma once
// A service's admin route, called by an operator command (partner reconcile,
// verify replay): POST with the operator's API key (X-API-Key), the answer a
// JSON object. 401/403 and every other failure are reported on stderr.

#include "app/context.hpp"

#include <caas/core/result.hpp>

#include <rapidjson/document.h>

#include <chrono>
#include <string>

namespace caas::ctl {

struct AdminCall {
  std::string url;           // base URL, trailing '/' allowed
  std::string path;          // "/admin/verify-replay"
  std::string api_key_file;  // first line; else CAAS_ADMIN_API_KEY
  std::string who;           // the service, for messages
  std::chrono::milliseconds run_timeout{120000};
};

/// The answer's body (a JSON object) on 200; otherwise the exit code to
/// return, the reason already printed.
struct AdminReply {
  int exit = 0;  // 0: `body` is the answer, `report` its parse
  std::string body;
  rapidjson::Document report;
};
AdminReply call_admin(Context& ctx, const AdminCall& call);
/// Records the run as an `action` audit event of `service` with the report;
/// the exit code on failure (printed), 0 when recorded.
int audit_report(Context& ctx, const std::string& action, const std::string& service, const std::string& reason,
                 const std::string& report);

}  // namespace caas::ctl
