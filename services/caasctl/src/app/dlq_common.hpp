#pragma once
// What the dlq commands share: reading every DLQ and the audit trail,
// filters from the command line, files, recording an action.

#include "app/commands.hpp"
#include "dlq/audit.hpp"
#include "dlq/dead_letter.hpp"
#include "dlq/plan.hpp"

#include <string>
#include <vector>

namespace caas::ctl {

/// Every dead letter of `topics` (default: every DLQ topic of the cluster).
Result<std::vector<DeadLetter>> load_dead_letters(Context& ctx, const std::vector<std::string>& topics);
/// Every audit action in time order, folded into `state`.
Result<std::vector<AuditAction>> load_audit(Context& ctx, AuditState& state);
Result<DlqFilter> make_filter(Context& ctx, const DlqArgs& args);
Result<DeadLetter> read_dead_letter(Context& ctx, const RecordRef& ref);
Result<void> record_action(Context& ctx, const AuditAction& action, std::string_view subject);
Result<std::string> read_file(const std::string& path);
/// Written whole or not at all (temporary file, then rename).
Result<void> write_file(const std::string& path, const std::string& text);

}  // namespace caas::ctl
