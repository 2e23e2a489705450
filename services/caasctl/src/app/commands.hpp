#pragma once
// caasctl's commands. run() parses the command line (CLI11) and dispatches;
// each command returns its exit code (cli/args.hpp Exit).

#include "app/context.hpp"

#include <optional>
#include <string>
#include <vector>

namespace caas::ctl {

/// The whole program: argv in, exit code out.
int run(int argc, const char* const* argv, Io& io);

struct TailArgs {
  std::string topic;
  std::optional<std::string> key, type, since, until;
  std::vector<std::string> headers;
  std::string from = "start";
  bool follow = false;
  std::optional<std::int64_t> max;
};

struct DlqArgs {
  std::vector<std::string> topics;  // DLQ topics to read (default: every DLQ topic)
  std::optional<std::string> service, key, error_class, error_text, original_topic, type, since, until;
  std::vector<std::string> headers;
  std::vector<std::string> refs;
  std::optional<std::string> text;  // search: in the key, the error and the value
  bool parked_only = false;
  bool include_resolved = false;
  bool keys = false;  // list parked keys instead of records
  std::string by = "error-class";
  // redrive / discard
  bool all = false;
  bool execute = false;
  std::string plan_out, plan;
  std::optional<double> rate;
  int max_redrives = 3;
  std::string reason;
  // edit
  std::string data_file, patch_file;
  // history
  std::optional<std::string> plan_id, action;
};

struct PartnerArgs {
  std::string partner;
  std::string url;           // --url, else CAAS_FACTORY_ADAPTER_URL, else http://127.0.0.1:8082
  std::string api_key_file;  // else CAAS_ADMIN_API_KEY
  std::string reason;
  std::chrono::milliseconds run_timeout{120000};
};

struct VerifyArgs {
  std::string service;
  std::string url;           // --url, else CAAS_<SERVICE>_URL, else its local port
  std::string api_key_file;  // else CAAS_ADMIN_API_KEY
  std::string reason;
  std::chrono::milliseconds run_timeout{330000};
};

int topic_list(Context& ctx, const std::optional<std::string>& prefix);
int tail(Context& ctx, const TailArgs& args);
int group_lag(Context& ctx, const std::vector<std::string>& groups, const std::vector<std::string>& topics);
int trace(Context& ctx, const std::string& correlation_id, const std::vector<std::string>& topics,
          const std::optional<std::string>& since);

int dlq_list(Context& ctx, const DlqArgs& args);
int dlq_show(Context& ctx, const DlqArgs& args);
int dlq_stats(Context& ctx, const DlqArgs& args);
int dlq_redrive(Context& ctx, const DlqArgs& args);
int dlq_discard(Context& ctx, const DlqArgs& args);
int dlq_edit(Context& ctx, const DlqArgs& args);
int dlq_history(Context& ctx, const DlqArgs& args);
int partner_reconcile(Context& ctx, const PartnerArgs& args);
int verify_replay(Context& ctx, const VerifyArgs& args);
/// The services whose admin API can verify their replay.
std::vector<std::string> verifiable_services();

}  // namespace caas::ctl
