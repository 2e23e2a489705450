// Command-line wiring (CLI11, Debian's libcli11-dev): nouns, verbs, options,
// help per command; then the command runs outside the parser.
#include "app/commands.hpp"
#include "dlq/audit.hpp"

#include <CLI/CLI.hpp>

#include <sstream>

namespace caas::ctl {

Result<void> Context::prepare() {
  auto format = parse_format(globals_.output, io_.out_is_terminal);
  if (!format) return format.error();
  format_ = *format;
  style_.colour = io_.out_is_terminal && !globals_.no_color && !io_.env("NO_COLOR").has_value();
  auto timeout = parse_duration(globals_.timeout);
  if (!timeout) return timeout.error();
  timeout_ = *timeout;
  actor_ = globals_.actor.empty() ? io_.env("CAAS_OPERATOR").value_or("") : globals_.actor;
  if (actor_.empty()) actor_ = default_actor();
  if (globals_.bootstrap.empty()) globals_.bootstrap = io_.env("CAAS_KAFKA_BOOTSTRAP").value_or("");
  if (!globals_.config.empty()) {
    auto props = load_properties(globals_.config);
    if (!props) return props.error();
    properties_ = std::move(*props);
  }
  if (globals_.schema_dir.empty()) {
    globals_.schema_dir = io_.env("CAAS_SCHEMA_DIR").value_or(CAASCTL_DEFAULT_SCHEMA_DIR);
  }
  return {};
}

Result<Cluster*> Context::cluster() {
  if (!cluster_) {
    auto c = Cluster::connect({globals_.bootstrap, properties_, timeout_});
    if (!c) return c.error();
    cluster_ = std::move(*c);
  }
  return cluster_.get();
}

Result<const events::SchemaRegistry*> Context::schemas() {
  if (!schemas_) {
    try {
      schemas_ = std::make_unique<events::SchemaRegistry>(globals_.schema_dir);
    } catch (const std::exception& e) {
      return usage_error(std::string("schemas (--schema-dir or CAAS_SCHEMA_DIR): ") + e.what());
    }
  }
  return schemas_.get();
}

int Context::fail(const Error& e) {
  note(e.message);
  return code(e.code == std::errc::invalid_argument ? Exit::usage : Exit::error);
}

namespace {

void add_dlq_filters(CLI::App* cmd, DlqArgs& a) {
  cmd->add_option("--topic", a.topics, "DLQ topic(s) to read (default: every caas.dlq.* and *.DLT topic)");
  cmd->add_option("--service", a.service, "service that dead-lettered it (dlq.service)");
  cmd->add_option("--key", a.key, "record key (the aggregate id)");
  cmd->add_option("--error-class", a.error_class, "permanent | transient-exhausted (or an exception class)");
  cmd->add_option("--error", a.error_text, "text in the error message (case-insensitive)");
  cmd->add_option("--original-topic", a.original_topic, "the topic it came from");
  cmd->add_option("--type", a.type, "CloudEvents type");
  cmd->add_option("--header", a.headers, "header filter H=V (repeatable)");
  cmd->add_option("--since", a.since, "dead-lettered at or after (RFC 3339, epoch ms, -1h)");
  cmd->add_option("--until", a.until, "dead-lettered before");
  cmd->add_flag("--parked", a.parked_only, "only dead letters of parked keys");
  cmd->add_flag("--include-resolved", a.include_resolved, "also those already redriven or discarded");
}

void add_plan_options(CLI::App* cmd, DlqArgs& a) {
  cmd->add_option("refs", a.refs, "dead letters as TOPIC/PARTITION/OFFSET");
  cmd->add_flag("--all", a.all, "allow a selection without --key or a record reference");
  cmd->add_option("--plan-out", a.plan_out, "write the plan to this file");
  cmd->add_flag("--execute", a.execute, "run the plan given with --plan");
  cmd->add_option("--plan", a.plan, "the plan file to execute (resumes where an interrupted run stopped)");
  cmd->add_option("--rate", a.rate, "records per second at most")->check(CLI::PositiveNumber);
}

}  // namespace

int run(int argc, const char* const* argv, Io& io) {
  CLI::App app{"caasctl: inspect topics and dead letters of the CaaS event platform, redrive, edit, discard",
               "caasctl"};
  app.fallthrough();
  app.require_subcommand(1);
  GlobalOptions g;
  app.add_option("--bootstrap", g.bootstrap, "Kafka bootstrap servers (default: $CAAS_KAFKA_BOOTSTRAP)");
  app.add_option("--config", g.config, "librdkafka properties file (SASL/TLS settings, bootstrap.servers)");
  app.add_option("-o,--output", g.output, "table | wide | json | jsonl (default: table on a terminal, else jsonl)");
  app.add_option("--schema-dir", g.schema_dir, "JSON Schemas (default: $CAAS_SCHEMA_DIR or the built-in path)");
  app.add_option("--timeout", g.timeout, "bound of every broker request and idle read (default 10s)");
  app.add_option("--actor", g.actor, "who acts, for the audit trail (default: $CAAS_OPERATOR or user@host)");
  app.add_flag("--no-color", g.no_color, "no colour (also NO_COLOR)");
  app.footer("Exit codes: 0 ok, 1 error, 2 usage, 3 nothing matched, 4 a batch partly failed, 5 differences.");

  std::function<int(Context&)> chosen;

  auto* topic = app.add_subcommand("topic", "topics of the cluster")->require_subcommand(1);
  std::optional<std::string> prefix;
  auto* topic_list_cmd = topic->add_subcommand("list", "partitions, start/end offsets and record counts per topic");
  topic_list_cmd->add_option("--prefix", prefix, "only topics starting with this");
  topic_list_cmd->callback([&] { chosen = [&](Context& c) { return topic_list(c, prefix); }; });

  TailArgs tail_args;
  auto* tail_cmd =
      app.add_subcommand("tail", "decoded CloudEvents of a topic (time, type, key, id, correlation id, data)");
  tail_cmd->add_option("topic", tail_args.topic, "topic")->required();
  tail_cmd->add_option("--key", tail_args.key, "only this record key");
  tail_cmd->add_option("--type", tail_args.type, "only this CloudEvents type");
  tail_cmd->add_option("--header", tail_args.headers, "only records with header H=V (repeatable)");
  tail_cmd->add_option("--since", tail_args.since, "records at or after (RFC 3339, epoch ms, -1h)");
  tail_cmd->add_option("--until", tail_args.until, "records before");
  tail_cmd->add_option("--from", tail_args.from, "start|end|N|+N|-N per partition (default start)");
  tail_cmd->add_flag("-f,--follow", tail_args.follow, "keep reading new records (Ctrl-C stops)");
  tail_cmd->add_option("--max", tail_args.max, "stop after this many records");
  tail_cmd->callback([&] { chosen = [&](Context& c) { return tail(c, tail_args); }; });

  auto* group = app.add_subcommand("group", "consumer groups")->require_subcommand(1);
  std::vector<std::string> lag_groups, lag_topics;
  auto* lag_cmd = group->add_subcommand("lag", "committed offset, end and lag per partition");
  lag_cmd->add_option("--group", lag_groups, "group(s) (default: every group the brokers list)");
  lag_cmd->add_option("--topic", lag_topics, "topic(s) (default: every topic)");
  lag_cmd->callback([&] { chosen = [&](Context& c) { return group_lag(c, lag_groups, lag_topics); }; });

  std::string correlation;
  std::vector<std::string> trace_topics;
  std::optional<std::string> trace_since;
  auto* trace_cmd = app.add_subcommand("trace", "every event of one flow across topics, in time order");
  trace_cmd->add_option("correlation_id", correlation, "the flow's correlation id")->required();
  trace_cmd->add_option("--topic", trace_topics, "topic(s) to search (default: every topic)");
  trace_cmd->add_option("--since", trace_since, "only records at or after");
  trace_cmd->callback([&] { chosen = [&](Context& c) { return trace(c, correlation, trace_topics, trace_since); }; });

  auto* dlq = app.add_subcommand("dlq", "dead letters: list, search, show, stats, redrive, edit, discard, history")
                  ->require_subcommand(1);
  DlqArgs d;
  auto* list_cmd = dlq->add_subcommand("list", "dead letters still pending (filters below), or --keys: parked keys");
  add_dlq_filters(list_cmd, d);
  list_cmd->add_flag("--keys", d.keys, "parked keys and how many records wait behind each");
  list_cmd->callback([&] { chosen = [&](Context& c) { return dlq_list(c, d); }; });

  auto* search_cmd = dlq->add_subcommand("search", "dead letters whose key, error or value contains TEXT");
  search_cmd->add_option("text", d.text, "text to look for")->required();
  add_dlq_filters(search_cmd, d);
  search_cmd->callback([&] { chosen = [&](Context& c) { return dlq_list(c, d); }; });

  auto* show_cmd = dlq->add_subcommand("show", "one dead letter: the original record and every header");
  show_cmd->add_option("ref", d.refs, "TOPIC/PARTITION/OFFSET")->required();
  show_cmd->callback([&] { chosen = [&](Context& c) { return dlq_show(c, d); }; });

  auto* stats_cmd = dlq->add_subcommand("stats", "pending dead letters counted by error class, service or topic");
  add_dlq_filters(stats_cmd, d);
  stats_cmd->add_option("--by", d.by, "error-class | service | topic | key")
      ->check(CLI::IsMember({"error-class", "service", "topic", "key"}));
  stats_cmd->callback([&] { chosen = [&](Context& c) { return dlq_stats(c, d); }; });

  auto* redrive_cmd = dlq->add_subcommand(
      "redrive", "send dead letters (and the records parked behind their key) back, in order; plan, then --execute");
  add_dlq_filters(redrive_cmd, d);
  add_plan_options(redrive_cmd, d);
  redrive_cmd->add_option("--max-redrives", d.max_redrives, "refuse a record redriven this many times (default 3)");
  redrive_cmd->add_option("--reason", d.reason, "why (kept in the audit trail)");
  redrive_cmd->callback([&] { chosen = [&](Context& c) { return dlq_redrive(c, d); }; });

  auto* discard_cmd = dlq->add_subcommand("discard", "release parked keys without applying their dead letters");
  add_dlq_filters(discard_cmd, d);
  add_plan_options(discard_cmd, d);
  discard_cmd->add_option("--reason", d.reason, "why (required, kept in the audit trail)")->required();
  discard_cmd->callback([&] { chosen = [&](Context& c) { return dlq_discard(c, d); }; });

  auto* edit_cmd =
      dlq->add_subcommand("edit", "replace a dead letter's data (file or JSON patch), validated, diff shown");
  edit_cmd->add_option("ref", d.refs, "TOPIC/PARTITION/OFFSET")->required();
  auto* data_opt = edit_cmd->add_option("--data-file", d.data_file, "the new data (a JSON object)");
  auto* patch_opt =
      edit_cmd->add_option("--patch", d.patch_file, "RFC 6902 JSON Patch (array) or RFC 7386 merge patch (object)");
  data_opt->excludes(patch_opt);
  edit_cmd->add_option("--plan", d.plan, "also put the edited record into this plan file");
  edit_cmd->add_option("--reason", d.reason, "why (kept in the audit trail)")->required();
  edit_cmd->callback([&] { chosen = [&](Context& c) { return dlq_edit(c, d); }; });

  auto* history_cmd = dlq->add_subcommand("history", "the audit trail of operator actions (caas.ops.audit.v1)");
  history_cmd->add_option("--key", d.key, "subject (the dead letter's key)");
  history_cmd->add_option("--plan-id", d.plan_id, "one plan");
  history_cmd->add_option("--action", d.action, "redrive-planned | redrive | edit | discard | ...");
  history_cmd->add_option("--since", d.since, "at or after");
  history_cmd->callback([&] { chosen = [&](Context& c) { return dlq_history(c, d); }; });

  auto* partner = app.add_subcommand("partner", "partners of the platform")->require_subcommand(1);
  PartnerArgs pa;
  std::string run_timeout = "120s";
  auto* reconcile_cmd = partner->add_subcommand("reconcile", "run a partner reconciliation now and print the report");
  reconcile_cmd->add_option("partner", pa.partner, "factory")->required()->check(CLI::IsMember({"factory"}));
  reconcile_cmd->add_option("--url", pa.url, "factory-adapter base URL (default $CAAS_FACTORY_ADAPTER_URL or :8082)");
  reconcile_cmd->add_option("--api-key-file", pa.api_key_file,
                            "admin/operator API key, first line (else $CAAS_ADMIN_API_KEY)");
  reconcile_cmd->add_option("--reason", pa.reason, "why (kept in the audit trail)");
  reconcile_cmd->add_option("--run-timeout", run_timeout, "bound of the whole run (default 120s)");
  reconcile_cmd->callback([&] {
    chosen = [&](Context& c) {
      auto t = parse_duration(run_timeout);
      if (!t) return c.fail(t.error());
      pa.run_timeout = *t;
      return partner_reconcile(c, pa);
    };
  });

  auto* verify = app.add_subcommand("verify", "check a service's state")->require_subcommand(1);
  VerifyArgs va;
  std::string verify_timeout = "330s";  // past the service's CAAS_VERIFY_REPLAY_TIMEOUT (5m)
  auto* replay_cmd = verify->add_subcommand(
      "replay", "the service rebuilds a shadow state from its log and reports every difference (exit 5)");
  replay_cmd->add_option("service", va.service, "the service")->required()->check(CLI::IsMember(verifiable_services()));
  replay_cmd->add_option("--url", va.url, "service base URL (default $CAAS_<SERVICE>_URL or its local port)");
  replay_cmd->add_option("--api-key-file", va.api_key_file,
                         "admin/operator API key, first line (else $CAAS_ADMIN_API_KEY)");
  replay_cmd->add_option("--reason", va.reason, "why (kept in the audit trail)");
  replay_cmd->add_option("--run-timeout", verify_timeout, "bound of the whole run (default 330s)");
  replay_cmd->callback([&] {
    chosen = [&](Context& c) {
      auto t = parse_duration(verify_timeout);
      if (!t) return c.fail(t.error());
      va.run_timeout = *t;
      return verify_replay(c, va);
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    const int rc = app.exit(e, out, err);
    io.out << out.str();
    io.err << err.str();
    return rc == 0 ? code(Exit::ok) : code(Exit::usage);
  }
  Context ctx(io, g);
  if (auto r = ctx.prepare(); !r) return ctx.fail(r.error());
  if (!chosen) return code(Exit::usage);
  return chosen(ctx);
}

}  // namespace caas::ctl
